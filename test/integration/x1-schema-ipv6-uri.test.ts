// SIP and TEL URIs with IPv6 literals (`sip:user@[2001:db8::1]`) under the ETSI schema. TS 103 280 allows `[`
// and `]` in their pattern; libxml2 refused them because it parses xs:anyURI as an RFC 3986 reference. The
// schema set is compiled with those types on xs:token (src/x1/schema-adapt.ts): here the pattern, read from
// the schema file at test time, is the oracle, and the ETSI set must change in exactly those two types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readSchemaDir } from '../../src/lib/schema-dir.js';
import { X1Codec } from '../../src/x1/codec.js';
import { rebasePatternedAnyUri } from '../../src/x1/schema-adapt.js';
import { etsiSchema, neHarness } from '../support/ne-harness.js';
import { ETSI_DIR } from '../support/shared.js';
import { destination, req, task, uuid, xml } from '../support/x1-builders.js';
import type { TargetIdentifier } from '../../src/x1/model.js';

const COMMON = readFileSync(join(ETSI_DIR, 'TS_103_280_v021701.xsd'), 'utf8');

/** The XSD pattern of a simple type of TS 103 280, as a JS RegExp (XSD patterns are anchored implicitly). */
function patternOf(type: string): RegExp {
  const m = new RegExp(`<xs:simpleType name="${type}">[\\s\\S]*?<xs:pattern value="([^"]*)"`).exec(COMMON);
  assert.ok(m, `pattern of ${type}`);
  return new RegExp(`^(?:${m[1]!.replaceAll('&amp;', '&')})$`);
}
const SIPURI = patternOf('SIPURI');
const TELURI = patternOf('TELURI');

const codec = new X1Codec({ schema: etsiSchema() });
function verdict(target: TargetIdentifier): { valid: boolean; code?: number } {
  const doc = codec.decode(
    xml(req('ActivateTaskRequest', { taskDetails: task(uuid(), [uuid()], { targetIdentifiers: [target] }) })),
  );
  assert.equal(doc.root, 'X1Request');
  const [r] = doc.results;
  return r!.ok ? { valid: true } : { valid: false, code: r!.error.kind === 'SchemaInvalid' ? 1010 : -1 };
}

test('the ETSI set changes in exactly SIPURI and TELURI', () => {
  const changed: string[] = [];
  for (const [name, bytes] of readSchemaDir(ETSI_DIR)) {
    const text = new TextDecoder().decode(bytes);
    const r = rebasePatternedAnyUri(text);
    if (r.rebased === 0) continue;
    const before = text.split('\n');
    r.text.split('\n').forEach((line, i) => {
      if (line !== before[i]) {
        const type = /name="(\w+)"/.exec(
          before
            .slice(0, i)
            .reverse()
            .find((l) => l.includes('simpleType name=')) ?? '',
        );
        changed.push(`${name}:${type?.[1]}`);
      }
    });
  }
  assert.deepEqual(changed.sort(), ['TS_103_280_v021701.xsd:SIPURI', 'TS_103_280_v021701.xsd:TELURI']);
});

test('IPv6-literal SIP and TEL URIs are valid; values outside the pattern are refused with 1010', () => {
  for (const value of [
    'sip:user@[2001:db8::1]',
    'sips:alice@[2001:db8::1]:5061;transport=tls',
    'sip:[::1]',
    'sip:9876@[fe80::21a:a0ff:fe07:32e0]',
    'sip:bob@[::ffff:192.0.2.7];lr',
  ])
    assert.deepEqual(verdict({ kind: 'sipUri', value }), { valid: true }, value);
  assert.deepEqual(verdict({ kind: 'telUri', value: 'tel:+4930123;phone-context=[2001:db8::1]' }), {
    valid: true,
  });
  for (const value of ['sip:user@[2001:db8::1]^', 'sip:a\\b', 'sip:', 'http://[::1]/', 'sip:<a>'])
    assert.deepEqual(verdict({ kind: 'sipUri', value }), { valid: false, code: 1010 }, value);
});

test('the verdict on SIP and TEL URIs is exactly the schema pattern (property)', () => {
  // Strings over the pattern's class plus characters outside it, with and without the scheme.
  const chars = fc.constantFrom(...'ab9@:;=?[]#%&!$~_-./ ^\\"{}|<>`'.split(''));
  const body = fc.array(chars, { minLength: 0, maxLength: 30 }).map((a) => a.join(''));
  fc.assert(
    fc.property(fc.constantFrom('sip:', 'sips:', 'tel:', 'si:', ''), body, (scheme, rest) => {
      const value = scheme + rest;
      if (value.includes('<') || value.includes('&')) return; // XML escaping is the builder's concern
      const kind = scheme === 'tel:' ? 'telUri' : 'sipUri';
      const expected = (kind === 'telUri' ? TELURI : SIPURI).test(value.replace(/^\s+|\s+$/g, ''));
      assert.equal(verdict({ kind, value }).valid, expected, JSON.stringify(value));
    }),
    { numRuns: 400 },
  );
});

test('an NE with the schema activates a task on an IPv6-literal SIP URI', async () => {
  const h = await neHarness({ schemaDir: ETSI_DIR });
  try {
    const did = uuid();
    const xid = uuid();
    await h.send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
    const target: TargetIdentifier = { kind: 'sipUri', value: 'sip:user@[2001:db8::1]' };
    const [r] = await h.send([
      req('ActivateTaskRequest', { taskDetails: task(xid, [did], { targetIdentifiers: [target] }) }),
    ]);
    assert.equal(r?.type, 'ActivateTaskResponse');
    const [d] = await h.send([req('GetTaskDetailsRequest', { xId: xid })]);
    assert.equal(d?.type, 'GetTaskDetailsResponse');
    assert.deepEqual(
      d?.type === 'GetTaskDetailsResponse' ? d.taskResponseDetails.taskDetails.targetIdentifiers : undefined,
      [target],
    );
  } finally {
    await h.close();
  }
});
