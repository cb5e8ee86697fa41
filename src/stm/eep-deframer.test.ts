import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeEep,
  EepDecodeError,
  EepDeframer,
  encodeEep,
  type EepFrameResult,
  type EepMessage,
} from './eep.js';

const ascii = (s: string) => new TextEncoder().encode(s);

function report(i: number, payloadBytes = 40): Uint8Array {
  const m: EepMessage = {
    protocolId: i % 3 === 0 ? 'HEP3' : i % 3 === 1 ? 'EEP1' : 'EEP3',
    srcAddress: '10.0.0.1',
    srcPort: 5060,
    correlationId: `xid-${i}`,
    sequence: i,
    payload: ascii(`MESSAGE sip:${i} SIP/2.0\r\n`.padEnd(payloadBytes, 'x')),
    otherChunks: [],
  };
  return encodeEep(m);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const frames = (rs: readonly EepFrameResult[]) => rs.flatMap((r) => (r.ok ? [r.frame] : []));
const skipped = (rs: readonly EepFrameResult[]) => rs.reduce((n, r) => n + (r.ok ? 0 : r.skipped), 0);

test('one byte at a time: every message comes out whole, nothing is held afterwards', () => {
  const msgs = [report(1), report(2, 500), report(3)];
  const d = new EepDeframer();
  const out: EepFrameResult[] = [];
  for (const b of concat(msgs)) out.push(...d.push(Uint8Array.of(b)));
  assert.deepEqual(frames(out), msgs);
  assert.equal(out.length, msgs.length);
  assert.equal(d.pending, 0);
  assert.deepEqual(d.flush(), []);
});

test('many messages in one push, and a message split across pushes', () => {
  const msgs = Array.from({ length: 50 }, (_, i) => report(i));
  const all = concat(msgs);
  const d = new EepDeframer();
  const first = d.push(all.subarray(0, all.length - 10));
  assert.equal(frames(first).length, 49);
  assert.equal(d.pending, msgs[49]!.length - 10);
  assert.deepEqual(frames(d.push(all.subarray(all.length - 10))), [msgs[49]]);
});

test('garbage before and between messages is reported once per run and skipped', () => {
  const garbage = ascii('\x00\x01garbage!!\r\n');
  const d = new EepDeframer();
  const out = d.push(concat([garbage, report(1), garbage, garbage, report(2)]));
  assert.deepEqual(
    out.map((r) => (r.ok ? 'frame' : `${r.error.reason}:${r.skipped}`)),
    [`bad-protocol-id:${garbage.length}`, 'frame', `bad-protocol-id:${2 * garbage.length}`, 'frame'],
  );
});

test('a lying length (too long or too short) is reported and the next message is recovered', () => {
  for (const delta of [+30, -20, +5000]) {
    const liar = report(1).slice();
    const v = new DataView(liar.buffer);
    v.setUint16(4, v.getUint16(4) + delta);
    const good = [report(2), report(3)];
    const d = new EepDeframer();
    const out = [...d.push(concat([liar, ...good])), ...d.flush()];
    assert.deepEqual(frames(out), good, `delta ${delta}`);
    assert.ok(out.some((r) => !r.ok && r.error instanceof EepDecodeError));
    assert.equal(
      skipped(out) + good[0]!.length + good[1]!.length,
      liar.length + good[0]!.length + good[1]!.length,
    );
  }
});

test('headers claiming more than maxMessage are malformed, not awaited', () => {
  const d = new EepDeframer({ maxMessage: 100 });
  const out = d.push(concat([report(1, 200), report(2)]));
  assert.equal(out[0]!.ok, false);
  assert.equal(!out[0]!.ok && out[0]!.error.reason, 'too-large');
  assert.deepEqual(frames(out), [report(2)]);
});

test('buffering is bounded: a megabyte of garbage holds at most a few bytes', () => {
  const d = new EepDeframer({ maxMessage: 1000 });
  let dropped = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x41);
  for (let i = 0; i < 16; i++) {
    dropped += skipped(d.push(chunk));
    assert.ok(d.pending < 1000);
  }
  dropped += skipped(d.flush());
  assert.equal(dropped, 16 * chunk.length);
});

test('flush reports a partial message as truncated', () => {
  const d = new EepDeframer();
  const m = report(1);
  assert.deepEqual(d.push(m.subarray(0, 20)), []);
  const out = d.flush();
  assert.equal(out.length, 1);
  assert.equal(!out[0]!.ok && out[0]!.error.reason, 'truncated');
  assert.equal(!out[0]!.ok && out[0]!.skipped, 20);
  assert.equal(d.pending, 0);
});

test('property: any split and coalescing with garbage between messages yields exactly the messages', () => {
  // Garbage without 'H' or 'E' cannot start a protocol ID, so the expected frames are exact.
  const garbage = fc
    .uint8Array({ maxLength: 30 })
    .map((g) => g.map((b) => (b === 0x48 || b === 0x45 ? 0 : b)));
  const item = fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 300 }), garbage);
  fc.assert(
    fc.property(
      fc.array(item, { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (items, cuts) => {
        const msgs = items.map(([i, n]) => report(i, n));
        const stream = concat(items.flatMap(([, , g], k) => [g, msgs[k]!]));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const d = new EepDeframer();
        const out: EepFrameResult[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          out.push(...d.push(stream.subarray(prev, p)));
          prev = p;
        }
        out.push(...d.flush());
        assert.deepEqual(frames(out), msgs);
        assert.equal(
          skipped(out),
          items.reduce((n, [, , g]) => n + g.length, 0),
        );
        for (const f of frames(out)) decodeEep(f);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: hostile streams produce only typed results and account for every byte', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constant(report(7))), { maxLength: 20 }),
      (parts) => {
        const d = new EepDeframer({ maxMessage: 2000 });
        const out: EepFrameResult[] = [];
        for (const p of parts) out.push(...d.push(p));
        out.push(...d.flush());
        const framed = frames(out).reduce((n, f) => n + f.length, 0);
        assert.equal(
          framed + skipped(out),
          parts.reduce((n, p) => n + p.length, 0),
        );
      },
    ),
    { numRuns: 500 },
  );
});
