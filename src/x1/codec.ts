/**
 * The X1 input gate and output path in one place: strict read → optional full XSD validation → strict
 * decode, with validator findings attributed to the message they concern; and canonical encoding.
 */
import { decodeTree, readX1Xml, type DecodedDocument, type MessageResult } from './decode.js';
import { encodeRequest, encodeResponse } from './encode.js';
import { X1Error } from './errors.js';
import type { MessageHeader, X1Request, X1Response } from './model.js';
import { requestMessageTypeOf } from './model.js';
import type { SchemaIssue, SchemaSet } from './schema.js';
import type { ReaderLimits } from './xml/reader.js';

export interface X1CodecOptions {
  /** A compiled ETSI schema set; without it the strict decoder alone is the gate. */
  readonly schema?: SchemaSet | undefined;
  readonly limits?: Partial<ReaderLimits>;
}

export class X1Codec {
  constructor(private readonly opts: X1CodecOptions = {}) {}

  get validating(): boolean {
    return this.opts.schema !== undefined;
  }

  /** Decodes a document. Throws {@link X1Error} for container-level faults (answered top-level). */
  decode(input: Uint8Array | string): DecodedDocument {
    const readOpts = this.opts.limits ? { limits: this.opts.limits } : {};
    // The strict reader is the gate: libxml2 only ever sees a body it accepted (within the limits, strict
    // UTF-8, no DOCTYPE or other markup declaration), and every such body is validated in full.
    const doc = decodeTree(readX1Xml(input, readOpts));
    const schema = this.opts.schema;
    if (schema === undefined) return doc;
    const result = schema.validate(input);
    if (result.valid) return doc;
    if (doc.root === 'X1TopLevelErrorResponse') throw new X1Error('SchemaInvalid', describe(result.issues));
    if (doc.root === 'X1Request') {
      return {
        root: doc.root,
        results: attribute(doc.results, result.issues, schema, (m) => encodeRequest([m])),
      };
    }
    return {
      root: doc.root,
      results: attribute(doc.results, result.issues, schema, (m) => encodeResponse([m])),
    };
  }
}

function describe(issues: readonly SchemaIssue[]): string {
  const first = issues.slice(0, 3).map((i) => `line ${i.line}: ${i.message}`);
  return `schema validation failed: ${first.join('; ')}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`;
}

/**
 * Marks messages the validator found fault with. Issues are mapped to messages by line; when messages share
 * a line (one-line documents), each message is validated alone, re-encoded, to find the faulty ones. An
 * issue that belongs to no message fails the whole container.
 */
function attribute<M extends X1Request | X1Response>(
  results: readonly MessageResult<M>[],
  issues: readonly SchemaIssue[],
  schema: SchemaSet,
  encodeOne: (m: M) => string,
): MessageResult<M>[] {
  const lines = results.map((r) => r.line);
  const ambiguous = new Set(lines).size !== lines.length;
  const byIndex = new Map<number, SchemaIssue[]>();
  for (const issue of issues) {
    if (issue.line < (lines[0] ?? 0)) throw new X1Error('SchemaInvalid', describe(issues));
    let idx = 0;
    while (idx + 1 < lines.length && lines[idx + 1]! <= issue.line) idx++;
    byIndex.set(idx, [...(byIndex.get(idx) ?? []), issue]);
  }
  if (ambiguous) {
    byIndex.clear();
    for (const r of results) {
      if (!r.ok) continue;
      const alone = schema.validate(encodeOne(r.message));
      if (!alone.valid) byIndex.set(r.index, [...alone.issues]);
    }
    if (byIndex.size === 0 && results.every((r) => r.ok))
      throw new X1Error('SchemaInvalid', describe(issues));
  }
  return results.map((r) => {
    const found = byIndex.get(r.index);
    if (!r.ok || found === undefined) return r;
    const header: Partial<MessageHeader> = r.message.header;
    return {
      ok: false,
      index: r.index,
      line: r.line,
      error: new X1Error('SchemaInvalid', `message ${r.index + 1} (${r.message.type}): ${describe(found)}`, {
        messageIndex: r.index,
        messageType: r.message.type,
      }),
      header,
      xsiType: r.message.type,
      requestMessageType: requestMessageTypeOf(r.message.type),
    };
  });
}
