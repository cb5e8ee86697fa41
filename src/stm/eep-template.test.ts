import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeEep,
  EEP_IP_FAMILY,
  EEP_MAX_MESSAGE_BYTES,
  EEP_PROTOCOL_IDS,
  EEP_PROTOCOL_TYPES,
  encodeEep,
  type EepProtocolId,
} from '../stm/eep.js';
import { formatIpv4, formatIpv6, IPV4_BYTES, parseIp } from '../stm/ip.js';
import { EEP_TEMPLATE_CACHE_LIMIT, EepReportTemplates } from './eep-template.js';
import { eepEncoder, genericEep, StmTooLargeError } from './report-encode.js';
import { reportToEep, UDP_MAX_PAYLOAD, type StmReport } from './report.js';

const MICROS_LIMIT = 2n ** 32n * 1_000_000n;
const SIP = new TextEncoder().encode('OPTIONS sip:ne.example.net SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const BASE: StmReport = {
  xid: '8f1c5a4e-2b1d-4c3e-9f00-000000000001',
  neId: 'ne-1',
  timestampMicros: 1_763_800_000_123_456n,
  ipVersion: 4,
  ipProtocol: 17,
  srcAddress: '10.1.1.1',
  dstAddress: '10.2.2.2',
  srcPort: 5060,
  dstPort: 5060,
  protocolType: EEP_PROTOCOL_TYPES.sip,
  payload: SIP,
};

interface Config {
  readonly id: EepProtocolId;
  readonly agent: number;
  readonly max: number;
}

/** The reference: the generic encoder with compression off (throws when the fast path must decline). */
function plain(r: StmReport, seq: number, c: Config): Uint8Array {
  return encodeEep(reportToEep(r, seq, c.id, c.agent), { maxSize: c.max, compress: 'never' });
}

function outcome(f: () => Uint8Array): Uint8Array | string {
  try {
    return Uint8Array.from(f());
  } catch (e) {
    const size = e instanceof StmTooLargeError ? ` ${e.size}/${e.maxSize}` : '';
    return `${(e as Error).name}: ${(e as Error).message}${size}`;
  }
}

const canonical = (a: string) => {
  const b = parseIp(a)!;
  return b.length === IPV4_BYTES ? formatIpv4(b) : formatIpv6(b);
};

/** The decoded message carries the report's fields. */
function assertDecodes(bytes: Uint8Array, r: StmReport, seq: number, c: Config): void {
  const m = decodeEep(bytes);
  const micros = BigInt(m.timestampSec!) * 1_000_000n + BigInt(m.timestampUsec!);
  assert.equal(m.protocolId, c.id);
  assert.equal(m.ipFamily, r.ipVersion === 6 ? EEP_IP_FAMILY.ipv6 : EEP_IP_FAMILY.ipv4);
  assert.equal(m.ipProtocol, r.ipProtocol);
  assert.equal(m.srcAddress, canonical(r.srcAddress));
  assert.equal(m.dstAddress, canonical(r.dstAddress));
  assert.deepEqual([m.srcPort, m.dstPort, m.protocolType], [r.srcPort, r.dstPort, r.protocolType]);
  assert.ok(m.timestampUsec! < 1_000_000);
  assert.equal(micros, r.timestampMicros);
  assert.deepEqual([m.captureAgentId, m.nodeName, m.correlationId], [c.agent, r.neId, r.xid]);
  assert.deepEqual([m.eventType, m.sequence], ['interception', seq]);
  assert.deepEqual(m.payload, Uint8Array.from(r.payload));
  assert.deepEqual(m.otherChunks, []);
}

/**
 * Checks one report against the generic encoder: the fast path gives the same bytes exactly when the generic
 * one fits without gzip (and declines otherwise), and the sender's encoder gives what the generic path gives.
 */
function check(t: EepReportTemplates, r: StmReport, seq: number, c: Config): boolean {
  const want = outcome(() => plain(r, seq, c));
  const fast = t.encode(r, seq);
  if (typeof want === 'string') assert.equal(fast, undefined, `fast path should decline: ${want}`);
  else {
    assert.ok(fast, 'fast path declined a plain report');
    assert.deepEqual(Uint8Array.from(fast), want);
    assertDecodes(fast, r, seq, c);
  }
  const viaSender = outcome(() => eepEncoder(c.id, c.agent, c.max).encode(r, seq));
  assert.deepEqual(
    viaSender,
    outcome(() => genericEep(r, seq, c.id, c.agent, c.max)),
  );
  return fast !== undefined;
}

