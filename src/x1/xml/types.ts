/** The element tree, limits and error of the strict X1 XML reader ({@link ./reader.ts}). */
import { LixError } from '../../lib/errors.js';

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
export class XmlReadError extends LixError<'malformed-xml'> {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super('malformed-xml', `${reason} (line ${line})`);
  }
}
