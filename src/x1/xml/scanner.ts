/**
 * The lexical layer of the strict X1 reader over the decoded document (XML 1.0 Fifth Edition): names (§2.3),
 * character data and attribute values with references (§2.4, §3.3.3, §4.1), comments (§2.5), processing
 * instructions (§2.6), CDATA sections (§2.7) and the XML declaration (§2.8). A position moves forward only;
 * line numbers are counted lazily from it.
 */
import {
  Ahead,
  charReference,
  COLON,
  INVALID,
  isInvalidChar,
  isSpace,
  MAX_REFERENCE,
  NAME_CHAR,
  NAME_START,
  NAME_TABLE,
  nameClass,
  predefinedEntity,
} from './scan.js';
import { XmlReadError, type NsScope, type ReaderLimits } from './types.js';

const XML_DECL =
  /^\s+version\s*=\s*(['"])1\.[0-9]+\1(\s+encoding\s*=\s*(['"])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(['"])(yes|no)\5)?\s*$/;
const XML_DECL_ENCODING = /encoding\s*=\s*['"]([^'"]+)['"]/;
/** The declaration lix and most peers send, accepted without running the two expressions above. */
const USUAL_DECL = ' version="1.0" encoding="UTF-8"';
const PI_TARGET = /^[^\s?]+/;
const NAME_RE = /^[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9._\-\u00B7\u00C0-\uFFFD]*$/;
const AMP = 0x26;
const TAB = 0x09;
const LF = 0x0a;
const HASH = 0x23;
/** Below this every character needs a second look in a value: controls, white space, `&`. */
const PLAIN_FROM = 0x27;
const NOT_A_CHAR = 0xfffe;
/** What makes a value need the character loop: controls, `&`, U+FFFE/U+FFFF; in attributes also tab and LF. */
// eslint-disable-next-line no-control-regex
const TEXT_SPECIAL = /[\u0000-\u0008\u000B-\u001F&\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const ATTR_SPECIAL = /[\u0000-\u001F&\uFFFE\uFFFF]/;

export class Scanner {
  protected pos = 0;
  private line = 1;
  private nextNewline: number;
  private readonly amp: Ahead;
  private readonly cdataEnd: Ahead;
  /** `<` ahead of attribute values (content finds its `<` itself). */
  private readonly lt: Ahead;

  constructor(
    protected readonly s: string,
    protected readonly lim: ReaderLimits,
  ) {
    const nl = s.indexOf('\n');
    this.nextNewline = nl === -1 ? Infinity : nl;
    this.amp = new Ahead(s, '&');
    this.cdataEnd = new Ahead(s, ']]>');
    this.lt = new Ahead(s, '<');
  }

  protected fail(reason: string): never {
    throw new XmlReadError(reason, this.lineAt(this.pos));
  }

  protected lineAt(pos: number): number {
    // Lines are counted lazily and only forward (the next newline is remembered), so the cost stays linear.
    while (this.nextNewline < pos) {
      this.line++;
      const nl = this.s.indexOf('\n', this.nextNewline + 1);
      this.nextNewline = nl === -1 ? Infinity : nl;
    }
    return this.line;
  }

  protected xmlDecl(): void {
    const end = this.s.indexOf('?>', this.pos);
    if (end === -1) this.fail('unterminated XML declaration');
    const decl = this.s.slice(this.pos + 5, end);
    if (decl !== USUAL_DECL) {
      if (!XML_DECL.test(decl)) this.fail('malformed XML declaration');
      const enc = XML_DECL_ENCODING.exec(decl)?.[1]?.toLowerCase();
      if (enc !== undefined && enc !== 'utf-8' && enc !== 'utf8') this.fail(`unsupported encoding ${enc}`);
    }
    this.pos = end + 2;
  }

  protected comment(): void {
    const s = this.s;
    const from = this.pos + 4;
    const end = s.indexOf('-->', from);
    if (end === -1) this.fail('unterminated comment');
    // The first "--" is the terminator's unless the body holds one or ends with "-".
    if (s.indexOf('--', from) < end) this.fail('"--" inside comment');
    if (this.hasInvalid(from, end)) this.fail('invalid character in comment');
    this.pos = end + 3;
  }

  protected pi(): void {
    const s = this.s;
    const end = s.indexOf('?>', this.pos + 2);
    if (end === -1) this.fail('unterminated processing instruction');
    const target = PI_TARGET.exec(s.slice(this.pos + 2, end))?.[0] ?? '';
    if (target.toLowerCase() === 'xml') this.fail('XML declaration not at the start of the document');
    if (!NAME_RE.test(target)) this.fail('malformed processing instruction');
    if (this.hasInvalid(this.pos + 2, end)) this.fail('invalid character in processing instruction');
    this.pos = end + 2;
  }

  /**
   * Scans a (qualified) name at the position, checking every character against the Name production, and moves
   * past it. Returns the index of its colon, or -1.
   */
  protected name(): number {
    const s = this.s;
    const start = this.pos;
    let colon = -1;
    let i = start;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const k = c < 128 ? NAME_TABLE[c]! : nameClass(c);
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
    return colon;
  }

  protected skipSpace(): boolean {
    const s = this.s;
    const start = this.pos;
    let i = start;
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    this.pos = i;
    return i > start;
  }

  protected resolve(scope: NsScope, prefix: string): string {
    const uri = scope.get(prefix);
    if (uri === undefined || uri === '') this.fail(`unbound prefix ${prefix}`);
    return uri;
  }

  /** Character data from the position up to `lt` (a `<`), references expanded. */
  protected charData(lt: number): string {
    if (this.cdataEnd.next(this.pos) < lt) this.fail('"]]>" in text');
    return this.value(this.pos, lt, false);
  }

  /** A CDATA section starting at `lt`; returns its characters and moves past it. */
  protected cdata(lt: number): string {
    const from = lt + 9;
    const end = this.s.indexOf(']]>', from);
    if (end === -1) this.fail('unterminated CDATA section');
    if (this.hasInvalid(from, end)) this.fail('invalid character');
    this.pos = end + 3;
    return this.s.slice(from, end);
  }

  /** A quoted attribute value at the position, normalised (XML 1.0 §3.3.3); moves past its closing quote. */
  protected attrValue(): string {
    const s = this.s;
    const q = s.charCodeAt(this.pos);
    if (q !== 0x22 && q !== 0x27) this.fail('quoted attribute value expected');
    const from = this.pos + 1;
    const end = s.indexOf(q === 0x22 ? '"' : "'", from);
    if (end === -1) this.fail('unterminated attribute value');
    if (end - from > this.lim.maxValueLength)
      this.fail(`attribute value longer than ${this.lim.maxValueLength}`);
    if (this.lt.next(from) < end) this.fail('"<" in attribute value');
    this.pos = end + 1;
    return this.value(from, end, true);
  }

  /**
   * The characters of `s[from, to)` as a value: every character must be an XML Char; references are expanded
   * and, in attribute values, literal tabs and newlines become spaces. Plain values are returned as slices.
   */
  private value(from: number, to: number, attr: boolean): string {
    const s = this.s;
    const raw = s.slice(from, to);
    // Most values hold nothing to look at twice; one native scan tells (the loop below finds what and where).
    if (!(attr ? ATTR_SPECIAL : TEXT_SPECIAL).test(raw)) return raw;
    let amp = false;
    let ws = false;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c >= PLAIN_FROM && c < NOT_A_CHAR) continue;
      if (c === AMP) amp = true;
      else if (c === TAB || c === LF) ws = true;
      else if (isInvalidChar(c)) this.fail('invalid character');
    }
    if (amp) return this.expand(from, to, attr && ws);
    return attr && ws ? raw.replace(/[\t\n]/g, ' ') : raw;
  }

  /** `s[from, to)` with references replaced (XML 1.0 §4.1, §4.6: only the predefined entities exist). */
  private expand(from: number, to: number, ws: boolean): string {
    const s = this.s;
    let out = '';
    let i = from;
    for (;;) {
      const amp = Math.min(this.amp.next(i), to);
      const literal = s.slice(i, amp);
      out += ws ? literal.replace(/[\t\n]/g, ' ') : literal;
      if (amp === to) return out;
      const semi = s.indexOf(';', amp + 1);
      if (semi === -1 || semi >= to || semi - amp - 1 > MAX_REFERENCE || this.amp.next(amp + 1) < semi)
        this.fail('malformed reference');
      const ref = s.slice(amp + 1, semi);
      if (ref.charCodeAt(0) === HASH) {
        const r = charReference(ref);
        if (!r.ok) this.fail(r.reason);
        out += r.value;
      } else {
        const v = predefinedEntity(ref);
        if (v === undefined) this.fail(`undefined entity &${ref};`);
        out += v;
      }
      i = semi + 1;
    }
  }

  private hasInvalid(from: number, to: number): boolean {
    const s = this.s;
    for (let i = from; i < to; i++) if (isInvalidChar(s.charCodeAt(i))) return true;
    return false;
  }
}
