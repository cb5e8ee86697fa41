/**
 * Building blocks of the strict X1 decoder: a cursor that walks an element's children in schema order, and
 * converters for simple-typed leaves. Every failure is an {@link X1Error} whose path names the element.
 */
import { X1Error, type ErrorKind } from './errors.js';
import {
  ETSI280_NAMESPACE,
  X1_NAMESPACE,
  XSI_NAMESPACE,
  type Extension,
  type XmlAttr,
  type XmlTree,
} from './model.js';
import { collapse, parseBoolean, parseInteger, PATTERNS, SHORT_STRING_MAX } from './simple-types.js';
import type { XElem } from './xml/reader.js';

/** Raised inside the decoder; the message decoder adds the message index and type. */
export function fail(kind: ErrorKind, reason: string, el?: XElem): never {
  throw new X1Error(
    kind,
    el ? `${reason} (<${el.name}>, line ${el.line})` : reason,
    el ? { path: el.name } : {},
  );
}

const WS_ONLY = /^[\t\n\r ]*$/;

/** Walks the children of a complex-typed element in order, as an XSD sequence does. */
export class Seq {
  private i = 0;
  constructor(
    readonly el: XElem,
    private readonly ns: string = X1_NAMESPACE,
  ) {
    if (el.text.length !== 0 && !WS_ONLY.test(el.text)) fail('SchemaInvalid', 'text not allowed here', el);
    noAttributes(el);
  }

  private matches(name: string, ns: string): boolean {
    const c = this.el.children[this.i];
    return c !== undefined && c.name === name && c.ns === ns;
  }

  optional(name: string, ns: string = this.ns): XElem | undefined {
    if (!this.matches(name, ns)) return undefined;
    return this.el.children[this.i++];
  }

  required(name: string, ns: string = this.ns, missingKind: ErrorKind = 'SchemaInvalid'): XElem {
    const c = this.optional(name, ns);
    if (c === undefined) {
      const found = this.el.children[this.i];
      fail(
        missingKind,
        `missing <${name}>${found ? ` (found <${found.name}>)` : ''} in <${this.el.name}>`,
        this.el,
      );
    }
    return c;
  }

  many(name: string, ns: string = this.ns): XElem[] {
    const out: XElem[] = [];
    while (this.matches(name, ns)) out.push(this.el.children[this.i++]!);
    return out;
  }

  /** The remaining children, unconsumed (for `xs:any`). */
  rest(): XElem[] {
    const out = this.el.children.slice(this.i);
    this.i = this.el.children.length;
    return out;
  }

  end(): void {
    const c = this.el.children[this.i];
    if (c === undefined) return;
    if (c.name === 'xId' && c.ns === X1_NAMESPACE)
      fail('XidForbidden', `<xId> is not allowed in <${this.el.name}>`, c);
    const known = c.ns === X1_NAMESPACE || c.ns === ETSI280_NAMESPACE;
    fail(
      'SchemaInvalid',
      `unexpected element ${known ? '' : `{${c.ns}}`}<${c.name}> in <${this.el.name}>`,
      c,
    );
  }
}

/** X1 types declare no attributes: only the `xsi:` ones (xsi:type) may appear, as XSD allows everywhere. */
function noAttributes(el: XElem): void {
  if (el.attrs.length === 0) return;
  for (const a of el.attrs) {
    if (a.ns !== XSI_NAMESPACE) fail('SchemaInvalid', `attribute ${a.name} not allowed`, el);
  }
}

/** The text of a simple-typed element (no child elements allowed). */
export function leaf(el: XElem): string {
  if (el.children.length > 0) fail('SchemaInvalid', 'element content not allowed', el.children[0]);
  noAttributes(el);
  return el.text;
}

/** A value of an `xs:string`-based type: no white-space folding (unlike tokens); pattern and length apply as is. */
export function stringValueOf(el: XElem, pattern: RegExp, what: string, max?: number): string {
  const v = stringOf(el, max);
  if (!pattern.test(v)) fail('SchemaInvalid', `invalid ${what} "${clip(v)}"`, el);
  return v;
}

export function tokenOf(el: XElem, pattern?: RegExp, what?: string, max?: number): string {
  const v = collapse(leaf(el));
  if (pattern && !pattern.test(v)) fail('SchemaInvalid', `invalid ${what ?? el.name} "${clip(v)}"`, el);
  if (max !== undefined && v.length > max) fail('SchemaInvalid', `${el.name} longer than ${max}`, el);
  return v;
}

/** Length in characters (code points), as XSD `maxLength` counts, not UTF-16 units. */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

export function stringOf(el: XElem, max?: number): string {
  const v = leaf(el);
  if (max !== undefined && v.length > max && charLength(v) > max)
    fail('SchemaInvalid', `${el.name} longer than ${max}`, el);
  return v;
}

/**
 * A token of a pattern that admits no white space (UUID, timestamp): a text that already matches is its own
 * collapsed form, so the white-space folding is skipped for it.
 */
function spaceFreeTokenOf(el: XElem, pattern: RegExp, what: string): string {
  const v = leaf(el);
  return pattern.test(v) ? v : tokenOf(el, pattern, `${what} in <${el.name}>`);
}

