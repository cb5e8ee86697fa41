// Every ETSI / sipgate example message: valid ones decode, re-encode to XML that xmllint validates and that
// decodes to an equal model; invalid ones are rejected with the kind their name says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X1Codec } from '../../src/x1/codec.js';
import { decodeX1, type DecodedDocument } from '../../src/x1/decode.js';
import { encodeDocument } from '../../src/x1/encode.js';
import { X1Error, type ErrorKind } from '../../src/x1/errors.js';
import type { X1Document } from '../../src/x1/model.js';
import { SchemaSet } from '../../src/x1/schema.js';
import { readSchemaDir } from '../../src/lib/schema-dir.js';
import { ETSI_DIR, EXAMPLES_DIR, hasTool, skipUnless } from '../support/shared.js';

/** Examples that are invalid on purpose (or by accident), with the kind lix must answer. */
const INVALID: Record<string, ErrorKind> = {
  'etsi-ts103221-1-v1.13.1/DeleteAllObjectsRequest_example.xml': 'SchemaInvalid',
  'sipgate-li-lib-x1x2x3/NoResponsesInResponseContainer_example.xml': 'SchemaInvalid',
  'sipgate-li-lib-x1x2x3/X1HttpServerHandlerTest_BadVersionRequest_example.xml': 'UnsupportedVersion',
  'sipgate-li-lib-x1x2x3/X1HttpServerHandlerTest_EmptyRequest_example.xml': 'SchemaInvalid',
  'sipgate-li-lib-x1x2x3/xxe.xml': 'SchemaInvalid',
  'sipgate-li-simulator-x1x2x3/DestinationAdded_ActivateTask_InvalidCombinationOfDeliveryTypeAndDestinations.xml':
    'SchemaInvalid',
  'sipgate-li-simulator-x1x2x3/TaskAdded_ModifyTask_InvalidCombinationOfDeliveryTypeAndDestinations.xml':
    'SchemaInvalid',
  'sipgate-li-simulator-x1x2x3/DestinationAdded_GetDestinationDetailsResponse_positive.xml': 'SchemaInvalid',
  'sipgate-li-simulator-x1x2x3/DestinationModified_GetDestinationDetailsResponse_positive.xml':
    'SchemaInvalid',
  'sipgate-li-simulator-x1x2x3/TaskModified_GetTaskDetailsResponse_positive.xml': 'SchemaInvalid',
};
/** Valid only with the ETSI example generic-object types (x1-validate-with-example-objects.xsd). */
const NEEDS_EXAMPLE_OBJECTS = new Set([
  'etsi-ts103221-1-v1.13.1/CreateObject_example.xml',
  'etsi-ts103221-1-v1.13.1/GetObjectResponse_example.xml',
  'etsi-ts103221-1-v1.13.1/GetAllDetailsResponse_example2.xml',
]);

const examples = readdirSync(EXAMPLES_DIR).flatMap((dir) =>
  readdirSync(join(EXAMPLES_DIR, dir))
    .filter((f) => f.endsWith('.xml'))
    .map((f) => `${dir}/${f}`),
);

function toDocument(d: DecodedDocument): X1Document {
  if (d.root === 'X1TopLevelErrorResponse') return d;
  const failed = d.results.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error;
  const messages = d.results.map((r) => (r.ok ? r.message : undefined)!);
  return d.root === 'X1Request'
    ? { root: d.root, messages: messages as never }
    : { root: d.root, messages: messages as never };
}

/** The kind of the first failure, container-level or per message; undefined when all is well. */
function failureKind(decode: () => DecodedDocument): ErrorKind | undefined {
  try {
    const d = decode();
    if (d.root === 'X1TopLevelErrorResponse') return undefined;
    const bad = d.results.find((r) => !r.ok);
    return bad && !bad.ok ? bad.error.kind : undefined;
  } catch (err) {
    if (err instanceof X1Error) return err.kind;
    throw err;
  }
}

test('the example set is the one we expect', () => {
  assert.ok(examples.length >= 80, `found ${examples.length} examples`);
  for (const name of [...Object.keys(INVALID), ...NEEDS_EXAMPLE_OBJECTS])
    assert.ok(examples.includes(name), name);
});

test('valid examples decode, re-encode to schema-valid XML and decode back equal', (t) => {
  const skip = skipUnless(hasTool('xmllint'), 'xmllint');
  const dir = mkdtempSync(join(tmpdir(), 'lix-x1-examples-'));
  const written: string[] = [];
  for (const name of examples.filter((n) => !(n in INVALID))) {
    const original = toDocument(decodeX1(readFileSync(join(EXAMPLES_DIR, name))));
    const xml = encodeDocument(original);
    assert.deepEqual(toDocument(decodeX1(xml)), original, `${name} round trip`);
    assert.equal(encodeDocument(toDocument(decodeX1(xml))), xml, `${name} canonical`);
    const out = join(dir, name.replace('/', '__'));
    writeFileSync(out, xml);
    written.push(out);
  }
  if (skip) return t.skip(skip);
  const schema = join(ETSI_DIR, 'x1-validate-with-example-objects.xsd');
  for (const file of written) {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', schema, file], { stdio: 'pipe' });
  }
});

test('invalid examples are rejected with the right kind, by the strict decoder and with the schema', () => {
  const codec = new X1Codec({ schema: SchemaSet.compile(readSchemaDir(ETSI_DIR)) });
  for (const [name, kind] of Object.entries(INVALID)) {
    const bytes = readFileSync(join(EXAMPLES_DIR, name));
    assert.equal(
      failureKind(() => decodeX1(bytes)),
      kind,
      `${name} (strict decoder)`,
    );
    assert.equal(
      failureKind(() => codec.decode(bytes)),
      kind,
      `${name} (with schema)`,
    );
  }
});

test('generic-object examples decode; the plain schema rejects them and the example-object schema accepts them', () => {
  const plain = new X1Codec({ schema: SchemaSet.compile(readSchemaDir(ETSI_DIR)) });
  const withObjects = new X1Codec({
    schema: SchemaSet.compile(readSchemaDir(ETSI_DIR), 'x1-validate-with-example-objects.xsd'),
  });
  for (const name of NEEDS_EXAMPLE_OBJECTS) {
    const bytes = readFileSync(join(EXAMPLES_DIR, name));
    assert.equal(
      failureKind(() => decodeX1(bytes)),
      undefined,
      name,
    );
    assert.equal(
      failureKind(() => plain.decode(bytes)),
      'SchemaInvalid',
      name,
    );
    assert.equal(
      failureKind(() => withObjects.decode(bytes)),
      undefined,
      name,
    );
  }
});

test('every other valid example passes the in-process validator too', () => {
  const codec = new X1Codec({ schema: SchemaSet.compile(readSchemaDir(ETSI_DIR)) });
  for (const name of examples.filter((n) => !(n in INVALID) && !NEEDS_EXAMPLE_OBJECTS.has(n))) {
    assert.equal(
      failureKind(() => codec.decode(readFileSync(join(EXAMPLES_DIR, name)))),
      undefined,
      name,
    );
  }
});
