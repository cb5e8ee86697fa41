import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { fromHex, toHex } from '../lib/bytes.js';
import {
  decodeEep,
  EEP_CHUNK_TYPES,
  EEP_PROTOCOL_IDS,
  EepDecodeError,
  EepEncodeError,
  encodeEep,
  EepTooLargeError,
  type EepMessage,
} from './eep.js';
import { FIELD_CHUNK_TYPES } from './eep-encode.js';

const ascii = (s: string) => new TextEncoder().encode(s);

/** The chunk types of an encoded message, in order. */
function chunkTypes(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let off = 6; off < b.length; off += v.getUint16(off + 4)) out.push(v.getUint16(off + 2));
  return out;
}

/** A small IPv4 SIP report with every field the NE sends. */
const SIP_V4: EepMessage = {
  protocolId: 'HEP3',
  ipFamily: 2,
  ipProtocol: 17,
  srcAddress: '10.0.0.1',
  dstAddress: '10.0.0.2',
  srcPort: 5060,
  dstPort: 5060,
  timestampSec: 1600000000,
  timestampUsec: 123456,
  protocolType: 1,
  captureAgentId: 2001,
  nodeName: 'ne1',
  correlationId: 'x1',
  eventType: 'interception',
  sequence: 1,
  payload: ascii('ACK sip:b SIP/2.0\r\n\r\n'),
  otherChunks: [],
};

// Hand-computed: each chunk is vendor(2) type(2) length(2, header included) value.
const SIP_V4_HEX = [
  '48455033 009b', // "HEP3", total 155
  '0000 0001 0007 02', // IP family: IPv4 (AF_INET = 2)
  '0000 0002 0007 11', // IP protocol: UDP (17)
  '0000 0003 000a 0a000001', // source 10.0.0.1
  '0000 0004 000a 0a000002', // destination 10.0.0.2
  '0000 0007 0008 13c4', // source port 5060
  '0000 0008 0008 13c4', // destination port 5060
  '0000 0009 000a 5f5e1000', // seconds 1600000000
  '0000 000a 000a 0001e240', // microseconds 123456
  '0000 000b 0007 01', // protocol type SIP
  '0000 000c 000a 000007d1', // capture agent 2001
  '0000 0013 0009 6e6531', // node name "ne1"
  '0000 0011 0008 7831', // correlation "x1"
  '0000 0028 0008 0002', // event type 2 (interception)
  '0000 00f0 000a 00000001', // sequence 1 (project chunk)
  '0000 000f 001b 41434b207369703a62205349502f322e300d0a0d0a', // "ACK sip:b SIP/2.0\r\n\r\n"
].join('');

const SIP_V6: EepMessage = {
  protocolId: 'EEP1',
  ipFamily: 10,
  ipProtocol: 6,
  srcAddress: '2001:db8::1',
  dstAddress: '2001:db8::2',
  srcPort: 5060,
  dstPort: 5061,
  payload: ascii('BYE sip:c SIP/2.0\r\n\r\n'),
  otherChunks: [],
};

const SIP_V6_HEX = [
  '45455031 006b', // "EEP1", total 107
  '0000 0001 0007 0a', // IPv6 (AF_INET6 = 10)
  '0000 0002 0007 06', // TCP
  '0000 0005 0016 20010db8000000000000000000000001',
  '0000 0006 0016 20010db8000000000000000000000002',
  '0000 0007 0008 13c4',
  '0000 0008 0008 13c5',
  '0000 000f 001b 425945207369703a63205349502f322e300d0a0d0a',
].join('');

test('golden bytes: IPv4 SIP report', () => {
  assert.equal(toHex(encodeEep(SIP_V4)), SIP_V4_HEX.replace(/\s/g, ''));
  assert.deepEqual(decodeEep(fromHex(SIP_V4_HEX)), SIP_V4);
});

test('golden bytes: IPv6 SIP report with the EEP1 protocol ID', () => {
  assert.equal(toHex(encodeEep(SIP_V6)), SIP_V6_HEX.replace(/\s/g, ''));
  assert.deepEqual(decodeEep(fromHex(SIP_V6_HEX)), SIP_V6);
});

test('decoder accepts a Buffer and keeps unknown and vendor chunks in order', () => {
  const hex = '45455033 001d' + '0000 0099 0008 abcd' + '0005 0001 0007 01' + '0000 000e 0008 7077';
  const m = decodeEep(Buffer.from(fromHex(hex)));
  assert.equal(m.protocolId, 'EEP3');
  assert.deepEqual(m.otherChunks, [
    { vendor: 0, type: 0x99, value: fromHex('abcd') },
    { vendor: 5, type: 1, value: fromHex('01') },
    { vendor: 0, type: EEP_CHUNK_TYPES.authKey, value: ascii('pw') },
  ]);
  assert.equal(toHex(encodeEep(m)), hex.replace(/\s/g, ''));
});

