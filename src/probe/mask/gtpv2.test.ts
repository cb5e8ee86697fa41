import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concat } from '../sources/gen-diameter.js';
import { createSession, gtpv2Message, ie } from '../sources/gen-gtpv2.js';
import { contextTransfer } from '../sources/gen-gtpv2-context.js';
import { MASK_FILLER } from './edit.js';
import { maskGtpv2 } from './gtpv2.js';
import { MM_CONTEXT } from './gtpv2-mm-context.js';

type Keys = (n: number) => Uint8Array;
const filled =
  (byte: number): Keys =>
  (n) =>
    new Uint8Array(n).fill(byte);
const MARK = filled(0xab);
const ZERO = filled(MASK_FILLER.binary);
const b = (...xs: number[]) => Uint8Array.of(...xs);

function ok(r: ReturnType<typeof maskGtpv2>) {
  assert.equal(r.kind, 'ok', r.kind === 'unsafe' ? r.reason : '');
  return r as Extract<typeof r, { kind: 'ok' }>;
}

const transfer = (k: Keys) =>
  contextTransfer(
    {
      imsi: '001010000000007',
      imei: '356900000000075',
      oldMmeAddress: '10.10.0.30',
      newMmeAddress: '10.10.0.31',
      oldMmeTeid: 0x2000,
      newMmeTeid: 0x2001,
    },
    42,
    k,
  );

test('Context Response: KASME, the quadruplet, the quintuplet, NH, old KASME and old NH masked, nothing else', () => {
  const [request, response, ack] = transfer(MARK);
  const r = ok(maskGtpv2(response));
  assert.deepEqual(r.payload, transfer(ZERO)[1]);
  assert.equal(r.fields, 1 + 4 + 5 + 1 + 2);
  assert.ok(!r.payload.includes(0xab));
  for (const m of [request, ack]) assert.equal(ok(maskGtpv2(m)).payload, m, 'no keys: the same array');
});

test('a Create Session Request (no MM Context) comes back as it was', () => {
  const session = {
    imsi: '001010000000001',
    msisdn: '447900000001',
    imei: '356900000000018',
    plmn: b(0, 0xf1, 0x10),
    apn: 'internet',
    mmeTeid: 1,
    sgwTeid: 2,
    sgwUserTeid: 3,
    mmeAddress: '10.10.0.30',
    sgwAddress: '10.10.0.40',
    ueAddress: '10.128.0.1',
  };
  const [req, res] = createSession(session, 1);
  for (const m of [req, res]) {
    const r = ok(maskGtpv2(m));
    assert.equal(r.payload, m);
    assert.equal(r.fields, 0);
  }
});

/** Vectors of Figures 8.38-6 to 8.38-8. */
const triplet = (k: Keys) => [k(16), k(4), k(8)];
const quintuplet = (k: Keys) => [k(16), b(8), k(8), k(16), k(16), b(16), k(16)];
const quadruplet = (k: Keys) => [k(16), b(4), k(4), b(16), k(16), k(32)];
/** UE/MS network capability and MEI lengths 0, access restriction data. */
const TAIL = [b(0, 0, 0, 0)];

