/**
 * Full XSD 1.0 validation against the ETSI schema set, in process, with libxml2 (libxml2-wasm). The schema
 * files are handed in as bytes (the caller reads the directory), compiled once, and reused. Documents are
 * parsed with network access off and without entity substitution; the strict reader runs before this, so a
 * document that reaches libxml2 has no DOCTYPE.
 *
 * Validation is on the hot path of every X1 message, so it drives libxml2 through the package's low-level
 * bindings (`libxml2-wasm/lib/libxml2.mjs`, pinned with the package) on one parser context and one
 * validation context kept for the life of the set, rather than creating, wrapping and freeing both for each
 * document: those per-document contexts and wrappers were about a fifth of a small message's time. The
 * parser context is renewed every {@link PARSER_RENEWAL} documents so its name dictionary cannot grow
 * without bound.
 */
import {
  ParseOption,
  XmlDocument,
  XmlLibError,
  xmlRegisterInputProvider,
  XsdValidator,
  type ErrorDetail,
} from 'libxml2-wasm';
import {
  error as libError,
  xmlCtxtSetErrorHandler,
  xmlFreeDoc,
  xmlFreeParserCtxt,
  xmlNewParserCtxt,
  xmlReadMemory,
  xmlReadString,
  xmlSchemaFreeValidCtxt,
  xmlSchemaNewValidCtxt,
  xmlSchemaSetValidStructuredErrors,
  xmlSchemaValidateDoc,
} from 'libxml2-wasm/lib/libxml2.mjs';
import { adaptSchemaFiles } from './schema-adapt.js';

/** The wrapper that imports the TS 103 280 dictionary, HashedID, DestinationSet and TS 103 221-1. */
export const DEFAULT_SCHEMA_ENTRY = 'x1-validate.xsd';
const SCHEME = 'lix-schema:';
const PARSE_OPTIONS =
  ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_BIG_LINES;
/** Documents parsed on one parser context before it is freed and made anew. */
export const PARSER_RENEWAL = 1000;
/** libxml2's XML_ERR_ERROR: diagnostics at this level or above make a parse fail (below are warnings). */
const XML_ERR_ERROR = 2;

/** One validator message, with the 1-based line it points at (0 when unknown). */
export interface SchemaIssue {
  readonly line: number;
  readonly message: string;
}

export type SchemaResult =
  { readonly valid: true } | { readonly valid: false; readonly issues: readonly SchemaIssue[] };

/** Schema sets registered with the input provider, by id; libxml2 resolves `xs:import` through it. */
const sets = new Map<string, ReadonlyMap<string, Uint8Array>>();
const open = new Map<number, { data: Uint8Array; pos: number }>();
let nextFd = 1;
let providerRegistered = false;

function registerProvider(): void {
  if (providerRegistered) return;
  providerRegistered = true;
  xmlRegisterInputProvider({
    match: (name) => name.startsWith(SCHEME),
    open: (name) => {
      const rest = name.slice(SCHEME.length).replace(/^\/+/, '');
      const slash = rest.indexOf('/');
      const data = slash === -1 ? undefined : sets.get(rest.slice(0, slash))?.get(rest.slice(slash + 1));
      if (data === undefined) return undefined;
      const fd = nextFd++;
      open.set(fd, { data, pos: 0 });
      return fd;
    },
    read: (fd, buf) => {
      const f = open.get(fd as number);
      if (!f) return -1;
      const n = Math.min(buf.byteLength, f.data.byteLength - f.pos);
      buf.set(f.data.subarray(f.pos, f.pos + n));
      f.pos += n;
      return n;
    },
    close: (fd) => open.delete(fd as number),
  });
}

function issuesOf(details: readonly ErrorDetail[]): SchemaIssue[] {
  return details.map((d) => ({ line: d.line ?? 0, message: d.message.trim() }));
}

