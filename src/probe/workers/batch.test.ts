import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ProbeMessage } from '../messages.js';
import { BatchError, BatchWriter, readBatch } from './batch.js';

const message = fc.record(
  {
    timestampMicros: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    ipVersion: fc.constantFrom(4 as const, 6 as const),
    ipProtocol: fc.constantFrom(6, 17, 132),
    srcAddress: fc.oneof(fc.ipV4(), fc.ipV6()),
    dstAddress: fc.oneof(fc.ipV4(), fc.ipV6()),
    srcPort: fc.integer({ min: 0, max: 65535 }),
    dstPort: fc.integer({ min: 0, max: 65535 }),
    protocol: fc.constantFrom('sip' as const, 'diameter' as const, 'gtpv2' as const),
    payload: fc.uint8Array({ maxLength: 2000 }),
    sctpPpid: fc.integer({ min: 0, max: 0xffffffff }),
  },
  {
    requiredKeys: [
      'timestampMicros',
      'ipVersion',
      'ipProtocol',
      'srcAddress',
      'dstAddress',
      'srcPort',
      'dstPort',
      'protocol',
      'payload',
    ],
  },
) as fc.Arbitrary<ProbeMessage>;

/** Packs messages, handing over a batch whenever one is full, as the pool does. */
function roundTrip(ms: readonly ProbeMessage[], capacity: number): ProbeMessage[] {
  const w = new BatchWriter(capacity);
  const out: ProbeMessage[] = [];
  const take = () => {
    const { buffer, count } = w.take();
    out.push(...readBatch(buffer, count));
  };
  for (const m of ms) {
    if (!w.fits(m)) take();
    w.add(m);
  }
  if (w.count > 0) take();
  return out;
}

test('batches give back every message as packed, in order, whatever the batch size', () => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 40 }), fc.integer({ min: 64, max: 8192 }), (ms, capacity) => {
      const back = roundTrip(ms, capacity).map((m) => ({ ...m, payload: [...m.payload] }));
      assert.deepEqual(
        back,
        ms.map((m) => ({ ...m, payload: [...m.payload] })),
      );
    }),
    { numRuns: 300 },
  );
});

test('a message larger than the batch buffer goes alone in a larger one', () => {
  const big: ProbeMessage = {
    timestampMicros: 1n,
    ipVersion: 4,
    ipProtocol: 6,
    srcAddress: '10.0.0.1',
    dstAddress: '10.0.0.2',
    srcPort: 3868,
    dstPort: 3868,
    protocol: 'diameter',
    payload: new Uint8Array(100_000).fill(7),
  };
  const back = roundTrip([big, big], 1024);
  assert.equal(back.length, 2);
  assert.equal(back[1]!.payload.length, 100_000);
});

test('a damaged batch throws BatchError only', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 5 }), (bytes, count) => {
      try {
        readBatch(bytes.slice().buffer, count);
      } catch (e) {
        assert.ok(e instanceof BatchError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
});