test('the bench report: same bytes as encodeEep(reportToEep(...)), decodes to its fields', () => {
  const c: Config = { id: 'HEP3', agent: 0, max: UDP_MAX_PAYLOAD.ipv4 };
  const t = new EepReportTemplates(c.id, c.agent, c.max);
  for (const seq of [0, 1, 0xffffffff]) assert.ok(check(t, BASE, seq, c));
  const v6: StmReport = { ...BASE, ipVersion: 6, srcAddress: '2001:db8::1', dstAddress: '2001:DB8:0:0::2' };
  assert.ok(check(t, v6, 7, c));
  assert.ok(check(t, { ...BASE, payload: new Uint8Array(0) }, 8, c));
  assert.ok(check(t, { ...BASE, payload: Buffer.from(SIP) }, 9, c));
});

test('timestamps at the edges of the uint32 seconds chunk', () => {
  const c: Config = { id: 'EEP1', agent: 42, max: EEP_MAX_MESSAGE_BYTES };
  const t = new EepReportTemplates(c.id, c.agent, c.max);
  const inRange = [0n, 1n, 999_999n, 1_000_000n, 1_000_001n, MICROS_LIMIT - 1n, MICROS_LIMIT - 1_000_000n];
  for (const ts of inRange) assert.ok(check(t, { ...BASE, timestampMicros: ts }, 1, c), String(ts));
  for (const ts of [-1n, MICROS_LIMIT, 2n ** 64n])
    assert.equal(check(t, { ...BASE, timestampMicros: ts }, 1, c), false, String(ts));
});

test('odd fields are left to the generic encoder, which rejects them as before', () => {
  const c: Config = { id: 'HEP3', agent: 0, max: UDP_MAX_PAYLOAD.ipv4 };
  const t = new EepReportTemplates(c.id, c.agent, c.max);
  const odd: Partial<Record<keyof StmReport, unknown>>[] = [
    { ipProtocol: 256 },
    { ipProtocol: -1 },
    { protocolType: 1.5 },
    { srcPort: 65_536 },
    { dstPort: Number.NaN },
    { srcAddress: '10.1.1' },
    { dstAddress: '2001:db8::1::2' },
    { srcAddress: '010.1.1.1' },
    { xid: 'x'.repeat(EEP_MAX_MESSAGE_BYTES) },
  ];
  for (const o of odd) assert.equal(check(t, { ...BASE, ...o } as StmReport, 3, c), false, JSON.stringify(o));
  assert.equal(t.encode(BASE, -1), undefined);
  assert.equal(t.encode(BASE, 2 ** 32), undefined);
  const badAgent = new EepReportTemplates('HEP3', -1, c.max);
  assert.equal(badAgent.encode(BASE, 0), undefined);
  assert.throws(() => eepEncoder('HEP3', -1, c.max).encode(BASE, 0), /captureAgentId/);
});

test('a payload too large goes the generic way: gzip when that fits, StmTooLargeError when not', () => {
  const c: Config = { id: 'HEP3', agent: 0, max: 1000 };
  const enc = eepEncoder(c.id, c.agent, c.max);
  const zeros = { ...BASE, payload: new Uint8Array(5000) };
  assert.deepEqual(
    Uint8Array.from(enc.encode(zeros, 1)),
    Uint8Array.from(genericEep(zeros, 1, 'HEP3', 0, 1000)),
  );
  assert.deepEqual(decodeEep(enc.encode(zeros, 1)).payload, zeros.payload);
  const noise = { ...BASE, payload: Uint8Array.from({ length: 5000 }, (_, i) => (i * 2_654_435_761) >>> 24) };
  assert.throws(() => enc.encode(noise, 1), StmTooLargeError);
});

