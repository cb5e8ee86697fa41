// `lix x1 check` as an engineer uses it: files and standard input, text and JSON, both profiles, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { ETSI_DIR, EXAMPLES_DIR } from '../support/shared.js';

const ex = (name: string) => join(EXAMPLES_DIR, name);

test('valid files: "valid" with their message types, exit 0', () => {
  const r = runCli([
    'x1',
    'check',
    '--schemas',
    ETSI_DIR,
    ex('sipgate-li-lib-x1x2x3/MultiRequest_example.xml'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /MultiRequest_example\.xml: valid X1Request \[PingRequest, PingRequest\]/);
});

test('an invalid file among valid ones: kind, code and reason, exit 1', () => {
  const r = runCli([
    'x1',
    'check',
    ex('etsi-ts103221-1-v1.13.1/PingRequest_example.xml'),
    ex('sipgate-li-lib-x1x2x3/xxe.xml'),
  ]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /PingRequest_example\.xml: valid/);
  assert.match(r.stdout, /xxe\.xml: invalid SchemaInvalid \(code 1010\): .*DOCTYPE/);
});

test('the schema catches what only the schema knows; --json and the draft profile', () => {
  const file = ex('etsi-ts103221-1-v1.13.1/DeleteAllObjectsRequest_example.xml');
  const r = runCli(['x1', 'check', '--json', '--profile', 'draft', '--schemas', ETSI_DIR, file]);
  assert.equal(r.status, 1);
  const v = JSON.parse(r.stdout.trim()) as {
    valid: boolean;
    errors: { kind: string; code: number; message: number }[];
  };
  assert.equal(v.valid, false);
  assert.deepEqual(
    v.errors.map((e) => [e.kind, e.code, e.message]),
    [['SchemaInvalid', 3013, 1]],
  );
});

test('standard input with "-"', () => {
  const xml = '<x1:X1Request xmlns:x1="http://uri.etsi.org/03221/X1/2017/10"/>';
  const r = runCli(['x1', 'check', '-'], { input: xml });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /\(stdin\): invalid SchemaInvalid \(code 1010\): .*holds no x1RequestMessage/);
});

test('a missing file is reported and fails the run', () => {
  const r = runCli(['x1', 'check', '/nonexistent/file.xml']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot read/);
});

test('a schema directory that does not compile fails clearly', () => {
  const r = runCli([
    'x1',
    'check',
    '--schemas',
    EXAMPLES_DIR,
    ex('etsi-ts103221-1-v1.13.1/PingRequest_example.xml'),
  ]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /schema entry x1-validate\.xsd not found/);
});
