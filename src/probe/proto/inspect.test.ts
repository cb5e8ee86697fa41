import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  avp,
  diameter,
  fteid,
  group,
  gtpv2,
  ie,
  probeMessage,
  sipInvite,
  tbcd,
} from '../../../test/support/probe-wire.js';
import type { AppProtocol, ProbeMessage } from '../messages.js';
import { inspect, ProbeProtocolError } from './inspect.js';

const seeds: Record<AppProtocol, Uint8Array> = {
  sip: sipInvite(
    'sip:+447700900123@ims.example.net;user=phone',
    { callId: 'c1', from: '<sip:alice@example.net>', to: '<tel:+1-201>' },
    ['P-Asserted-Identity: <sip:a@b>, <tel:+12>', 'Contact: <sip:x@[2001:db8::1]:5060>'],
  ),
  diameter: diameter({ command: 272, request: true }, [
    avp(263, 's;1'),
    avp(1, 'u@r'),
    group(443, [avp(450, 0), avp(444, '447700')]),
    group(1400, [avp(701, tbcd('4477'), 10415)], 10415),
  ]),
  gtpv2: gtpv2({ type: 32, teid: 5, seq: 9 }, [
    ie(1, tbcd('001010123456789')),
    ie(75, tbcd('3534900212345601')),
    fteid(10, 7, '10.0.0.1'),
    ie(2, Uint8Array.of(16, 0)),
  ]),
};

/** Runs inspect and fails the property if anything but a ProbeProtocolError escapes. */
function onlyTypedErrors(m: ProbeMessage): boolean {
  try {
    const ins = inspect(m);
    return Array.isArray(ins.identities) && Array.isArray(ins.sessionKeys);
  } catch (e) {
    if (e instanceof ProbeProtocolError) return true;
    throw e;
  }
}

const protocols = fc.constantFrom<AppProtocol>('sip', 'diameter', 'gtpv2');

test('the seeds inspect cleanly', () => {
  for (const p of ['sip', 'diameter', 'gtpv2'] as const)
    assert.ok(inspect(probeMessage(p, seeds[p])).identities.length > 0, p);
});

test('random bytes give an inspection or a ProbeProtocolError, nothing else', () => {
  fc.assert(
    fc.property(protocols, fc.uint8Array({ maxLength: 400 }), (p, bytes) =>
      onlyTypedErrors(probeMessage(p, bytes)),
    ),
    { numRuns: 3000 },
  );
});

test('mutated real messages (flipped, cut, extended) give an inspection or a ProbeProtocolError', () => {
  const mutation = fc.record({
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
    flips: fc.integer({ min: 1, max: 6 }),
    cut: fc.nat(),
    extra: fc.uint8Array({ maxLength: 16 }),
  });
  fc.assert(
    fc.property(protocols, mutation, (p, m) => {
      const b = Uint8Array.from(seeds[p]);
      for (let i = 0; i < m.flips; i++) b[(m.at + i * 7) % b.length] = (m.value + i * 31) & 255;
      const cut = b.subarray(0, b.length - (m.cut % 8));
      return onlyTypedErrors(probeMessage(p, Uint8Array.from([...cut, ...m.extra])));
    }),
    { numRuns: 5000 },
  );
});

test('an unknown protocol is a ProbeProtocolError', () => {
  const m = { ...probeMessage('sip', seeds.sip), protocol: 'h248' as AppProtocol };
  assert.throws(
    () => inspect(m),
    (e: unknown) => e instanceof ProbeProtocolError && e.kind === 'protocol',
  );
});