test('payloads are binary-safe', () => {
  const payload = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(decodeEep(encodeEep({ protocolId: 'HEP3', payload, otherChunks: [] })).payload, payload);
});

test('a payload too large for one message is gzipped into chunk 0x10 and gunzipped on decode', () => {
  const payload = ascii('INVITE sip:x SIP/2.0\r\n' + 'Via: SIP/2.0/UDP a\r\n'.repeat(4000));
  const bytes = encodeEep({ ...SIP_V4, payload });
  assert.ok(bytes.length <= 65535);
  assert.equal(chunkTypes(bytes).at(-1), EEP_CHUNK_TYPES.compressedPayload);
  assert.deepEqual(decodeEep(bytes).payload, payload);
  assert.throws(() => encodeEep({ ...SIP_V4, payload }, { compress: 'never' }), EepTooLargeError);
});

test('maxSize: compression when it fits, else a typed error carrying the sizes', () => {
  const payload = ascii('a'.repeat(1000));
  const small = encodeEep({ protocolId: 'HEP3', payload, otherChunks: [] }, { maxSize: 200 });
  assert.ok(small.length <= 200);
  const random = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919 + (i >> 3) * 31) & 0xff);
  const err = (() => {
    try {
      encodeEep({ protocolId: 'HEP3', payload: random, otherChunks: [] }, { maxSize: 200 });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof EepTooLargeError);
  assert.equal(err.size, 6 + 6 + 1000);
  assert.equal(err.maxSize, 200);
  assert.ok(err.compressedSize !== undefined && err.compressedSize > 200);
  assert.throws(
    () => encodeEep({ protocolId: 'HEP3', nodeName: 'n'.repeat(300), otherChunks: [] }, { maxSize: 200 }),
    EepTooLargeError,
  );
});

test('encoder rejects out-of-range fields with EepEncodeError', () => {
  const bad: Partial<EepMessage>[] = [
    { srcPort: 70000 },
    { ipFamily: -1 },
    { timestampSec: 1.5 },
    { srcAddress: '10.0.0.256' },
    { dstAddress: '2001:db8:::1' },
    { eventType: 'party' },
    { otherChunks: [{ vendor: 0, type: EEP_CHUNK_TYPES.payload, value: new Uint8Array(1) }] },
    { otherChunks: [{ vendor: 0, type: EEP_CHUNK_TYPES.sequence, value: new Uint8Array(4) }] },
  ];
  for (const b of bad) {
    assert.throws(
      () => encodeEep({ protocolId: 'HEP3', otherChunks: [], ...b }),
      EepEncodeError,
      JSON.stringify(b),
    );
  }
});

test('event types: names both ways, other values as decimal text', () => {
  for (const [eventType, wire] of [
    ['recording', '0001'],
    ['interception', '0002'],
    ['7', '0007'],
  ] as const) {
    const bytes = encodeEep({ protocolId: 'HEP3', eventType, otherChunks: [] });
    assert.equal(toHex(bytes), `48455033000e0000002800 08${wire}`.replace(/\s/g, ''));
    assert.equal(decodeEep(bytes).eventType, eventType);
  }
});

test('the sequence chunk can be moved to another vendor/type', () => {
  const sequenceChunk = { vendor: 0x1234, type: 0x0042 };
  const bytes = encodeEep({ protocolId: 'HEP3', sequence: 9, otherChunks: [] }, { sequenceChunk });
  assert.equal(toHex(bytes), '48455033' + '0010' + '1234' + '0042' + '000a' + '00000009');
  assert.equal(decodeEep(bytes, { sequenceChunk }).sequence, 9);
  assert.deepEqual(decodeEep(bytes).otherChunks, [
    { vendor: 0x1234, type: 0x42, value: fromHex('00000009') },
  ]);
});

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof EepDecodeError, `unexpected ${String(e)}`);
    return e.reason;
  }
  return 'ok';
}

