/**
 * Attribute lists of start tags (XML 1.0 §3.1, WFC: Unique Att Spec) with namespace declarations applied
 * (Namespaces in XML 1.0 §3–§6: reserved `xml`/`xmlns` bindings, no empty prefixed binding, unique expanded
 * attribute names).
 */
import { detach, interned } from './scan.js';
import { Scanner } from './scanner.js';
import { XML_NS, XMLNS_NS, type NsScope, type ReaderLimits, type XAttr } from './types.js';

export const NO_ATTRS: readonly XAttr[] = Object.freeze([]);

const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;

/**
 * A start tag's attribute list, as read: the result is a pure function of the attribute-list text, the
 * parent scope and the limits that bound attributes, and immutable, so peers' repeated root tags (the same
 * `xmlns:` declarations in every message, the same `xsi:type`) are read once and their results shared.
 */
interface Remembered {
  readonly text: string;
  readonly parent: NsScope;
  readonly maxAttributes: number;
  readonly maxValueLength: number;
  readonly maxNameLength: number;
  /** The element's scope when the tag declares namespaces (else it is the parent's). */
  readonly scope: NsScope | undefined;
  readonly attrs: readonly XAttr[];
}

const REMEMBERED_MAX = 8;
/** Longest attribute list remembered when it declares namespaces, and when it does not (`xsi:type`). */
const REMEMBERED_TEXT_MAX = 512;
const REMEMBERED_PLAIN_MAX = 64;
const remembered: Remembered[] = [];

const isXmlns = (name: string) => name === 'xmlns' || name.startsWith('xmlns:');

export class TagReader extends Scanner {
  /** The attributes (declarations excluded) of the start tag read last. */
  protected tagAttrs: readonly XAttr[] = NO_ATTRS;

  /**
   * Reads the attributes of a start tag up to (not including) its `>` or `/>`; returns the element's scope and
   * leaves its attributes in {@link tagAttrs}.
   */
  protected startTag(parentScope: NsScope): NsScope {
    const hit = this.recall(parentScope);
    if (hit !== undefined) {
      this.pos += hit.text.length;
      this.tagAttrs = hit.attrs;
      return hit.scope ?? parentScope;
    }
    const start = this.pos;
    const scope = this.attributes(parentScope);
    const length = this.pos - start;
    if (length <= (scope !== parentScope ? REMEMBERED_TEXT_MAX : REMEMBERED_PLAIN_MAX))
      this.remember(start, parentScope, scope);
    return scope;
  }

  private recall(parentScope: NsScope): Remembered | undefined {
    const s = this.s;
    const lim = this.lim;
    const pos = this.pos;
    for (const r of remembered) {
      if (r.parent !== parentScope || !sameBounds(r, lim)) continue;
      const end = pos + r.text.length;
      const c = s.charCodeAt(end);
      // A slice compared with `===` is a native comparison (faster than `startsWith` or a loop).
      if ((c === GT || c === SLASH) && s.slice(pos, end) === r.text) return r;
    }
    return undefined;
  }

  private remember(start: number, parent: NsScope, scope: NsScope): void {
    if (remembered.length >= REMEMBERED_MAX) remembered.shift();
    // Detached copies: slices would keep the whole document alive.
    const text = detach(this.s.slice(start, this.pos));
    let kept: Map<string, string> | undefined;
    if (scope !== parent) {
      kept = new Map<string, string>();
      for (const [prefix, uri] of scope) kept.set(interned(prefix), interned(uri));
    }
    const attrs = this.tagAttrs.map((a) => ({
      ns: interned(a.ns),
      name: interned(a.name),
      value: detach(a.value),
    }));
    const { maxAttributes, maxValueLength, maxNameLength } = this.lim;
    remembered.push({ text, parent, maxAttributes, maxValueLength, maxNameLength, scope: kept, attrs });
  }

  private attributes(parentScope: NsScope): NsScope {
    const s = this.s;
    const max = this.lim.maxAttributes;
    const names: string[] = [];
    const values: string[] = [];
    let scope: Map<string, string> | undefined;
    for (;;) {
      const hadSpace = this.skipSpace();
      const c = s.charCodeAt(this.pos);
      if (c === GT || c === SLASH) break;
      if (Number.isNaN(c)) this.fail('unterminated start tag');
      if (!hadSpace) this.fail('whitespace expected between attributes');
      const nameStart = this.pos;
      this.name();
      const an = s.slice(nameStart, this.pos);
      this.skipSpace();
      if (s.charCodeAt(this.pos) !== EQ) this.fail(`"=" expected after ${an}`);
      this.pos++;
      this.skipSpace();
      const value = this.attrValue();
      if (names.length >= max) this.fail(`more than ${max} attributes`);
      if (names.includes(an)) this.fail(`duplicate attribute ${an}`);
      if (isXmlns(an)) {
        const prefix = an === 'xmlns' ? '' : an.slice(6);
        if (prefix === 'xmlns' || (prefix === 'xml') !== (value === XML_NS) || value === XMLNS_NS) {
          this.fail(`reserved namespace binding ${an}`);
        }
        if (prefix !== '' && value === '') this.fail(`empty namespace for prefix ${prefix}`);
        scope ??= new Map(parentScope);
        scope.set(prefix, value);
      }
      names.push(an);
      values.push(value);
    }
    const inScope: NsScope = scope ?? parentScope;
    this.tagAttrs = this.resolveAttributes(inScope, names, values);
    return inScope;
  }

  /** Expanded names of the attributes (unprefixed ones are in no namespace), unique per start tag. */
  private resolveAttributes(scope: NsScope, names: string[], values: string[]): readonly XAttr[] {
    const attrs: XAttr[] = [];
    for (let k = 0; k < names.length; k++) {
      const n = names[k]!;
      if (isXmlns(n)) continue;
      const value = values[k]!;
      const colon = n.indexOf(':');
      if (colon === -1) attrs.push({ ns: '', name: n, value });
      else attrs.push({ ns: this.resolve(scope, n.slice(0, colon)), name: n.slice(colon + 1), value });
    }
    for (let i = 0; i < attrs.length; i++) {
      for (let j = i + 1; j < attrs.length; j++) {
        if (attrs[i]!.ns === attrs[j]!.ns && attrs[i]!.name === attrs[j]!.name)
          this.fail('duplicate attribute');
      }
    }
    return attrs.length === 0 ? NO_ATTRS : attrs;
  }
}

function sameBounds(r: Remembered, lim: ReaderLimits): boolean {
  return (
    r.maxAttributes === lim.maxAttributes &&
    r.maxValueLength === lim.maxValueLength &&
    r.maxNameLength === lim.maxNameLength
  );
}
