// Hostile input for the collector API's decoders: random bytes, and bit-flipped or truncated real messages
// (Diameter ULR, GTPv2-C CSR with F-TEID, SIP) inside valid IP packets. carried() and describe() never throw,
// the binary describers throw only plain Errors for an unreadable header, and every field is text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildIpPacket } from '../../stm/packet.js';
import { captureReports } from '../../../test/support/collector-api.js';
import { carried, classifyFrame, describe } from './message.js';
import { describeDiameter } from './diameter-describe.js';
import { describeGtpv2 } from './gtpv2-describe.js';

const RUNS = 2000;
const LINK_TYPES = [1, 101, 113, 228, 229, 276];
const samples = captureReports('6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f', 1).map((r) => r);

function sound(linkType: number, frame: Uint8Array): void {
  const c = carried(linkType, frame);
  classifyFrame(linkType, frame);
  if (!c) return;
  const d = describe(c);
  assert.equal(typeof d.summary, 'string');
  if (d.detail.kind === 'fields') for (const f of d.detail.fields) assert.equal(typeof f.value, 'string');
}

test('random frames of every link type: nothing throws', () => {
  fc.assert(
    fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 600 }), (lt, b) => sound(lt, b)),
    { numRuns: RUNS },
  );
});

test('bit-flipped and cut real messages in valid IP packets: nothing throws', () => {
  const arb = fc.record({
    sample: fc.constantFrom(...samples),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 8 }),
    cut: fc.option(fc.nat()),
  });
  fc.assert(
    fc.property(arb, ({ sample, flips, cut }) => {
      const payload = Uint8Array.from(sample.payload);
      for (const [at, bit] of flips) payload[at % payload.length]! ^= 1 << bit;
      const body = cut === null ? payload : payload.subarray(0, cut % (payload.length + 1));
      for (const describeRaw of [describeDiameter, describeGtpv2])
        try {
          describeRaw(body);
        } catch (e) {
          assert.ok(e instanceof Error);
        }
      sound(101, buildIpPacket({ ...sample, payload: body }));
    }),
    { numRuns: RUNS },
  );
});
