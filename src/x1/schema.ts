/**
 * Full XSD 1.0 validation against the ETSI schema set, in process, with libxml2 (libxml2-wasm). The schema
 * files are handed in as bytes (the caller reads the directory), compiled once, and reused. Documents are
 * parsed with network access off and without entity substitution; the strict reader runs before this, so a
 * document that reaches libxml2 has no DOCTYPE.
 */
import {
  ParseOption,
  XmlDocument,
  XmlError,
  XmlLibError,
  xmlRegisterInputProvider,
  XsdValidator,
  type ErrorDetail,
} from 'libxml2-wasm';

/** The wrapper that imports the TS 103 280 dictionary, HashedID, DestinationSet and TS 103 221-1. */
export const DEFAULT_SCHEMA_ENTRY = 'x1-validate.xsd';
const SCHEME = 'lix-schema:';
const PARSE_OPTIONS =
  ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_BIG_LINES;

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

/** A compiled schema set. Create once with {@link compileSchemaSet}; `dispose()` when done. */
export class SchemaSet {
  private constructor(private readonly validator: XsdValidator) {}

  /**
   * Compiles the schema set given as file name → bytes (all `.xsd` files of one directory), starting from
   * `entry`. Throws an Error naming the file and reason when the set does not compile.
   */
  static compile(files: ReadonlyMap<string, Uint8Array>, entry = DEFAULT_SCHEMA_ENTRY): SchemaSet {
    const main = files.get(entry);
    if (main === undefined)
      throw new Error(`schema entry ${entry} not found among ${[...files.keys()].join(', ')}`);
    registerProvider();
    const id = `set${sets.size + 1}`;
    sets.set(id, files);
    try {
      const doc = XmlDocument.fromBuffer(main, { url: `${SCHEME}//${id}/${entry}`, option: PARSE_OPTIONS });
      try {
        return new SchemaSet(XsdValidator.fromDoc(doc));
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
    let doc: XmlDocument;
    try {
      doc =
        typeof input === 'string'
          ? XmlDocument.fromString(input, { option: PARSE_OPTIONS })
          : XmlDocument.fromBuffer(input, { option: PARSE_OPTIONS });
    } catch (err) {
      if (err instanceof XmlLibError) return { valid: false, issues: issuesOf(err.details) };
      if (err instanceof XmlError) return { valid: false, issues: [{ line: 0, message: err.message }] };
      throw err;
    }
    try {
      this.validator.validate(doc);
      return { valid: true };
    } catch (err) {
      if (err instanceof XmlLibError) return { valid: false, issues: issuesOf(err.details) };
      if (err instanceof XmlError) return { valid: false, issues: [{ line: 0, message: err.message }] };
      throw err;
    } finally {
      doc.dispose();
    }
  }

  dispose(): void {
    this.validator.dispose();
  }
}