test('caches: NE ID changes under one XID, more XIDs and addresses than the cache holds', () => {
  const c: Config = { id: 'EEP3', agent: 7, max: EEP_MAX_MESSAGE_BYTES };
  const t = new EepReportTemplates(c.id, c.agent, c.max);
  for (const neId of ['ne-1', 'ne-2', 'nœud-3', '', 'ne-1'])
    for (const [src, dst] of [
      ['10.0.0.1', '::1'],
      ['::2', '10.0.0.2'],
      ['::3', '::4'],
      ['10.0.0.5', '10.0.0.6'],
    ] as const)
      assert.ok(check(t, { ...BASE, neId, srcAddress: src, dstAddress: dst }, 5, c));
  const { xids } = EEP_TEMPLATE_CACHE_LIMIT;
  for (let i = 0; i < xids * 2 + 3; i++) {
    const r = {
      ...BASE,
      xid: `xid-${i % (xids + 1)}`,
      srcAddress: `10.${i >> 16}.${(i >> 8) & 0xff}.${i & 0xff}`,
    };
    assert.ok(check(t, r, i, c));
  }
});

// ---- property: random reports, every protocol ID, payload sizes up to and across the limit ----

const configs = fc.record({
  id: fc.constantFrom(...EEP_PROTOCOL_IDS),
  agent: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
  max: fc.constantFrom(UDP_MAX_PAYLOAD.ipv4, UDP_MAX_PAYLOAD.ipv6, EEP_MAX_MESSAGE_BYTES, 600),
});
const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => b.join('.'));
const address = fc.oneof(
  { weight: 4, arbitrary: v4 },
  { weight: 4, arbitrary: fc.ipV6() },
  { weight: 1, arbitrary: fc.constantFrom('::', '::ffff:10.0.0.1', '10.0.0.256', 'host') },
);
const xid = fc.oneof(fc.uuid(), fc.constantFrom('a', 'b'), fc.string({ unit: 'binary', maxLength: 40 }));
const neId = fc.oneof(fc.constantFrom('ne-1', 'ne-2', ''), fc.string({ unit: 'binary', maxLength: 20 }));
const timestamp = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0n, MICROS_LIMIT - 1n, MICROS_LIMIT, -1n) },
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: MICROS_LIMIT - 1n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }) },
);
/** Mostly valid values, sometimes out of range. */
const field = (max: number) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.integer({ min: 0, max }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, max + 1, 0.5) },
  );
const sequence = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 32) },
);
interface PayloadShape {
  readonly nearLimit: boolean;
  readonly delta: number;
  readonly small: number;
  readonly zeros: boolean;
  readonly seed: number;
}

/** Payload: a length near the limit (maxSize - overhead + delta) or a small one; zeros (compress) or noise. */
const payloadShape: fc.Arbitrary<PayloadShape> = fc.record({
  nearLimit: fc.boolean(),
  delta: fc.integer({ min: -3, max: 3 }),
  small: fc.integer({ min: 0, max: 1500 }),
  zeros: fc.boolean(),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
});

function payloadOf(shape: PayloadShape, overhead: number, max: number): Uint8Array {
  const n = shape.nearLimit ? Math.max(0, max - overhead + shape.delta) : shape.small;
  const out = new Uint8Array(n);
  if (shape.zeros) return out;
  let x = shape.seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

const arbReport = fc.record({
  xid,
  neId,
  timestampMicros: timestamp,
  ipVersion: fc.constantFrom(4 as const, 6 as const),
  ipProtocol: field(0xff),
  srcAddress: address,
  dstAddress: address,
  srcPort: field(0xffff),
  dstPort: field(0xffff),
  protocolType: field(0xff),
});

test('property: the fast path equals encodeEep(reportToEep(...)) byte for byte, or declines', () => {
  const encoders = new Map<string, EepReportTemplates>();
  let hits = 0;
  let runs = 0;
  fc.assert(
    fc.property(configs, arbReport, payloadShape, sequence, (c, fields, shape, seq) => {
      const key = `${c.id}/${c.agent}/${c.max}`;
      const t = encoders.get(key) ?? new EepReportTemplates(c.id, c.agent, c.max);
      encoders.set(key, t);
      let overhead = 0;
      try {
        overhead = encodeEep(reportToEep({ ...fields, payload: new Uint8Array(0) }, 0, c.id, c.agent)).length;
      } catch {
        overhead = 0; // a bad field: the payload size does not matter
      }
      const r: StmReport = { ...fields, payload: payloadOf(shape, overhead, c.max) };
      runs++;
      if (check(t, r, seq, c)) hits++;
    }),
    { numRuns: 1500 },
  );
  assert.ok(hits > runs / 3, `the fast path took ${hits} of ${runs} reports`);
});
