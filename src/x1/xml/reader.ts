/**
 * A strict, namespace-aware XML 1.0 reader for X1 bodies: the input gate. It builds a small element tree and
 * refuses everything X1 does not need and attackers use: any DOCTYPE (so no DTD, no entity declarations, no
 * external entities, no entity expansion), undefined entities, invalid characters (including `&#0;`),
 * malformed UTF-8, unbound prefixes, duplicate attributes, more than one root and trailing content. Every
 * length, count and depth is bounded, so time and memory stay linear in the input.
 */

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** An element as read: local name, resolved namespace, attributes, child elements and direct text. */
export interface XElem {
  readonly ns: string;
  readonly name: string;
  readonly attrs: readonly XAttr[];
  readonly children: readonly XElem[];
  /** Direct character data (text and CDATA), concatenated. */
  text: string;
  /** 1-based line of the start tag (used to map validator messages to X1 messages). */
  readonly line: number;
  /** In-scope namespace bindings (prefix → URI; '' is the default namespace), for QName-valued content. */
  readonly scope: NsScope;
}

export interface XAttr {
  readonly ns: string;
  readonly name: string;
  readonly value: string;
}

export type NsScope = ReadonlyMap<string, string>;

export interface ReaderLimits {
  /** Bytes of input (UTF-8). */
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly maxAttributes: number;
  /** Longest attribute value, and longest text of one element. */
  readonly maxValueLength: number;
  readonly maxNameLength: number;
  /** Total elements in the document. */
  readonly maxElements: number;
}

export const DEFAULT_READER_LIMITS: ReaderLimits = {
  maxBytes: 1 << 20,
  maxDepth: 48,
  maxAttributes: 32,
  maxValueLength: 64 * 1024,
  maxNameLength: 256,
  maxElements: 1 << 16,
};

/** Why the input is not acceptable XML; `line` is 1-based when known. */
export class XmlReadError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(`${reason} (line ${line})`);
    this.name = 'XmlReadError';
  }
}

const NO_ATTRS: readonly XAttr[] = Object.freeze([]);
/** The scope every document starts with (only `xml` is bound); shared, never changed. */
const INITIAL_SCOPE: NsScope = new Map([['xml', XML_NS]]);
const ATTR_CACHE_MAX = 256;
const ATTR_CACHE = new Map<
  string,
  { scope: NsScope; attrs: readonly XAttr[]; parent: NsScope; limits: ReaderLimits }
>();
const NO_CHILDREN: readonly XElem[] = Object.freeze([]);
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
// Characters outside the XML 1.0 Char production (surrogates are checked with isWellFormed).
// eslint-disable-next-line no-control-regex
const INVALID_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NAME_RE = /^[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9._\-\u00B7\u00C0-\uFFFD]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes bytes as strict UTF-8 (a leading BOM is allowed and dropped, as XML 1.0 §4.3.3 permits). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new XmlReadError('invalid UTF-8', 1);
  }
}

/** Reads one XML document into its root element. Throws {@link XmlReadError}. */
export function readXml(input: Uint8Array | string, limits: ReaderLimits = DEFAULT_READER_LIMITS): XElem {
  if (typeof input !== 'string' && input.byteLength > limits.maxBytes) {
    throw new XmlReadError(`document larger than ${limits.maxBytes} bytes`, 1);
  }
  let src = typeof input === 'string' ? input : decodeUtf8(input);
  if (typeof input === 'string') {
    if (src.length > limits.maxBytes)
      throw new XmlReadError(`document larger than ${limits.maxBytes} bytes`, 1);
    if (src.charCodeAt(0) === 0xfeff) src = src.slice(1);
  }
  if (!src.isWellFormed()) throw new XmlReadError('unpaired surrogate', 1);
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  return new Reader(src, limits).document();
}

class Reader {
  private pos = 0;
  private line = 1;
  private nextNewline: number;
  private elements = 0;

