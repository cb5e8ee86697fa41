/**
 * A small XML writer: escaped text and attributes, and opaque {@link XmlTree} output that declares the
 * namespace prefixes it needs. Text that XML 1.0 cannot carry (control characters, unpaired surrogates) is
 * refused rather than written.
 */
import { X1Error } from '../errors.js';
import type { XmlTree } from '../model.js';

// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NEEDS_ESCAPE = /[&<>"\r]/;

export function escapeXml(s: string): string {
  if (NOT_XML.test(s) || !s.isWellFormed()) {
    throw new X1Error('GenericFailure', 'text holds characters XML 1.0 cannot carry');
  }
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/[&<>"\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#13;',
  );
}

export class XmlWriter {
  private readonly parts: string[] = [];

  /** @param prefixes namespace URI → prefix declared on the root. */
  constructor(private readonly prefixes: ReadonlyMap<string, string>) {}

  raw(s: string): void {
    this.parts.push(s);
  }

  open(name: string): void {
    this.parts.push(`<${name}>`);
  }

  close(name: string): void {
    this.parts.push(`</${name}>`);
  }

  /** `<name>text</name>` (or `<name/>` for the empty string). */
  leaf(name: string, text: string): void {
    this.parts.push(text === '' ? `<${name}/>` : `<${name}>${escapeXml(text)}</${name}>`);
  }

  /** An empty element. */
  empty(name: string): void {
    this.parts.push(`<${name}/>`);
  }

  /** Writes a kept tree, declaring a prefix for each namespace the root's declarations do not cover. */
  tree(t: XmlTree, scope: ReadonlyMap<string, string> = this.prefixes, counter = { n: 0 }): void {
    let local = scope;
    const decls: string[] = [];
    const prefixFor = (ns: string): string => {
      if (ns === '') return '';
      let p = local.get(ns);
      if (p === undefined) {
        p = `n${++counter.n}`;
        if (local === scope) local = new Map(scope);
        (local as Map<string, string>).set(ns, p);
        decls.push(` xmlns:${p}="${escapeXml(ns)}"`);
      }
      return p;
    };
    const qn = (ns: string, name: string) => {
      const p = prefixFor(ns);
      return p === '' ? name : `${p}:${name}`;
    };
    const name = qn(t.ns, t.name);
    const attrs = t.attrs.map((a) => {
      const value = a.qname ? qn(a.qname.ns, a.qname.local) : a.value;
      return ` ${qn(a.ns, a.name)}="${escapeXml(value)}"`;
    });
    this.parts.push(`<${name}`, ...decls, ...attrs);
    if (t.children.length === 0) {
      this.parts.push('/>');
      return;
    }
    this.parts.push('>');
    for (const c of t.children) {
      if (typeof c === 'string') this.parts.push(escapeXml(c));
      else this.tree(c, local, counter);
    }
    this.parts.push(`</${name}>`);
  }

  toString(): string {
    return this.parts.join('');
  }
}
