// Hostile input: random bytes, random transport segments inside valid IP headers, and truncated or
// bit-flipped frames of the real sample captures. decode() must never throw and must never hit an
// unexpected exception (the 'internal' reason); the held state must stay within its bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PacketDecoder } from './decoder.js';
import type { Frame } from '../messages.js';
import { readPackets } from '../../stm/capture-read.js';
import { SHARED } from '../../../test/support/shared.js';
import { fragmentV4, frame, ipWrap, sipRequest, udp, V4, V6 } from '../../../test/support/probe-packets.js';

const LINK_TYPES = [1, 101, 113, 228, 229, 276];
const RUNS = 1000;
const SMALL = {
  maxTcpStreams: 8,
  maxReassemblies: 4,
  maxSctpPartials: 4,
  maxHeldSegments: 4,
  maxMessageBytes: 4096,
};

function assertSound(d: PacketDecoder, frames: number): void {
  assert.equal(d.counters.frames, frames);
  assert.equal(d.counters.malformedByReason.get('internal'), undefined);
  const s = d.state;
  assert.ok(s.tcpStreams <= SMALL.maxTcpStreams && s.reassemblies <= SMALL.maxReassemblies);
  assert.ok(s.sctpPartials <= SMALL.maxSctpPartials);
}

function decodeAll(frames: readonly Frame[]): PacketDecoder {
  const d = new PacketDecoder(SMALL);
  for (const f of frames) assert.ok(Array.isArray(d.decode(f)));
  assertSound(d, frames.length);
  return d;
}

test('random bytes under every link type', () => {
  const arbFrame = fc.record({
    linkType: fc.constantFrom(...LINK_TYPES),
    timestampMicros: fc.bigInt({ min: 0n, max: 1n << 50n }),
    data: fc.uint8Array({ maxLength: 200 }),
  });
  fc.assert(
    fc.property(fc.array(arbFrame, { maxLength: 20 }), (frames) => void decodeAll(frames)),
    {
      numRuns: RUNS,
    },
  );
});

test('random transport segments inside valid IPv4/IPv6 headers, fragments included', () => {
  const segment = fc.record({
    v6: fc.boolean(),
    proto: fc.constantFrom(6, 17, 132, 1),
    sport: fc.constantFrom(5060, 3868, 2123, 2152, 1234),
    l4: fc.uint8Array({ maxLength: 160 }),
    frag: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
    t: fc.bigInt({ min: 0n, max: 100_000_000n }),
  });
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 30 }), (segs) => {
      const frames = segs.map((s) => {
        const l4 = s.l4.slice();
        if (l4.length >= 2) new DataView(l4.buffer).setUint16(0, s.sport);
        const ip = ipWrap(s.v6 ? V6 : V4, s.proto, l4);
        if (s.frag !== undefined && !s.v6) new DataView(ip.buffer).setUint16(6, s.frag);
        return frame(ip, s.t);
      });
      decodeAll(frames);
    }),
    { numRuns: RUNS },
  );
});

function sampleFrames(): Frame[] {
  const dir = join(SHARED, 'samples');
  const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f));
  return files.flatMap((f) => [...readPackets(readFileSync(join(dir, f)))]);
}

test('truncations and bit flips of real sample frames', (t) => {
  let frames: Frame[];
  try {
    frames = sampleFrames();
  } catch (e) {
    t.skip(`sample captures not readable: ${(e as Error).message}`);
    return;
  }
  const made = [...fragmentV4(udp(V4, sipRequest('MESSAGE', 'x'.repeat(1200))), 256)];
  const pool = [...frames, ...made.map((p) => frame(p))];
  const mutation = fc.record({
    index: fc.nat({ max: pool.length - 1 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 6 }),
  });
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 25 }), (ms) => {
      const mutated = ms.map(({ index, cut, flips }) => {
        const f = pool[index]!;
        const data = f.data.slice(0, cut === undefined ? undefined : cut % (f.data.length + 1));
        for (const [at, bit] of flips) if (data.length > 0) data[at % data.length]! ^= 1 << bit;
        return { ...f, data };
      });
      decodeAll(mutated);
    }),
    { numRuns: RUNS },
  );
});

test('the unmutated sample frames decode without a single malformed count', (t) => {
  let frames: Frame[];
  try {
    frames = sampleFrames();
  } catch (e) {
    t.skip(`sample captures not readable: ${(e as Error).message}`);
    return;
  }
  const d = decodeAll(frames);
  assert.equal(d.counters.malformed, 0);
});
