import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readPackets } from './capture-read.js';
import { readPcapngBlocks } from './pcapng-read.js';
import { PcapngDecodeError } from './pcapng-tables.js';
import { encodeStmPcapng, LINKTYPE } from './pcapng.js';
import { CAPTURE_LIMITS, CaptureStreamParser, type CapturedPacket } from './capture-stream.js';
import { SHARED } from '../../test/support/shared.js';
import { bytesOf, classicPcap, concat, pcapngSection, plainFrame } from '../../test/support/capture-files.js';

const SAMPLES = join(SHARED, 'samples');
const samples = readdirSync(SAMPLES).filter((f) => /\.pcap(ng)?$/.test(f));

/** Feeds `bytes` in chunks of `size`; returns the frames and the final error. */
function parseInChunks(
  bytes: Uint8Array,
  size: number,
  views = false,
): { frames: CapturedPacket[]; error: PcapngDecodeError | undefined } {
  const p = new CaptureStreamParser({ views });
  const frames: CapturedPacket[] = [];
  for (let off = 0; off < bytes.length; off += size) frames.push(...p.push(bytes.subarray(off, off + size)));
  return { frames, error: p.end() };
}

test('every sample reads the same whatever the chunk size, and pcapng packets match the block reader', () => {
  assert.ok(samples.length >= 9);
  for (const name of samples) {
    const bytes = new Uint8Array(readFileSync(join(SAMPLES, name)));
    const expected = [...readPackets(bytes)].map(plainFrame);
    assert.ok(expected.length > 0, name);
    if (name.endsWith('.pcapng')) {
      // The block reader (pcapng-read.ts) is independent code: same packet bytes in the same order.
      const blocks = [...readPcapngBlocks(bytes)].flatMap((b) =>
        b.kind === 'epb' || b.kind === 'spb' ? [[...b.data]] : [],
      );
      assert.deepEqual(
        expected.map((f) => f.data),
        blocks,
        name,
      );
    }
    for (const size of [1, 7, 4096, 65536, bytes.length]) {
      for (const views of [false, true]) {
        const { frames, error } = parseInChunks(bytes, size, views);
        assert.equal(error, undefined, `${name} in chunks of ${size}`);
        assert.deepEqual(frames.map(plainFrame), expected, `${name} in chunks of ${size}, views ${views}`);
      }
    }
  }
});

test('classic pcap in both byte orders, microseconds and nanoseconds', () => {
  const frames = [
    { timestampMicros: 1_700_000_000_123_456n, data: bytesOf(30, 1) },
    { timestampMicros: 1_700_000_001_000_001n, data: bytesOf(41, 2) },
  ];
  for (const le of [true, false])
    for (const nanos of [false, true]) {
      const { frames: got, error } = parseInChunks(classicPcap(frames, { le, nanos, linkType: 1 }), 5);
      assert.equal(error, undefined);
      assert.deepEqual(
        got.map(plainFrame),
        frames.map((f) => ({ linkType: 1, ts: f.timestampMicros, data: [...f.data] })),
        `le=${le} nanos=${nanos}`,
      );
    }
});

test('pcapng: a big-endian section, then a little-endian one with two interfaces of different link types and resolutions', () => {
  const be = pcapngSection(false, [{ linkType: 101 }], [{ iface: 0, raw: 1_000_000n, data: bytesOf(20, 1) }]);
  const le = pcapngSection(
    true,
    [{ linkType: 1 }, { linkType: 113, tsresol: 9 }],
    [
      { iface: 1, raw: 2_000_000_500n, data: bytesOf(60, 2) },
      { iface: 0, raw: 3_000_000n, data: bytesOf(14, 3) },
    ],
  );
  const { frames, error } = parseInChunks(concat([be, le]), 3);
  assert.equal(error, undefined);
  assert.deepEqual(
    frames.map((f) => [f.linkType, f.timestampMicros, f.data.length, f.data[0]]),
    [
      [101, 1_000_000n, 20, 1],
      [113, 2_000_000n, 60, 2],
      [1, 3_000_000n, 14, 3],
    ],
  );
});

