/**
 * A strict, namespace-aware XML 1.0 reader for X1 bodies: the input gate. It builds a small element tree and
 * refuses everything X1 does not need and attackers use: any DOCTYPE (so no DTD, no entity declarations, no
 * external entities, no entity expansion), undefined entities, invalid characters (including `&#0;`),
 * malformed UTF-8, unbound prefixes, duplicate attributes, more than one root and trailing content. Every
 * length, count and depth is bounded, so time and memory stay linear in the input.
 *
 * The document is decoded once (strict UTF-8) and scanned by character code; delimiters are found with
 * native `indexOf`, values are slices of the document, and only values with references or white space to
 * normalise are rebuilt.
 */
import { interned, NAME_TABLE, TERMINATOR } from './scan.js';
import { NO_ATTRS, TagReader } from './start-tag.js';
import {
  DEFAULT_READER_LIMITS,
  XML_NS,
  XmlReadError,
  type NsScope,
  type ReaderLimits,
  type XElem,
} from './types.js';

export {
  DEFAULT_READER_LIMITS,
  XML_NS,
  XMLNS_NS,
  XmlReadError,
  type NsScope,
  type ReaderLimits,
  type XAttr,
  type XElem,
} from './types.js';

const NO_CHILDREN: readonly XElem[] = Object.freeze([]);
/** The scope every document starts with (only `xml` is bound); shared, never changed. */
const INITIAL_SCOPE: NsScope = new Map([['xml', XML_NS]]);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const CDATA_OPEN = '<![CDATA[';
/** Shorter slices are copies (cheap to compare with `===`); longer ones are compared in place with `indexOf`. */
const SLICE_COPY = 13;

/** A validated element name: the qualified name, its prefix ('' when none) and its local part. */
interface QName {
  readonly qname: string;
  readonly prefix: string;
  readonly local: string;
  /** The start tag that followed this one last time (documents of one kind repeat their markup). */
  next: QName | undefined;
}

/** Element names seen in start tags, interned; bounded (cleared when full). */
const KNOWN_NAMES = new Map<string, QName>();
const KNOWN_NAMES_MAX = 1024;
const KNOWN_NAME_LENGTH = 64;
/** The root element name of the document read last. */
let firstName: QName | undefined;

/** Empties the name set, unlinking its names so that forgotten ones are not kept alive through predictions. */
function forgetNames(): void {
  for (const q of KNOWN_NAMES.values()) q.next = undefined;
  KNOWN_NAMES.clear();
  firstName = undefined;
}

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
  let src: string;
  if (typeof input === 'string') {
    if (input.length > limits.maxBytes)
      throw new XmlReadError(`document larger than ${limits.maxBytes} bytes`, 1);
    src = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    if (!src.isWellFormed()) throw new XmlReadError('unpaired surrogate', 1);
  } else {
    if (input.byteLength > limits.maxBytes)
      throw new XmlReadError(`document larger than ${limits.maxBytes} bytes`, 1);
    // The fatal decoder refuses encoded surrogates too, so the text is well-formed UTF-16.
    src = decodeUtf8(input);
  }
  // End-of-line handling (XML 1.0 §2.11).
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  return new Reader(src, limits).document();
}

class Reader extends TagReader {
  private elements = 0;
  private lastScope: NsScope | undefined;
  private lastPrefix = '';
  private lastUri = '';
  private prevName: QName | undefined;