/** A compiled schema set. Create once with {@link SchemaSet.compile}; `dispose()` when done. */
export class SchemaSet {
  /** Diagnostics of the current parse or validation; libxml2 appends through the shared collector. */
  private readonly found: ErrorDetail[] = [];
  private readonly slot: number;
  private parser = 0;
  private parsed = 0;
  private disposed = false;
  private readonly checker: number;

  private constructor(private readonly validator: XsdValidator) {
    this.checker = xmlSchemaNewValidCtxt((validator as unknown as { _ptr: number })._ptr);
    if (this.checker === 0) throw new Error('libxml2 could not allocate a validation context');
    this.slot = libError.storage.allocate(this.found);
    xmlSchemaSetValidStructuredErrors(this.checker, libError.errorCollector, this.slot);
  }

  /**
   * Compiles the schema set given as file name → bytes (all `.xsd` files of one directory), starting from
   * `entry`. Throws an Error naming the file and reason when the set does not compile.
   */
  static compile(given: ReadonlyMap<string, Uint8Array>, entry = DEFAULT_SCHEMA_ENTRY): SchemaSet {
    // Pattern-restricted anyURI types (SIP/TEL URIs) on xs:token: libxml2 is stricter than XSD there.
    const files = adaptSchemaFiles(given);
    const main = files.get(entry);
    if (main === undefined)
      throw new Error(`schema entry ${entry} not found among ${[...files.keys()].join(', ')}`);
    registerProvider();
    const id = `set${sets.size + 1}`;
    sets.set(id, files);
    try {
      const doc = XmlDocument.fromBuffer(main, { url: `${SCHEME}//${id}/${entry}`, option: PARSE_OPTIONS });
      try {
        const validator = XsdValidator.fromDoc(doc);
        try {
          return new SchemaSet(validator);
        } catch (err) {
          validator.dispose();
          throw err;
        }
      } finally {
        doc.dispose();
      }
    } catch (err) {
      const why =
        err instanceof XmlLibError
          ? issuesOf(err.details)
              .map((i) => i.message)
              .join('; ')
          : String(err);
      throw new Error(`schema set does not compile: ${why}`);
    }
  }

  /** Validates one document (bytes or text). Parse failures are reported as issues too. */
  validate(input: Uint8Array | string): SchemaResult {
    if (this.disposed) throw new Error('schema set used after dispose()');
    if (this.parser === 0 || this.parsed >= PARSER_RENEWAL) this.renewParser();
    this.parsed++;
    const found = this.found;
    found.length = 0;
    const doc =
      typeof input === 'string'
        ? xmlReadString(this.parser, input, null, null, PARSE_OPTIONS)
        : xmlReadMemory(this.parser, input, null, null, PARSE_OPTIONS);
    const fatal = found.filter((d) => d.level >= XML_ERR_ERROR);
    if (doc === 0 || fatal.length > 0) {
      if (doc !== 0) xmlFreeDoc(doc);
      const issues = issuesOf(fatal);
      return {
        valid: false,
        issues: issues.length > 0 ? issues : [{ line: 0, message: 'not well-formed XML' }],
      };
    }
    found.length = 0; // parser warnings are not findings
    let ret: number;
    try {
      ret = xmlSchemaValidateDoc(this.checker, doc);
    } finally {
      xmlFreeDoc(doc);
    }
    if (ret === 0) return { valid: true };
    if (ret < 0 || found.length === 0)
      return { valid: false, issues: [{ line: 0, message: `libxml2 validation failed (code ${ret})` }] };
    return { valid: false, issues: issuesOf(found) };
  }

  private renewParser(): void {
    if (this.parser !== 0) xmlFreeParserCtxt(this.parser);
    this.parser = xmlNewParserCtxt();
    if (this.parser === 0) throw new Error('libxml2 could not allocate a parser context');
    xmlCtxtSetErrorHandler(this.parser, libError.errorCollector, this.slot);
    this.parsed = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.parser !== 0) xmlFreeParserCtxt(this.parser);
    this.parser = 0;
    xmlSchemaFreeValidCtxt(this.checker);
    libError.storage.free(this.slot);
    this.validator.dispose();
  }
}
