import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { avp, diameterMessage, grouped, uint, utf8 } from '../sources/gen-diameter.js';
import { s6aAuthenticationInformation, S6A_AUTH } from '../sources/gen-s6a-auth.js';
import { KEY_AVPS, KEY_CONTAINERS, maskDiameter } from './diameter.js';
import { MASK_FILLER } from './edit.js';

const G = 10415;
const PEER = { host: 'mme.epc.lab.lix', realm: 'epc.lab.lix' };
const HSS = { host: 'hss.epc.lab.lix', realm: 'epc.lab.lix' };
const filled = (byte: number) => (n: number) => new Uint8Array(n).fill(byte);
const head = (command: number, request: boolean) => ({
  command,
  application: 16777251,
  request,
  hopByHop: 7,
  endToEnd: 9,
});

/** An S6a AIR and AIA whose key material is all `byte`. */
function s6a(byte: number): [Uint8Array, Uint8Array] {
  const [air, aia] = s6aAuthenticationInformation(
    { sessionId: 'mme;1;2', imsi: '001010000000001', plmn: Uint8Array.of(0, 0xf1, 0x10) },
    PEER,
    HSS,
    filled(byte),
  );
  return [diameterMessage(head(S6A_AUTH.cmd, true), air), diameterMessage(head(S6A_AUTH.cmd, false), aia)];
}

function ok(r: ReturnType<typeof maskDiameter>) {
  assert.equal(r.kind, 'ok', r.kind === 'unsafe' ? r.reason : '');
  return r as Extract<typeof r, { kind: 'ok' }>;
}

test('S6a AIA: every key byte of the E-UTRAN, UTRAN and GERAN vectors becomes the filler, nothing else changes', () => {
  const [, aia] = s6a(0xab);
  const [, expected] = s6a(MASK_FILLER.binary);
  const r = ok(maskDiameter(aia));
  assert.deepEqual(r.payload, expected);
  assert.equal(r.payload.length, aia.length);
  assert.equal(r.fields, 4 + 5 + 3);
  assert.ok(!r.payload.includes(0xab));
  assert.ok(aia.includes(0xab), 'the input is left as it was');
});

test('an AIR carries no keys: the very same array comes back, nothing counted', () => {
  const [air] = s6a(0xab);
  const r = ok(maskDiameter(air));
  assert.equal(r.payload, air);
  assert.equal(r.fields, 0);
});

test('Cx/SWx MAA: SIP-Authenticate, SIP-Authorization, Confidentiality-Key, Integrity-Key and Digest-HA1', () => {
  const maa = (k: (n: number) => Uint8Array) =>
    diameterMessage(head(303, false), [
      utf8(263, 'scscf;1;2'),
      utf8(1, '001010000000001@ims.mnc001.mcc001.3gppnetwork.org'),
      grouped(
        612,
        [
          uint(613, 1, G),
          utf8(608, 'Digest-AKAv1-MD5', G),
          avp(609, k(32), G),
          avp(610, k(8), G),
          avp(625, k(16), G),
          avp(626, k(16), G),
        ],
        G,
      ),
      grouped(612, [utf8(608, 'SIP Digest', G), grouped(635, [utf8(104, 'ims'), avp(121, k(32))], G)], G),
    ]);
  const r = ok(maskDiameter(maa(filled(0x5c))));
  assert.deepEqual(r.payload, maa(filled(0)));
  assert.equal(r.fields, 5);
});

test('STa DEA: the EAP-Master-Session-Key; a key AVP at the top level is masked too', () => {
  const dea = (k: (n: number) => Uint8Array) =>
    diameterMessage(head(268, false), [
      utf8(263, 'aaa;1'),
      avp(462, Uint8Array.of(3, 1, 0, 4)),
      avp(464, k(64)),
    ]);
  const r = ok(maskDiameter(dea(filled(0x77))));
  assert.deepEqual(r.payload, dea(filled(0)));
  assert.equal(r.fields, 1);
});

test('unreadable framing where keys may be is unsafe: bad header, AVP past its container, inside a vector', () => {
  const [, aia] = s6a(0xab);
  assert.equal(maskDiameter(aia.subarray(0, 12)).kind, 'unsafe');
  const shortLength = Uint8Array.from(aia);
  shortLength[3]! -= 4;
  assert.equal(maskDiameter(shortLength).kind, 'unsafe');
  // The first AVP inside Authentication-Info claims more than its container holds.
  const inner = Uint8Array.from(aia);
  const at = indexOfAvp(inner, 1414);
  inner[at + 6] = 0x7f;
  const r = maskDiameter(inner);
  assert.equal(r.kind, 'unsafe');
  assert.match(r.kind === 'unsafe' ? r.reason : '', /AVP 1414 .* runs past its container/);
});