  constructor(
    private readonly s: string,
    private readonly lim: ReaderLimits,
  ) {
    const nl = s.indexOf('\n');
    this.nextNewline = nl === -1 ? Infinity : nl;
  }

  private fail(reason: string): never {
    throw new XmlReadError(reason, this.lineAt(this.pos));
  }

  private lineAt(pos: number): number {
    // Lines are counted lazily and only forward (the next newline is remembered), so the cost stays linear.
    while (this.nextNewline < pos) {
      this.line++;
      const nl = this.s.indexOf('\n', this.nextNewline + 1);
      this.nextNewline = nl === -1 ? Infinity : nl;
    }
    return this.line;
  }

  document(): XElem {
    const s = this.s;
    if (s.startsWith('<?xml')) this.xmlDecl();
    this.misc();
    if (s.startsWith('<!DOCTYPE', this.pos)) this.fail('DOCTYPE is not allowed');
    if (s.charCodeAt(this.pos) !== 0x3c)
      this.fail(this.pos >= s.length ? 'no root element' : 'content before root');
    const root = this.element(INITIAL_SCOPE, 1);
    this.misc();
    if (this.pos < s.length) {
      this.fail(
        s.startsWith('<', this.pos) && !s.startsWith('<!', this.pos)
          ? 'more than one root'
          : 'content after root',
      );
    }
    return root;
  }

