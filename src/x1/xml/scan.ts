/**
 * Character-level helpers of the strict X1 reader (XML 1.0 Fifth Edition, §2.2 Char, §2.3 Name, §4.1
 * references): classification tables and forward-only delimiter search, so that the reader touches most
 * characters only inside native `indexOf` scans and never builds strings character by character.
 */

/** Character classes of the Name production for ASCII (XML 1.0 §2.3; namespaces: `:` separates a QName). */
export const INVALID = 0;
export const NAME_START = 1;
export const NAME_CHAR = 2;
export const COLON = 3;
export const TERMINATOR = 4;

/** ASCII classes for the Name production: letters and `_` start a name; digits, `.` and `-` continue it. */
export const NAME_TABLE = (() => {
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

/** The class of any UTF-16 unit: beyond ASCII, `·` and U+00C0..U+FFFD are accepted as name characters. */
export function nameClass(c: number): number {
  if (c < 128) return NAME_TABLE[c]!;
  return c === 0xb7 || (c >= 0xc0 && c <= 0xfffd) ? NAME_START : INVALID;
}

/** Outside the XML 1.0 Char production (§2.2); surrogates are checked when the text is decoded. */
export function isInvalidChar(c: number): boolean {
  return c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0d : c >= 0xfffe && c <= 0xffff;
}

/** White space (XML 1.0 §2.3 S). */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/**
 * The next occurrence of a fixed needle at or after a position, for positions that only grow: the last answer
 * is remembered, so the whole document is searched about once per needle however many ranges ask.
 */
export class Ahead {
  private at = -1;
  private from = 0;

  constructor(
    private readonly s: string,
    private readonly needle: string,
  ) {}

  /** Index of the first needle at or after `pos`, or Infinity. */
  next(pos: number): number {
    if (this.at >= pos && this.from <= pos) return this.at;
    const i = this.s.indexOf(this.needle, pos);
    this.from = pos;
    this.at = i === -1 ? Infinity : i;
    return this.at;
  }
}

/** The five predefined entities (XML 1.0 §4.6); anything else is undefined without a DTD. */
export function predefinedEntity(name: string): string | undefined {
  switch (name) {
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'amp':
      return '&';
    case 'apos':
      return "'";
    case 'quot':
      return '"';
    default:
      return undefined;
  }
}

/** The longest entity or character reference body the reader looks at (`#x10FFFF` and friends fit). */
export const MAX_REFERENCE = 16;

/**
 * Resolves a character reference body (`#65`, `#x41`) to its character (XML 1.0 §4.1, WFC: Legal Character);
 * returns the refusal reason instead when it is malformed or not an XML character.
 */
export function charReference(ref: string): { ok: true; value: string } | { ok: false; reason: string } {
  const hex = ref.startsWith('#x');
  const digits = ref.slice(hex ? 2 : 1);
  if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits))
    return { ok: false, reason: `malformed character reference &${ref};` };
  const cp = parseInt(digits, hex ? 16 : 10);
  const ok =
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff);
  if (!ok) return { ok: false, reason: `character reference &${ref}; is not an XML character` };
  return { ok: true, value: String.fromCodePoint(cp) };
}

/**
 * The engine's unique copy of `s` (property keys are interned): kept names and namespace URIs then compare with
 * the decoder's constants by identity, and no slice of a document is kept alive by a cache.
 */
export function interned(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** A copy of `s` that shares no storage with the string it was sliced from. */
export function detach(s: string): string {
  return s.length < 2 ? s : [...s].join('');
}