export function uuidOf(el: XElem): string {
  return spaceFreeTokenOf(el, PATTERNS.UUID, 'UUID');
}

export function timestampOf(el: XElem): string {
  const v = spaceFreeTokenOf(el, PATTERNS.QualifiedMicrosecondDateTime, 'timestamp');
  if (!calendarValid(v)) fail('SchemaInvalid', `invalid date-time "${v}"`, el);
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
/** Offsets range over -14:00..+14:00 (XSD 1.0 timezone). */
const MAX_OFFSET_HOURS = 14;

/**
 * Whether a string that matches the `QualifiedMicrosecondDateTime` pattern names a real instant: the rules of
 * {@link parseTimestamp} (XSD 1.0 dateTime: no year 0000, days per month with leap years, hours to 23, offset
 * within ±14:00), checked without building a Date.
 */
export function calendarValid(s: string): boolean {
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const dim = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
  if (y === 0 || mo < 1 || mo > 12 || d < 1 || d > dim) return false;
  if (digits(s, 11, 13) > 23 || digits(s, 14, 16) > 59 || digits(s, 17, 19) > 59) return false;
  if (s.length <= 27) return true;
  const oh = digits(s, 27, 29);
  const om = digits(s, 30, 32);
  return oh < MAX_OFFSET_HOURS ? om <= 59 : oh === MAX_OFFSET_HOURS && om === 0;
}

/** The decimal number in `s[from, to)` (digits already checked by the pattern). */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

export function integerOf(el: XElem, min?: number, max?: number): number {
  const n = parseInteger(leaf(el));
  if (n === undefined) fail('SchemaInvalid', `invalid integer "${clip(leaf(el))}"`, el);
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    fail('SchemaInvalid', `${n} out of range [${min ?? ''}, ${max ?? ''}]`, el);
  }
  return n;
}

export function booleanOf(el: XElem): boolean {
  const b = parseBoolean(leaf(el));
  if (b === undefined) fail('SchemaInvalid', `invalid boolean "${clip(leaf(el))}"`, el);
  return b;
}

/** Enumerations of TS 103 221-1 restrict `xs:string`: the value must match exactly (no white-space folding). */
export function enumOf<T extends string>(el: XElem, values: readonly T[]): T {
  const v = leaf(el);
  if (!(values as readonly string[]).includes(v))
    fail('SchemaInvalid', `invalid ${el.name} "${clip(v)}"`, el);
  return v as T;
}

export function hexOf(el: XElem): string {
  return tokenOf(el, PATTERNS.HexBinary, `hexBinary in <${el.name}>`).toLowerCase();
}

export function shortStringOf(el: XElem): string {
  return stringOf(el, SHORT_STRING_MAX);
}

/** The resolved `xsi:type` of an element, or undefined when absent. Unbound prefixes are errors. */
export function xsiTypeOf(el: XElem): { ns: string; local: string } | undefined {
  const a =
    el.attrs.length === 0 ? undefined : el.attrs.find((x) => x.ns === XSI_NAMESPACE && x.name === 'type');
  if (a === undefined) return undefined;
  return resolveQName(el, collapse(a.value));
}

export function resolveQName(el: XElem, qname: string): { ns: string; local: string } {
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const local = colon === -1 ? qname : qname.slice(colon + 1);
  const ns = el.scope.get(prefix);
  if (ns === undefined || (prefix !== '' && ns === '') || local.length === 0 || local.includes(':')) {
    fail('SchemaInvalid', `xsi:type "${clip(qname)}" does not resolve (unbound prefix "${prefix}")`, el);
  }
  return { ns, local };
}

/** Converts read elements to kept opaque trees (extensions, generic objects). */
export function toTree(el: XElem): XmlTree {
  const attrs: XmlAttr[] = el.attrs.map((a) =>
    a.ns === XSI_NAMESPACE && a.name === 'type'
      ? qnameAttr(a.ns, a.name, resolveQName(el, collapse(a.value)))
      : { ns: a.ns, name: a.name, value: a.value },
  );
  const children: (XmlTree | string)[] = el.children.map(toTree);
  if (el.children.length === 0 ? el.text.length > 0 : !WS_ONLY.test(el.text)) children.unshift(el.text);
  return { ns: el.ns, name: el.name, attrs, children };
}

/** A QName-valued attribute is kept prefix-free: its value is the local name, `qname` the resolved name. */
function qnameAttr(ns: string, name: string, qname: { ns: string; local: string }): XmlAttr {
  return { ns, name, value: qname.local, qname };
}

/** `Extension`: an `Owner` then foreign-namespace elements (`xs:any namespace="##other"`). */
export function extensionOf(el: XElem): Extension {
  const seq = new Seq(el);
  const owner = stringOf(seq.required('Owner'));
  const content = seq.rest();
  for (const c of content) {
    if (c.ns === X1_NAMESPACE || c.ns === '')
      fail('SchemaInvalid', `extension content must be in another namespace`, c);
  }
  return { owner, content: content.map(toTree) };
}

export function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