function indexOfAvp(b: Uint8Array, code: number): number {
  for (let i = 20; i + 4 <= b.length; i++)
    if (((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0 === code) return i;
  return -1;
}

// Property: random AVP trees; the masked message is the same tree with the data of the reachable key AVPs
// (at the top level or under key containers only) zeroed: lengths, headers, padding and every other octet stay.
type Node =
  | { kind: 'key'; id: readonly [number, number]; data: Uint8Array }
  | { kind: 'container'; id: readonly [number, number]; children: Node[] }
  | { kind: 'other'; vendor: number; code: number; data: Uint8Array }
  | { kind: 'otherGroup'; code: number; children: Node[] };

const keyIds = Object.values(KEY_AVPS);
const containerIds = Object.values(KEY_CONTAINERS);
const taken = new Set([...keyIds, ...containerIds].map(([v, c]) => `${v}:${c}`));

const { tree } = fc.letrec<{ tree: Node; node: Node }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('node'),
    fc.record({
      kind: fc.constant('container' as const),
      id: fc.constantFrom(...containerIds),
      children: fc.array(tie('tree'), { maxLength: 4 }),
    }),
    fc.record({
      kind: fc.constant('otherGroup' as const),
      code: fc.integer({ min: 2000, max: 2100 }),
      children: fc.array(tie('tree'), { maxLength: 3 }),
    }),
  ),
  node: fc.oneof(
    fc.record({
      kind: fc.constant('key' as const),
      id: fc.constantFrom(...keyIds),
      data: fc.uint8Array({ minLength: 0, maxLength: 40 }),
    }),
    fc
      .record({
        kind: fc.constant('other' as const),
        vendor: fc.constantFrom(0, G, 5535),
        code: fc.integer({ min: 1, max: 3000 }),
        data: fc.uint8Array({ maxLength: 40 }),
      })
      .filter((n) => !taken.has(`${n.vendor}:${n.code}`)),
  ),
}));

function encode(n: Node, zeroKeys: boolean, reachable: boolean): Uint8Array {
  switch (n.kind) {
    case 'key':
      return avp(n.id[1], zeroKeys && reachable ? new Uint8Array(n.data.length) : n.data, n.id[0]);
    case 'other':
      return avp(n.code, n.data, n.vendor);
    case 'container':
      return grouped(
        n.id[1],
        n.children.map((c) => encode(c, zeroKeys, reachable)),
        n.id[0],
      );
    case 'otherGroup':
      return grouped(
        n.code,
        n.children.map((c) => encode(c, zeroKeys, false)),
        G,
      );
  }
}

const countKeys = (n: Node, reachable: boolean): number =>
  n.kind === 'key'
    ? reachable
      ? 1
      : 0
    : n.kind === 'container'
      ? n.children.reduce((s, c) => s + countKeys(c, reachable), 0)
      : n.kind === 'otherGroup'
        ? n.children.reduce((s, c) => s + countKeys(c, false), 0)
        : 0;

test('property: lengths and everything outside the key AVPs unchanged, every reachable key AVP masked', () => {
  fc.assert(
    fc.property(fc.array(tree, { maxLength: 6 }), (avps) => {
      const message = (zero: boolean) =>
        diameterMessage(
          head(318, false),
          avps.map((n) => encode(n, zero, true)),
        );
      const input = message(false);
      const r = ok(maskDiameter(input));
      assert.equal(r.payload.length, input.length);
      assert.deepEqual(r.payload, message(true));
      assert.equal(
        r.fields,
        avps.reduce((s, n) => s + countKeys(n, true), 0),
      );
    }),
    { numRuns: 300 },
  );
});

test('property: hostile bytes never throw; the outcome is ok with the same length, or unsafe', () => {
  const [, aia] = s6a(0xab);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(aia.length), (junk, cut) => {
      for (const input of [junk, aia.subarray(0, cut), Uint8Array.from([...aia.subarray(0, cut), ...junk])]) {
        const r = maskDiameter(input);
        if (r.kind === 'ok') assert.equal(r.payload.length, input.length);
      }
    }),
    { numRuns: 300 },
  );
});

test('a Buffer input (captured bytes) is left as it was: the masked copy is a new array', () => {
  const [, aia] = s6a(0xab);
  const captured = Buffer.from(aia);
  const r = ok(maskDiameter(captured));
  assert.deepEqual([...captured], [...aia], 'the captured bytes are untouched');
  assert.notEqual(r.payload.buffer, captured.buffer);
  assert.ok(!r.payload.includes(0xab));
});