  document(): XElem {
    const s = this.s;
    if (s.startsWith('<?xml')) this.xmlDecl();
    this.misc();
    if (s.startsWith('<!DOCTYPE', this.pos)) this.fail('DOCTYPE is not allowed');
    if (s.charCodeAt(this.pos) !== LT)
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

  /** Skips white space, comments and processing instructions between markup (XML 1.0 §2.8 Misc). */
  private misc(): void {
    const s = this.s;
    for (;;) {
      this.skipSpace();
      if (s.startsWith('<!--', this.pos)) this.comment();
      else if (s.startsWith('<?', this.pos)) this.pi();
      else return;
    }
  }

  private element(parentScope: NsScope, depth: number): XElem {
    const lim = this.lim;
    if (depth > lim.maxDepth) this.fail(`nesting deeper than ${lim.maxDepth}`);
    if (++this.elements > lim.maxElements) this.fail(`more than ${lim.maxElements} elements`);
    const s = this.s;
    const line = this.lineAt(this.pos);
    const q = this.startName(++this.pos);
    let scope = parentScope;
    let attrs = NO_ATTRS;
    let c = s.charCodeAt(this.pos);
    if (c !== GT && c !== SLASH) {
      scope = this.startTag(parentScope);
      attrs = this.tagAttrs;
      c = s.charCodeAt(this.pos);
    }
    if (c === SLASH && s.charCodeAt(this.pos + 1) !== GT) this.fail('malformed empty-element tag');
    this.pos += c === SLASH ? 2 : 1;
    const ns = q.prefix === '' ? (scope.get('') ?? '') : this.elementPrefix(scope, q.prefix);
    const el: XElem = { ns, name: q.local, attrs, children: NO_CHILDREN, text: '', line, scope };
    if (c !== SLASH) this.content(el, q.qname, scope, depth);
    return el;
  }

  /**
   * The name of a start tag at `start` (after its `<`). Names already validated (a bounded set of interned
   * names) are recognised without rescanning: first the name that followed the previous start tag last time,
   * compared in place and required to end where a name ends; then, for a tag without attributes, the text up
   * to its `>` looked up. Anything else is scanned character by character against the Name production.
   */
  private startName(start: number): QName {
    const prev = this.prevName;
    const predicted = prev === undefined ? firstName : prev.next;
    let q: QName;
    if (predicted !== undefined && this.nameAt(start, predicted.qname)) {
      q = predicted;
      this.pos = start + q.qname.length;
    } else {
      q = this.knownName(start) ?? this.scanName(start);
      if (q.qname.length <= KNOWN_NAME_LENGTH) {
        if (prev === undefined) firstName = q;
        else prev.next = q;
      }
    }
    this.prevName = q;
    return q;
  }

  /** Whether the validated `qname` is the whole name at `at`. */
  private nameAt(at: number, qname: string): boolean {
    const s = this.s;
    const n = qname.length;
    if (n > this.lim.maxNameLength) return false;
    const c = s.charCodeAt(at + n);
    if (!(c < NAME_TABLE.length && NAME_TABLE[c] === TERMINATOR)) return false;
    return s.slice(at, at + n) === qname;
  }

  /** A known name that is the whole of a start tag without attributes (up to `>` or `/>`). */
  private knownName(start: number): QName | undefined {
    const s = this.s;
    const gt = s.indexOf('>', start);
    const end = s.charCodeAt(gt - 1) === SLASH ? gt - 1 : gt;
    const bare = end - start;
    if (bare <= 0 || bare > KNOWN_NAME_LENGTH || bare > this.lim.maxNameLength) return undefined;
    const known = KNOWN_NAMES.get(s.slice(start, end));
    if (known !== undefined) this.pos = end;
    return known;
  }

  private scanName(start: number): QName {
    const s = this.s;
    const colon = this.name();
    const qEnd = this.pos;
    const qname = s.slice(start, qEnd);
    const local = colon === -1 ? start : colon + 1;
    if (qEnd - start > KNOWN_NAME_LENGTH) {
      const prefix = colon === -1 ? '' : s.slice(start, colon);
      return { qname, prefix, local: s.slice(local, qEnd), next: undefined };
    }
    let q = KNOWN_NAMES.get(qname);
    if (q === undefined) {
      if (KNOWN_NAMES.size >= KNOWN_NAMES_MAX) forgetNames();
      const prefix = colon === -1 ? '' : interned(s.slice(start, colon));
      q = { qname: interned(qname), prefix, local: interned(s.slice(local, qEnd)), next: undefined };
      KNOWN_NAMES.set(q.qname, q);
    }
    return q;
  }

  /** Element prefixes repeat: remember the last resolution per scope. */
  private elementPrefix(scope: NsScope, prefix: string): string {
    if (scope === this.lastScope && prefix === this.lastPrefix) return this.lastUri;
    const uri = this.resolve(scope, prefix);
    this.lastScope = scope;
    this.lastPrefix = prefix;
    this.lastUri = uri;
    return uri;
  }

  /** Content of an element up to and including its end tag (XML 1.0 §3.1 content). */
  private content(el: XElem, qname: string, scope: NsScope, depth: number): void {
    const s = this.s;
    const qLen = qname.length;
    const max = this.lim.maxValueLength;
    let text = '';
    for (;;) {
      const lt = s.indexOf('<', this.pos);
      if (lt === -1) this.fail(`unterminated element ${qname}`);
      if (lt > this.pos) {
        text += this.charData(lt);
        this.pos = lt;
      }
      const next = s.charCodeAt(lt + 1);
      if (next === SLASH) {
        const gt = lt + 2 + qLen;
        // A mismatch is an error, so the search below runs past `lt + 2` at most once per document.
        if (
          s.charCodeAt(gt) === GT &&
          (qLen < SLICE_COPY ? s.slice(lt + 2, gt) === qname : s.indexOf(qname, lt + 2) === lt + 2)
        ) {
          this.pos = gt + 1;
          break;
        }
        this.endTag(lt, qname);
        break;
      } else if (next !== BANG && next !== QUESTION) {
        const child = this.element(scope, depth + 1);
        // Leaves share one empty array; an element gets its own on its first child.
        if (el.children === NO_CHILDREN) (el as unknown as { children: XElem[] }).children = [child];
        else (el.children as XElem[]).push(child);
      } else if (s.startsWith('<!--', lt)) {
        this.comment();
      } else if (s.startsWith(CDATA_OPEN, lt)) {
        text += this.cdata(lt);
      } else if (next === QUESTION) {
        this.pi();
      } else {
        this.fail('markup declaration not allowed here');
      }
      if (text.length > max) this.fail(`text longer than ${max}`);
    }
    el.text = text;
  }

  /** An end tag that is not byte-for-byte the start tag's name followed by `>`: white space, or a mismatch. */
  private endTag(lt: number, qname: string): void {
    this.pos = lt + 2;
    const nameStart = this.pos;
    this.name();
    const endName = this.s.slice(nameStart, this.pos);
    this.skipSpace();
    if (this.s.charCodeAt(this.pos) !== GT) this.fail('malformed end tag');
    this.pos++;
    if (endName !== qname) this.fail(`end tag ${endName} does not match ${qname}`);
  }
}
