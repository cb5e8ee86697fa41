/**
 * A small XML writer: escaped text and attributes, and opaque {@link XmlTree} output that declares the
 * namespace prefixes it needs. Text that XML 1.0 cannot carry (control characters, unpaired surrogates) is
 * refused rather than written.
 */
import { X1Error } from '../errors.js';
import type { XmlTree } from '../model.js';

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

const ASCII = 0x80;
const PLAIN = 0;
const ESCAPED = 1;
const NOT_XML = 2;
/** ASCII characters: written as they are, escaped (`& < > "` and CR, which a reader would normalise), or refused. */
const ASCII_CLASS = (() => {
  const t = new Uint8Array(ASCII);
  for (let c = 0; c < 0x20; c++) t[c] = c === 0x09 || c === 0x0a ? PLAIN : NOT_XML;
  for (const c of '&<>"\r') t[c.charCodeAt(0)] = ESCAPED;
  return t;
})();

/** Anything but the characters written as they are (one native scan decides for most values). */
const SPECIAL = /[^\t\n\u0020\u0021\u0023-\u0025\u0027-\u003B\u003D\u003F-\uD7FF\uE000-\uFFFD]/;

/**
 * Escapes text for element content and attribute values. One pass over the characters finds both what needs
 * escaping and what XML 1.0 cannot carry (control characters, U+FFFE/U+FFFF, unpaired surrogates).
 */
export function escapeXml(s: string): string {
  if (!SPECIAL.test(s)) return s;
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < ASCII) {
      const k = ASCII_CLASS[c]!;
      if (k === PLAIN) continue;
      if (k === ESCAPED) plain = false;
      else throw notXml();
    } else if (c < 0xd800) continue;
    else if (c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw notXml();
      i++;
    } else if ((c >= 0xdc00 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) throw notXml();
  }
  if (plain) return s;
  return s.replace(/[&<>"\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#13;',
  );
}

/** Attribute values also keep tab and line feed as character references (attribute-value normalisation). */
export function escapeAttr(s: string): string {
  const e = escapeXml(s);
  return /[\t\n]/.test(e) ? e.replace(/\t/g, '&#9;').replace(/\n/g, '&#10;') : e;
}

function notXml(): X1Error {
  return new X1Error('GenericFailure', 'text holds characters XML 1.0 cannot carry');
}

export class XmlWriter {
  private out = '';

  /** @param prefixes namespace URI → prefix declared on the root. */
  constructor(private readonly prefixes: ReadonlyMap<string, string>) {}

  raw(s: string): void {
    this.out += s;
  }

  open(name: string): void {
    this.out += `<${name}>`;
  }

  close(name: string): void {
    this.out += `</${name}>`;
  }

  /** `<name>text</name>` (or `<name/>` for the empty string). */
  leaf(name: string, text: string): void {
    this.out += text === '' ? `<${name}/>` : `<${name}>${escapeXml(text)}</${name}>`;
  }

  /** An empty element. */
  empty(name: string): void {
    this.out += `<${name}/>`;
  }

  /** Writes a kept tree, declaring a prefix for each namespace the root's declarations do not cover. */
  tree(t: XmlTree, scope: ReadonlyMap<string, string> = this.prefixes, counter = { n: 0 }): void {
    let local = scope;
    const decls: string[] = [];
    const prefixFor = (ns: string): string => {
      if (ns === '') return '';
      if (ns === XML_NAMESPACE) return 'xml'; // bound by definition, never declared (Namespaces in XML §3)
      let p = local.get(ns);
      if (p === undefined) {
        p = `n${++counter.n}`;
        if (local === scope) local = new Map(scope);
        (local as Map<string, string>).set(ns, p);
        decls.push(` xmlns:${p}="${escapeAttr(ns)}"`);
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
      return ` ${qn(a.ns, a.name)}="${escapeAttr(value)}"`;
    });
    this.out += `<${name}${decls.join('')}${attrs.join('')}`;
    if (t.children.length === 0) {
      this.out += '/>';
      return;
    }
    this.out += '>';
    for (const c of t.children) {
      if (typeof c === 'string') this.out += escapeXml(c);
      else this.tree(c, local, counter);
    }
    this.out += `</${name}>`;
  }

  toString(): string {
    return this.out;
  }
}