/** Each MM Context type with two vectors of each kind it holds, and the number of key fields. */
const CASES: [string, number, (k: Keys) => Uint8Array[], number][] = [
  [
    'GSM Key and Triplets',
    MM_CONTEXT.gsmKeyAndTriplets,
    (k) => [b((1 << 5) | 0x08 | 1, 2 << 5, 1), k(8), ...triplet(k), ...triplet(k), b(0x12, 0x34), ...TAIL],
    1 + 6,
  ],
  [
    'UMTS Key, Used Cipher and Quintuplets',
    MM_CONTEXT.umtsKeyUsedCipherAndQuintuplets,
    (k) => [b(2 << 5, 2 << 5, 1), k(16), k(16), ...quintuplet(k), ...quintuplet(k), ...TAIL],
    2 + 10,
  ],
  [
    'GSM Key, Used Cipher and Quintuplets',
    MM_CONTEXT.gsmKeyUsedCipherAndQuintuplets,
    (k) => [b(3 << 5, 1 << 5, 1), k(8), ...quintuplet(k), ...TAIL],
    1 + 5,
  ],
  [
    'UMTS Key and Quintuplets',
    MM_CONTEXT.umtsKeyAndQuintuplets,
    (k) => [b(5 << 5, 1 << 5, 0), k(16), k(16), ...quintuplet(k), ...TAIL],
    2 + 5,
  ],
  [
    'UMTS Key, Quadruplets and Quintuplets',
    MM_CONTEXT.umtsKeyQuadrupletsAndQuintuplets,
    (k) => [
      b(5 << 5, (1 << 5) | (2 << 2), 0),
      k(16),
      k(16),
      ...quadruplet(k),
      ...quadruplet(k),
      ...quintuplet(k),
      ...TAIL,
    ],
    2 + 8 + 5,
  ],
  [
    'EPS Security Context without NH, with DRX, both AMBRs and an old context without old NH',
    MM_CONTEXT.epsSecurityContextAndQuadruplets,
    (k) => [
      b((4 << 5) | 0x08 | 2, (1 << 2) | 0x02 | 0x01, 0x80 | 0x22),
      b(0, 0, 1, 0, 0, 2),
      k(32),
      ...quadruplet(k),
      b(0x12, 0x34), // DRX
      new Uint8Array(16).fill(0x0f), // subscribed and used UE AMBR
      b(2, 0xe0, 0xe0, 1, 0x07, 0), // UE network capability (2), MS network capability (1), no MEI
      b(0), // access restriction data
      b(0x05), // old context: no NHI_old, old NCC 5
      k(32),
      b(0, 0), // voice domain preference and the rest: lengths 0
    ],
    1 + 4 + 1,
  ],
];

for (const [name, type, body, fields] of CASES) {
  test(`MM Context ${type} (${name}): every key field masked, lengths and the rest unchanged`, () => {
    const msg = (k: Keys) => gtpv2Message(131, 5, 9, [ie(2, b(16, 0)), ie(type, concat(body(k)))]);
    const input = msg(MARK);
    const r = ok(maskGtpv2(input));
    assert.equal(r.payload.length, input.length);
    assert.deepEqual(r.payload, msg(ZERO));
    assert.equal(r.fields, fields);
  });
}

test('an MM Context inside a grouped IE and in a piggybacked message is masked too', () => {
  const mm = (k: Keys) =>
    ie(MM_CONTEXT.gsmKeyAndTriplets, concat([b(1 << 5, 1 << 5, 1), k(8), ...triplet(k), ...TAIL]));
  const msg = (k: Keys) => {
    const first = gtpv2Message(131, 5, 9, [ie(109, concat([ie(73, b(5)), mm(k)]))]);
    first[0]! |= 0x10; // P flag: a second message follows
    return concat([first, gtpv2Message(131, 6, 10, [mm(k)])]);
  };
  const r = ok(maskGtpv2(msg(MARK)));
  assert.deepEqual(r.payload, msg(ZERO));
  assert.equal(r.fields, 8);
});

test('an MM Context that ends inside a key field, or an IE past its message, is unsafe', () => {
  const body = concat([b(5 << 5, 1 << 5, 0), MARK(16), MARK(16), ...quintuplet(MARK)]);
  for (const cut of [3, 20, 40, 60, body.length - 1]) {
    const r = maskGtpv2(
      gtpv2Message(131, 5, 9, [ie(MM_CONTEXT.umtsKeyAndQuintuplets, body.subarray(0, cut))]),
    );
    assert.equal(r.kind, 'unsafe', `cut at ${cut}`);
    assert.match(r.kind === 'unsafe' ? r.reason : '', /MM Context IE 106: .* runs past the IE/);
  }
  const [, response] = transfer(MARK);
  const longer = Uint8Array.from(response);
  longer[12 + 6 + 12 + 1] = 0xff; // the MM Context IE's length, high octet
  assert.equal(maskGtpv2(longer).kind, 'unsafe');
  assert.equal(maskGtpv2(response.subarray(0, 7)).kind, 'unsafe');
  assert.equal(maskGtpv2(concat([response, b(0)])).kind, 'unsafe');
});

test('property: hostile bytes never throw; the outcome is ok with the same length, or unsafe', () => {
  const [, response] = transfer(MARK);
  fc.assert(
    fc.property(fc.nat(response.length), fc.nat(response.length - 1), fc.nat(255), (cut, at, value) => {
      const flipped = Uint8Array.from(response);
      flipped[at] = value;
      for (const input of [response.subarray(0, cut), flipped]) {
        const r = maskGtpv2(input);
        if (r.kind === 'ok') assert.equal(r.payload.length, input.length);
      }
    }),
    { numRuns: 500 },
  );
});