  private xmlDecl(): void {
    const end = this.s.indexOf('?>', this.pos);
    if (end === -1) this.fail('unterminated XML declaration');
    const decl = this.s.slice(this.pos + 5, end);
    if (
      !/^\s+version\s*=\s*(['"])1\.[0-9]+\1(\s+encoding\s*=\s*(['"])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(['"])(yes|no)\5)?\s*$/.test(
        decl,
      )
    ) {
      this.fail('malformed XML declaration');
    }
    const enc = /encoding\s*=\s*['"]([^'"]+)['"]/.exec(decl)?.[1]?.toLowerCase();
    if (enc !== undefined && enc !== 'utf-8' && enc !== 'utf8') this.fail(`unsupported encoding ${enc}`);
    this.pos = end + 2;
  }

  /** Skips whitespace, comments and processing instructions between markup. */
  private misc(): void {
    const s = this.s;
    for (;;) {
      while (this.pos < s.length && isSpace(s.charCodeAt(this.pos))) this.pos++;
      if (s.startsWith('<!--', this.pos)) this.comment();
      else if (s.startsWith('<?', this.pos)) this.pi();
      else return;
    }
  }

  private comment(): void {
    const end = this.s.indexOf('-->', this.pos + 4);
    if (end === -1) this.fail('unterminated comment');
    const body = this.s.slice(this.pos + 4, end);
    if (body.includes('--') || body.endsWith('-')) this.fail('"--" inside comment');
    if (INVALID_CHAR.test(body)) this.fail('invalid character in comment');
    this.pos = end + 3;
  }

  private pi(): void {
    const end = this.s.indexOf('?>', this.pos + 2);
    if (end === -1) this.fail('unterminated processing instruction');
    const target = /^[^\s?]+/.exec(this.s.slice(this.pos + 2, end))?.[0] ?? '';
    if (target.toLowerCase() === 'xml') this.fail('XML declaration not at the start of the document');
    if (!NAME_RE.test(target)) this.fail('malformed processing instruction');
    this.pos = end + 2;
  }

  /** Scans a (qualified) name, checking every character against the XML Name production on the way. */
  private name(): string {
    const s = this.s;
    const start = this.pos;
    let colon = -1;
    let i = start;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const k = c < 128 ? NAME_TABLE[c]! : c === 0xb7 || (c >= 0xc0 && c <= 0xfffd) ? NAME_START : INVALID;
      if (k === NAME_START) continue;
      if (k === NAME_CHAR) {
        if (i === colon + 1 || i === start) this.fail(`malformed name ${s.slice(start, i + 1)}`);
        continue;
      }
      if (k === COLON) {
        if (colon !== -1 || i === start) this.fail(`malformed qualified name ${s.slice(start, i + 1)}`);
        colon = i;
        continue;
      }
      if (k === INVALID) this.fail(`malformed name ${s.slice(start, i + 1)}`);
      break;
    }
    if (i === start) this.fail('name expected');
    if (colon === i - 1) this.fail(`malformed qualified name ${s.slice(start, i)}`);
    if (i - start > this.lim.maxNameLength) this.fail('name too long');
    this.pos = i;
    return s.slice(start, i);
  }

  private element(parentScope: NsScope, depth: number): XElem {
    if (depth > this.lim.maxDepth) this.fail(`nesting deeper than ${this.lim.maxDepth}`);
    if (++this.elements > this.lim.maxElements) this.fail(`more than ${this.lim.maxElements} elements`);
    const s = this.s;
    const line = this.lineAt(this.pos);
    this.pos++; // '<'
    const qname = this.name();
    let inScope = parentScope;
    let attrs: readonly XAttr[] = NO_ATTRS;
    let c = s.charCodeAt(this.pos);
    if (c !== 0x3e && c !== 0x2f) {
      const r = this.cachedAttributes(parentScope);
      inScope = r.scope;
      attrs = r.attrs;
      c = s.charCodeAt(this.pos);
    }
    if (c === 0x2f && s.charCodeAt(this.pos + 1) !== 0x3e) this.fail('malformed empty-element tag');
    this.pos += c === 0x2f ? 2 : 1;
    const colon = qname.indexOf(':');
    const ns = colon === -1 ? (inScope.get('') ?? '') : this.resolveElementPrefix(inScope, qname, colon);
    const el: XElem = {
      ns,
      name: colon === -1 ? qname : qname.slice(colon + 1),
      attrs,
      children: NO_CHILDREN,
      text: '',
      line,
      scope: inScope,
    };
    if (c !== 0x2f) this.content(el, qname, inScope, depth);
    return el;
  }

  /**
   * Peers send the same start tags again and again (the root's namespace declarations, `xsi:type`): the result
   * of reading an attribute list is a pure function of its text, the parent scope and the limits, so it is
   * remembered (bounded) and shared; results are immutable.
   */
  private cachedAttributes(parentScope: NsScope): { scope: NsScope; attrs: readonly XAttr[] } {
    const s = this.s;
    const start = this.pos;
    const gt = s.indexOf('>', start);
    const end = gt !== -1 && s.charCodeAt(gt - 1) === 0x2f ? gt - 1 : gt;
    const text = gt === -1 || end - start > 512 ? undefined : s.slice(start, end);
    const hit = text === undefined ? undefined : ATTR_CACHE.get(text);
    if (hit && hit.parent === parentScope && hit.limits === this.lim) {
      this.pos = end;
      return hit;
    }
    const r = this.attributes(parentScope);
    if (text !== undefined && this.pos === end) {
      if (ATTR_CACHE.size >= ATTR_CACHE_MAX) ATTR_CACHE.clear();
      ATTR_CACHE.set(text, { ...r, parent: parentScope, limits: this.lim });
    }
    return r;
  }

  /** Reads the attributes of a start tag up to (not including) its `>` or `/>`; applies xmlns bindings. */
  private attributes(parentScope: NsScope): { scope: NsScope; attrs: XAttr[] } {
    const s = this.s;
    const raw: { name: string; value: string }[] = [];
    let scope: Map<string, string> | undefined;
    for (;;) {
      const hadSpace = this.skipSpace();
      const c = s.charCodeAt(this.pos);
      if (c === 0x3e || c === 0x2f) break;
      if (Number.isNaN(c)) this.fail('unterminated start tag');
      if (!hadSpace) this.fail('whitespace expected between attributes');
      const an = this.name();
      this.skipSpace();
      if (s.charCodeAt(this.pos) !== 0x3d) this.fail(`"=" expected after ${an}`);
      this.pos++;
      this.skipSpace();
      const value = this.attrValue();
      if (raw.length >= this.lim.maxAttributes) this.fail(`more than ${this.lim.maxAttributes} attributes`);
      for (const a of raw) if (a.name === an) this.fail(`duplicate attribute ${an}`);
      if (an === 'xmlns' || an.startsWith('xmlns:')) {
        const prefix = an === 'xmlns' ? '' : an.slice(6);
        if (prefix === 'xmlns' || (prefix === 'xml') !== (value === XML_NS) || value === XMLNS_NS) {
          this.fail(`reserved namespace binding ${an}`);
        }
        if (prefix !== '' && value === '') this.fail(`empty namespace for prefix ${prefix}`);
        scope ??= new Map(parentScope);
        scope.set(prefix, value);
      }
      raw.push({ name: an, value });
    }
    const inScope: NsScope = scope ?? parentScope;
    const attrs: XAttr[] = [];
    for (const a of raw) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
      const colon = a.name.indexOf(':');
      if (colon === -1) attrs.push({ ns: '', name: a.name, value: a.value });
      else {
        const ns = this.resolve(inScope, a.name.slice(0, colon));
        attrs.push({ ns, name: a.name.slice(colon + 1), value: a.value });
      }
    }
    for (let i = 0; i < attrs.length; i++) {
      for (let j = i + 1; j < attrs.length; j++) {
        if (attrs[i]!.ns === attrs[j]!.ns && attrs[i]!.name === attrs[j]!.name)
          this.fail('duplicate attribute');
      }
    }
    return { scope: inScope, attrs };
  }

  private lastScope: NsScope | undefined;
  private lastPrefix = '';
  private lastUri = '';

  /** Element prefixes repeat: remember the last resolution per scope to skip hashing a fresh string. */
  private resolveElementPrefix(scope: NsScope, qname: string, colon: number): string {
    if (scope === this.lastScope && colon === this.lastPrefix.length && sameAt(qname, 0, this.lastPrefix)) {
      return this.lastUri;
    }
    const prefix = qname.slice(0, colon);
    const uri = this.resolve(scope, prefix);
    this.lastScope = scope;
    this.lastPrefix = prefix;
    this.lastUri = uri;
    return uri;
  }

  private resolve(scope: NsScope, prefix: string): string {
    const uri = scope.get(prefix);
    if (uri === undefined || uri === '') this.fail(`unbound prefix ${prefix}`);
    return uri;
  }

  private content(el: XElem, qname: string, scope: NsScope, depth: number): void {
    const s = this.s;
    let text = '';
    for (;;) {
      const lt = s.indexOf('<', this.pos);
      if (lt === -1) this.fail(`unterminated element ${qname}`);
      if (lt > this.pos) {
        text += allSpace(s, this.pos, lt) ? s.slice(this.pos, lt) : this.charData(s.slice(this.pos, lt));
        this.pos = lt;
      }
      const next = s.charCodeAt(lt + 1);
      if (next !== 0x2f && next !== 0x21 && next !== 0x3f) {
        const child = this.element(scope, depth + 1);
        // Leaves share one empty array; an element gets its own on its first child.
        if (el.children === NO_CHILDREN) (el as unknown as { children: XElem[] }).children = [child];
        else (el.children as XElem[]).push(child);
      } else if (next === 0x2f) {
        if (sameAt(s, lt + 2, qname) && s.charCodeAt(lt + 2 + qname.length) === 0x3e) {
          this.pos = lt + 3 + qname.length;
          break;
        }
        this.pos = lt + 2;
        const endName = this.name();
        this.skipSpace();
        if (s.charCodeAt(this.pos) !== 0x3e) this.fail('malformed end tag');
        this.pos++;
        if (endName !== qname) this.fail(`end tag ${endName} does not match ${qname}`);
        break;
      } else if (s.startsWith('<!--', lt)) {
        this.comment();
      } else if (s.startsWith('<![CDATA[', lt)) {
        const end = s.indexOf(']]>', lt + 9);
        if (end === -1) this.fail('unterminated CDATA section');
        const data = s.slice(lt + 9, end);
        if (INVALID_CHAR.test(data)) this.fail('invalid character');
        text += data;
        this.pos = end + 3;
      } else if (s.startsWith('<?', lt)) {
        this.pi();
      } else {
        this.fail('markup declaration not allowed here');
      }
      if (text.length > this.lim.maxValueLength) this.fail(`text longer than ${this.lim.maxValueLength}`);
    }
    el.text = text;
  }

  private charData(raw: string): string {
    if (raw.includes(']]>')) this.fail('"]]>" in text');
    return this.unescape(raw);
  }

  private attrValue(): string {
    const s = this.s;
    const q = s.charCodeAt(this.pos);
    if (q !== 0x22 && q !== 0x27) this.fail('quoted attribute value expected');
    const end = s.indexOf(q === 0x22 ? '"' : "'", this.pos + 1);
    if (end === -1) this.fail('unterminated attribute value');
    if (end - this.pos - 1 > this.lim.maxValueLength)
      this.fail(`attribute value longer than ${this.lim.maxValueLength}`);
    const raw = s.slice(this.pos + 1, end);
    if (raw.includes('<')) this.fail('"<" in attribute value');
    this.pos = end + 1;
    // Attribute-value normalisation (XML 1.0 §3.3.3): literal white space becomes a space.
    return this.unescape(raw.includes('\t') || raw.includes('\n') ? raw.replace(/[\t\n]/g, ' ') : raw);
  }

  private unescape(raw: string): string {
    let amp = false;
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c >= 0x27 && c < 0xfffe) continue;
      if (c === 0x26) amp = true;
      else if (c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0d : c >= 0xfffe)
        this.fail('invalid character');
    }
    if (!amp) return raw;
    return raw.replace(/&([^;&]{0,16})(;?)/g, (_m, ref: string, semi: string) => {
      if (semi !== ';') this.fail('malformed reference');
      if (ref.startsWith('#')) return this.charRef(ref);
      const v = PREDEFINED[ref];
      if (v === undefined) this.fail(`undefined entity &${ref};`);
      return v;
    });
  }

  private charRef(ref: string): string {
    const hex = ref.startsWith('#x');
    const digits = ref.slice(hex ? 2 : 1);
    if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits))
      this.fail(`malformed character reference &${ref};`);
    const cp = parseInt(digits, hex ? 16 : 10);
    const ok =
      cp === 0x9 ||
      cp === 0xa ||
      cp === 0xd ||
      (cp >= 0x20 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xfffd) ||
      (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) this.fail(`character reference &${ref}; is not an XML character`);
    return String.fromCodePoint(cp);
  }

  private skipSpace(): boolean {
    const start = this.pos;
    const s = this.s;
    while (this.pos < s.length && isSpace(s.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }
}

const INVALID = 0;
const NAME_START = 1;
const NAME_CHAR = 2;
const COLON = 3;
const TERMINATOR = 4;
/** ASCII classes for the Name production: letters and `_` start a name; digits, `.` and `-` continue it. */
const NAME_TABLE = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    if (/[A-Za-z_]/.test(ch)) t[c] = NAME_START;
    else if (/[0-9.-]/.test(ch)) t[c] = NAME_CHAR;
    else if (ch === ':') t[c] = COLON;
    else if (' \t\n\r>/=<"\''.includes(ch)) t[c] = TERMINATOR;
  }
  return t;
})();

function sameAt(s: string, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (s.charCodeAt(at + i) !== word.charCodeAt(i)) return false;
  return true;
}

function allSpace(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}
