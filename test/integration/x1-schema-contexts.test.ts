// The in-process validator keeps one libxml2 parser context and one validation context for the life of a
// schema set. These tests hold it to what a fresh pair per document would give: verdicts and findings do not
// depend on what was validated before (valid, invalid, not well-formed, bytes or text), across renewals of
// the parser context, and a disposed set refuses to validate rather than touch freed memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSchemaDir } from '../../src/lib/schema-dir.js';
import { PARSER_RENEWAL, SchemaSet, type SchemaResult } from '../../src/x1/schema.js';
import { ETSI_DIR } from '../support/shared.js';
import { req, task, uuid, xml } from '../support/x1-builders.js';

const valid = xml(req('ActivateTaskRequest', { taskDetails: task(uuid(), [uuid()]) }));
const text = valid.toString('utf8');
// Schema-invalid: the XID is not a UUID. The finding points at the line of the xId element.
const badXid = Buffer.from(text.replace(/<x1:xId>[^<]*<\/x1:xId>/, '\n<x1:xId>not-a-uuid</x1:xId>'));
// Schema-invalid twice over, in two messages on separate lines.
const two = xml(
  req('ActivateTaskRequest', { taskDetails: task(uuid(), [uuid()]) }),
  req('ActivateTaskRequest', { taskDetails: task(uuid(), [uuid()]) }),
)
  .toString('utf8')
  .replace(/<x1:xId>[^<]*<\/x1:xId>/g, '\n<x1:xId>x</x1:xId>');
const malformed = Buffer.from('<X1Request><unclosed></X1Request>');

const cases: { name: string; input: Uint8Array | string }[] = [
  { name: 'valid bytes', input: valid },
  { name: 'invalid bytes', input: badXid },
  { name: 'valid text', input: text },
  { name: 'not well-formed', input: malformed },
  { name: 'two faults', input: two },
  { name: 'empty', input: new Uint8Array(0) },
];

function fresh(input: Uint8Array | string): SchemaResult {
  const set = SchemaSet.compile(readSchemaDir(ETSI_DIR));
  try {
    return set.validate(input);
  } finally {
    set.dispose();
  }
}

test('each document gets the verdict and findings a fresh validator gives, whatever came before', () => {
  const expected = cases.map((c) => fresh(c.input));
  assert.deepEqual(
    expected.map((r) => r.valid),
    [true, false, true, false, false, false],
  );
  const xidFinding = expected[1]!;
  assert.ok(!xidFinding.valid && xidFinding.issues.some((i) => i.line > 1 && /xId/.test(i.message)));
  const twoFindings = expected[4]!;
  assert.ok(!twoFindings.valid && new Set(twoFindings.issues.map((i) => i.line)).size === 2);
  const malformedFinding = expected[3]!;
  assert.ok(!malformedFinding.valid && malformedFinding.issues.length > 0);

  const set = SchemaSet.compile(readSchemaDir(ETSI_DIR));
  try {
    // Enough documents for two renewals of the parser context, in an order that puts every kind of
    // document after every other kind.
    const rounds = 2 * PARSER_RENEWAL + cases.length;
    for (let i = 0; i < rounds; i++) {
      const k = (i * 7 + Math.floor(i / cases.length)) % cases.length;
      assert.deepEqual(set.validate(cases[k]!.input), expected[k], `document ${i} (${cases[k]!.name})`);
    }
  } finally {
    set.dispose();
  }
});

test('a disposed schema set refuses to validate; dispose twice is harmless', () => {
  const set = SchemaSet.compile(readSchemaDir(ETSI_DIR));
  assert.equal(set.validate(valid).valid, true);
  set.dispose();
  set.dispose();
  assert.throws(() => set.validate(valid), /after dispose/);
});