test('decoder errors carry a reason', () => {
  const gz = gzipSync(new Uint8Array(4 << 20));
  const bomb = new Uint8Array(12 + gz.length);
  bomb.set(ascii('HEP3'));
  new DataView(bomb.buffer).setUint16(4, bomb.length);
  new DataView(bomb.buffer).setUint16(8, 0x10);
  new DataView(bomb.buffer).setUint16(10, gz.length + 6);
  bomb.set(gz, 12);
  const cases: [string, string][] = [
    ['4845', 'truncated'],
    ['48455032 0006', 'bad-protocol-id'],
    ['48455033 0005', 'bad-length'],
    ['48455033 0010 0000000f0006', 'truncated'],
    ['48455033 0006 00', 'bad-length'],
    ['48455033 0009 000000', 'bad-chunk-length'],
    ['48455033 000c 0000000f0005', 'bad-chunk-length'],
    ['48455033 000c 0000000f0007', 'bad-chunk-length'],
    ['48455033 000f 0000 0007 0009 13c4 00', 'bad-chunk-value'],
    ['48455033 000d 0000 0003 0007 01', 'bad-chunk-value'],
    ['48455033 000c 0000 0013 0006', 'ok'],
    ['48455033 000d 0000 0013 0007 ff', 'bad-chunk-value'],
    ['48455033 0012 0000 0010 000c 1f8b08000000', 'bad-compression'],
    ['48455033 0016 0000 0007 0008 13c4', 'truncated'],
    ['48455033 0016 0000 0007 0008 13c4 0000 0007 0008 13c4', 'duplicate-chunk'],
    ['48455033 0014 0000 000f 0007 61 0000 0010 0007 61', 'duplicate-chunk'],
  ];
  for (const [hex, reason] of cases)
    assert.equal(
      reasonOf(() => decodeEep(fromHex(hex))),
      reason,
      hex,
    );
  assert.equal(
    reasonOf(() => decodeEep(bomb)),
    'too-large',
  );
  assert.equal(
    reasonOf(() => decodeEep(encodeEep(SIP_V4), { maxSize: 100 })),
    'too-large',
  );
});

// ---- properties ----

const uint = (max: number) => fc.integer({ min: 0, max });
const text = fc.string({ unit: 'binary', maxLength: 40 });
const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => b.join('.'));
const v6 = fc.ipV6().map((t) => new URL(`http://[${t}]`).hostname.slice(1, -1));
const chunk = fc
  .record(
    { vendor: uint(0xffff), type: uint(0xffff), value: fc.uint8Array({ maxLength: 64 }) },
    { noNullPrototype: true },
  )
  .filter((c) => !(c.vendor === 0 && (FIELD_CHUNK_TYPES.has(c.type) || c.type === EEP_CHUNK_TYPES.sequence)));
export const arbEepMessage: fc.Arbitrary<EepMessage> = fc.record(
  {
    protocolId: fc.constantFrom(...EEP_PROTOCOL_IDS),
    ipFamily: uint(0xff),
    ipProtocol: uint(0xff),
    srcAddress: fc.oneof(v4, v6),
    dstAddress: fc.oneof(v4, v6),
    srcPort: uint(0xffff),
    dstPort: uint(0xffff),
    timestampSec: uint(0xffffffff),
    timestampUsec: uint(0xffffffff),
    protocolType: uint(0xff),
    captureAgentId: uint(0xffffffff),
    nodeName: text,
    correlationId: text,
    eventType: fc.oneof(
      fc.constantFrom('recording', 'interception'),
      fc.integer({ min: 3, max: 0xffff }).map(String),
    ),
    sequence: uint(0xffffffff),
    payload: fc.uint8Array({ maxLength: 3000 }),
    otherChunks: fc.array(chunk, { maxLength: 5 }),
  },
  { requiredKeys: ['protocolId', 'otherChunks'], noNullPrototype: true },
);

test('round trip: decode(encode(m)) equals m', () => {
  fc.assert(
    fc.property(arbEepMessage, (m) => {
      assert.deepEqual(decodeEep(encodeEep(m)), m);
    }),
    { numRuns: 500 },
  );
});

test('fuzz: random and mutated buffers raise only EepDecodeError', () => {
  const mutated = fc
    .tuple(arbEepMessage, fc.array(fc.tuple(fc.nat(), uint(0xff)), { minLength: 1, maxLength: 8 }), fc.nat())
    .map(([m, edits, cut]) => {
      const b = encodeEep(m).slice();
      for (const [at, val] of edits) b[at % b.length] = val;
      return cut % 4 === 0 ? b.subarray(0, cut % (b.length + 1)) : b;
    });
  const started = performance.now();
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (b) => {
      assert.notEqual(
        reasonOf(() => decodeEep(b)),
        undefined,
      );
    }),
    { numRuns: 3000 },
  );
  assert.ok(performance.now() - started < 20_000, 'bounded time');
});
