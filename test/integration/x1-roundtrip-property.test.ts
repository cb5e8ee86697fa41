// Property tests of the X1 codec: random valid messages of every type encode to canonical XML that decodes back
// to the same model; a sample is judged by xmllint and by the in-process validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeX1 } from '../../src/x1/decode.js';
import { encodeRequest, encodeResponse } from '../../src/x1/encode.js';
import type { X1Request, X1Response } from '../../src/x1/model.js';
import { etsiSchema } from '../support/ne-harness.js';
import { ETSI_DIR, hasTool, skipUnless } from '../support/shared.js';
import { requestArb, responseArb } from '../support/x1-gen.js';

function messagesOf(xml: string): unknown[] {
  const d = decodeX1(xml);
  assert.ok(d.root !== 'X1TopLevelErrorResponse');
  return d.results.map((r) => {
    if (!r.ok) throw r.error;
    return r.message;
  });
}

test('requests of every type: decode(encode(m)) equals m, and the encoding is canonical', () => {
  fc.assert(
    fc.property(requestArb(true), (m) => {
      const xml = encodeRequest([m]);
      assert.deepEqual(messagesOf(xml), [m]);
      assert.equal(encodeRequest(messagesOf(xml) as X1Request[]), xml);
    }),
    { numRuns: 600 },
  );
});

test('responses of every type: decode(encode(m)) equals m, and the encoding is canonical', () => {
  fc.assert(
    fc.property(responseArb(true), (m) => {
      const xml = encodeResponse([m]);
      assert.deepEqual(messagesOf(xml), [m]);
      assert.equal(encodeResponse(messagesOf(xml) as X1Response[]), xml);
    }),
    { numRuns: 600 },
  );
});

test('containers with many messages round-trip in order', () => {
  fc.assert(
    fc.property(fc.array(requestArb(false), { minLength: 2, maxLength: 6 }), (ms) => {
      assert.deepEqual(messagesOf(encodeRequest(ms)), ms);
    }),
    { numRuns: 100 },
  );
});

test('a sample of random messages is valid for xmllint and for the in-process validator', (t) => {
  const samples = [
    ...fc.sample(requestArb(false), { numRuns: 150, seed: 42 }).map((m) => encodeRequest([m])),
    ...fc.sample(responseArb(false), { numRuns: 150, seed: 43 }).map((m) => encodeResponse([m])),
  ];
  const schema = etsiSchema();
  for (const xml of samples) assert.deepEqual(schema.validate(xml), { valid: true }, xml.slice(0, 600));
  const skip = skipUnless(hasTool('xmllint'), 'xmllint');
  if (skip) return t.skip(skip);
  const dir = mkdtempSync(join(tmpdir(), 'lix-x1-prop-'));
  const files = samples.map((xml, i) => {
    const f = join(dir, `m${i}.xml`);
    writeFileSync(f, xml);
    return f;
  });
  // One xmllint run for all files; it exits non-zero when any fails, and names each file's verdict.
  let out: string;
  try {
    out = execFileSync(
      'xmllint',
      ['--noout', '--nonet', '--schema', join(ETSI_DIR, 'x1-validate.xsd'), ...files],
      { stdio: 'pipe' },
    ).toString();
  } catch (err) {
    out = String((err as { stderr?: Buffer }).stderr ?? err);
    assert.fail(`xmllint rejected generated messages:\n${out.slice(0, 3000)}`);
  }
});