test('a truncated file yields the good frames before the damage, then a truncated error', () => {
  const frames = [1, 2, 3].map((i) => ({ timestampMicros: BigInt(i), data: bytesOf(40, i) }));
  const whole = classicPcap(frames);
  const { frames: got, error } = parseInChunks(whole.subarray(0, whole.length - 10), 16);
  assert.equal(got.length, 2);
  assert.equal(error?.reason, 'truncated');
  const ng = pcapngSection(
    true,
    [{ linkType: 1 }],
    frames.map((f) => ({ iface: 0, raw: f.timestampMicros, data: f.data })),
  );
  const cut = parseInChunks(ng.subarray(0, ng.length - 3), 64);
  assert.equal(cut.frames.length, 2);
  assert.equal(cut.error?.reason, 'truncated');
});

test('damage: unknown magic, an absurd record length, an undeclared interface, an empty stream', () => {
  assert.equal(parseInChunks(bytesOf(100, 0x42), 10).error?.reason, 'unknown-format');
  assert.equal(parseInChunks(new Uint8Array(0), 10).error?.reason, 'unknown-format');
  const huge = classicPcap([{ timestampMicros: 0n, data: bytesOf(4, 0) }]);
  new DataView(huge.buffer).setUint32(24 + 8, CAPTURE_LIMITS.maxPcapRecord + 1, true);
  assert.equal(parseInChunks(huge, 1000).error?.reason, 'bad-block-length');
  const ng = pcapngSection(true, [{ linkType: 1 }], [{ iface: 3, raw: 0n, data: bytesOf(4, 0) }]);
  assert.equal(parseInChunks(ng, 1000).error?.reason, 'bad-interface');
});

test('hostile bytes never throw: only frames and a recorded error come out', () => {
  const good = readFileSync(join(SAMPLES, 'lte-nsa-attach-gtpv2-diameter.pcap'));
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2000 }),
      fc.nat(good.length),
      fc.integer({ min: 1, max: 300 }),
      (junk, at, size) => {
        const mixed = concat([good.subarray(0, at), junk]);
        const { error } = parseInChunks(mixed, size);
        assert.ok(error === undefined || error instanceof PcapngDecodeError);
      },
    ),
    { numRuns: 300 },
  );
});

test('EPB comments and original lengths come through (the collector reads lix.xid= from them)', () => {
  const file = encodeStmPcapng({
    linkType: LINKTYPE.raw,
    timestampMicros: 5n,
    packet: bytesOf(28, 0x45),
    xid: 'abc',
    neId: 'ne-1',
  });
  for (const size of [3, file.length]) {
    const { frames, error } = parseInChunks(file, size);
    assert.equal(error, undefined);
    assert.deepEqual(frames[0]?.comments, ['lix.xid=abc', 'lix.ne=ne-1']);
    assert.equal(frames[0]?.originalLength, 28);
  }
  assert.deepEqual([...readPackets(file)][0]?.comments, ['lix.xid=abc', 'lix.ne=ne-1']);
});

test('views: whole records are views into the chunk pushed, records cut by a boundary are copied alone', () => {
  const packets = Array.from({ length: 50 }, (_, i) => bytesOf(100 + i, i));
  const file = classicPcap(packets.map((data, i) => ({ timestampMicros: BigInt(i), data })));
  const cut = 24 + 16 * 20 + packets.slice(0, 20).reduce((a, p) => a + p.length, 0) + 30;
  const [first, second] = [file.slice(0, cut), file.slice(cut)];
  const viewer = new CaptureStreamParser({ views: true });
  const a = viewer.push(first);
  const b = viewer.push(second);
  assert.equal(viewer.end(), undefined);
  assert.deepEqual(
    [...a, ...b].map((f) => [...f.data]),
    packets.map((p) => [...p]),
  );
  assert.ok(
    a.every((f) => f.data.buffer === first.buffer),
    'the first chunk: views, no copy',
  );
  assert.notEqual(b[0]!.data.buffer, second.buffer, 'the record across the boundary: its own bytes');
  assert.ok(
    b.slice(1).every((f) => f.data.buffer === second.buffer),
    'the rest of the second chunk: views',
  );
  const copier = new CaptureStreamParser();
  assert.ok(
    copier.push(first).every((f) => f.data.buffer !== first.buffer),
    'by default every frame is a copy',
  );
});
