import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { avp, diameter, gtpv2, probeMessage, sipText } from '../../../test/support/probe-wire.js';
import { inspect } from '../proto/inspect.js';
import { diameterSessionId, sessionHash, shardOf, sipCallId } from './shard.js';

const text = (b: Uint8Array, at: [number, number] | undefined) =>
  at === undefined ? undefined : new TextDecoder().decode(b.subarray(at[0], at[1]));

test('SIP: the Call-ID value as the inspector reads it, long or compact name, any case and spacing', () => {
  const forms = [
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'call-id:a84b4c76e66710@pc33.example.com',
    'CALL-ID \t:  a84b4c76e66710@pc33.example.com  ',
    'i: a84b4c76e66710@pc33.example.com',
    'I:a84b4c76e66710@pc33.example.com',
  ];
  const hashes = new Set<number>();
  for (const f of forms) {
    const b = sipText('OPTIONS sip:bob@example.net SIP/2.0', [
      'Via: SIP/2.0/UDP x;branch=z9hG4bK1',
      'In-Reply-To: i',
      f,
      'CSeq: 1 OPTIONS',
    ]);
    assert.equal(text(b, sipCallId(b)), 'a84b4c76e66710@pc33.example.com', f);
    const m = probeMessage('sip', b);
    assert.equal(inspect(m).sessionKeys[0], 'sip:a84b4c76e66710@pc33.example.com', 'the inspector agrees');
    hashes.add(sessionHash(m));
  }
  assert.equal(hashes.size, 1, 'every form of one Call-ID goes to one worker');
  // A header whose name only starts like Call-ID, and a body line that looks like one, are not it.
  const b = sipText('OPTIONS sip:bob@example.net SIP/2.0', ['Call-IDx: no', 'Info: i'], 'Call-ID: body');
  assert.equal(sipCallId(b), undefined);
});

test('Diameter: the top-level Session-Id, wherever it stands; a vendor AVP of code 263 is not it', () => {
  const sid = 'mme.lab;1;42';
  const b = diameter({ command: 316, request: true, app: 16777251 }, [
    avp(264, 'mme.lab'),
    avp(263, 'not-this', 10415),
    avp(263, sid),
    avp(1, '001010000000001'),
  ]);
  assert.equal(text(b, diameterSessionId(b)), sid);
  const answer = diameter({ command: 316, request: false }, [avp(263, sid), avp(268, 2001)]);
  assert.equal(
    sessionHash(probeMessage('diameter', b)),
    sessionHash(probeMessage('diameter', answer, { src: '10.0.0.2', dst: '10.0.0.1' })),
  );
  assert.equal(diameterSessionId(diameter({ command: 280, request: true }, [avp(264, 'h')])), undefined);
});

test('GTPv2-C: both directions of a peer pair go to one worker', () => {
  const req = probeMessage('gtpv2', gtpv2({ type: 32, teid: 0, seq: 7 }, []), {
    src: '10.1.0.1',
    dst: '10.1.0.2',
  });
  const res = probeMessage('gtpv2', gtpv2({ type: 33, teid: 99, seq: 7 }, []), {
    src: '10.1.0.2',
    dst: '10.1.0.1',
  });
  assert.equal(sessionHash(req), sessionHash(res));
  for (const n of [2, 3, 8]) assert.equal(shardOf(req, n), shardOf(res, n));
});

test('the scan never throws and always names a worker in range, whatever the bytes', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('sip' as const, 'diameter' as const, 'gtpv2' as const),
      fc.uint8Array({ maxLength: 300 }),
      fc.integer({ min: 1, max: 16 }),
      (protocol, payload, n) => {
        const s = shardOf(probeMessage(protocol, payload), n);
        return Number.isInteger(s) && s >= 0 && s < n;
      },
    ),
    { numRuns: 2000 },
  );
});

test('sessions spread over the workers', () => {
  const counts = [0, 0];
  for (let i = 0; i < 1000; i++) {
    const b = sipText('OPTIONS sip:bob@example.net SIP/2.0', [`Call-ID: call-${i}@10.0.0.1`]);
    counts[shardOf(probeMessage('sip', b), 2)]!++;
  }
  assert.ok(
    counts.every((c) => c > 400),
    `balanced enough: ${counts.join('/')}`,
  );
});
