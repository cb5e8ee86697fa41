import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { avp, diameter, fteid, gtpv2, probeMessage, sipText } from '../../../test/support/probe-wire.js';
import { inspect } from '../proto/inspect.js';
import { diameterSessionId, GtpRoutes, Sharder, sessionHash, shardOf, sipCallId } from './shard.js';

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

test('GTPv2-C by its own bytes: both directions of a peer pair go to one worker (what an unknown tunnel falls back to)', () => {
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

// An S11 interface: one MME and one SGW, every session of the MME between them.
const MME = '10.1.0.1';
const SGW = '10.1.0.2';
const S11 = { mme: 10, sgw: 11 };
const GTP = { csr: 32, csResp: 33, mbr: 34, mbResp: 35, dsr: 36, dsResp: 37, echo: 1 };

/** The messages of session `i` on S11, in order: set-up, a modification and the tear-down. */
function tunnel(i: number, opts: { rejected?: boolean } = {}) {
  const mmeTeid = 0x1000 + i;
  const sgwTeid = 0x8000 + 4 * i;
  const seq = (k: number) => 8 * i + k;
  const toSgw = { src: MME, dst: SGW };
  const toMme = { src: SGW, dst: MME };
  const csr = probeMessage(
    'gtpv2',
    gtpv2({ type: GTP.csr, teid: 0, seq: seq(0) }, [fteid(S11.mme, mmeTeid, MME)]),
    toSgw,
  );
  if (opts.rejected)
    return [csr, probeMessage('gtpv2', gtpv2({ type: GTP.csResp, teid: 0, seq: seq(0) }, []), toMme)];
  return [
    csr,
    probeMessage(
      'gtpv2',
      gtpv2({ type: GTP.csResp, teid: mmeTeid, seq: seq(0) }, [fteid(S11.sgw, sgwTeid, SGW)]),
      toMme,
    ),
    probeMessage('gtpv2', gtpv2({ type: GTP.mbr, teid: sgwTeid, seq: seq(1) }, []), toSgw),
    probeMessage('gtpv2', gtpv2({ type: GTP.mbResp, teid: mmeTeid, seq: seq(1) }, []), toMme),
    probeMessage('gtpv2', gtpv2({ type: GTP.dsr, teid: sgwTeid, seq: seq(2) }, []), toSgw),
    probeMessage('gtpv2', gtpv2({ type: GTP.dsResp, teid: mmeTeid, seq: seq(2) }, []), toMme),
  ];
}

test('GTPv2-C: the sessions of one S11 peer pair spread over the workers, each tunnel on one worker', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 8 }),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 120 }),
      fc.infiniteStream(fc.nat()),
      (workers, rejected, picks) => {
        // Interleave the sessions' messages at random, each session's in its own order.
        const queues = rejected.map((r, i) => tunnel(i, { rejected: r }));
        const sharder = new Sharder(workers);
        const shardOfMessage = new Map<object, number>();
        const pick = picks[Symbol.iterator]();
        for (let left = queues.reduce((n, q) => n + q.length, 0); left > 0; left--) {
          const open = queues.filter((q) => q.length > 0);
          const m = open[pick.next().value % open.length]!.shift()!;
          shardOfMessage.set(m, sharder.of(m));
        }
        // The invariant the workers' session tables need: messages sharing an inspector session key share a worker.
        const workerOfKey = new Map<string, number>();
        for (const [m, s] of shardOfMessage)
          for (const k of inspect(m as ReturnType<typeof probeMessage>).sessionKeys) {
            assert.equal(workerOfKey.get(k) ?? s, s, `key ${k}`);
            workerOfKey.set(k, s);
          }
        const used = new Set(shardOfMessage.values());
        return used.size >= Math.min(workers, 2);
      },
    ),
    { numRuns: 200 },
  );
  // Balance over many sessions of the one peer pair.
  const counts = [0, 0];
  const sharder = new Sharder(2);
  for (let i = 0; i < 2000; i++) for (const m of tunnel(i)) counts[sharder.of(m)]!++;
  assert.ok(
    counts.every((c) => c > 0.4 * 12_000),
    `balanced enough: ${counts.join('/')}`,
  );
});

test('GTPv2-C: a tunnel whose set-up was not seen, and an Echo, go by the peer pair, both directions alike', () => {
  const sharder = new Sharder(4);
  const pair = shardOf(probeMessage('gtpv2', new Uint8Array(0), { src: MME, dst: SGW }), 4);
  const [, , mbr, mbResp, dsr, dsResp] = tunnel(7);
  for (const m of [mbr, mbResp, dsr, dsResp]) assert.equal(sharder.of(m!), pair);
  assert.equal(sharder.gtp.counters.unknownTeid, 2, 'the first message of each endpoint was unknown');
  const echo = probeMessage('gtpv2', gtpv2({ type: GTP.echo, seq: 5 }, []), { src: SGW, dst: MME });
  assert.equal(sharder.of(echo), pair);
});

test('GTPv2-C routes are bounded: a tunnel quiet for two generations is forgotten and counted', () => {
  const routes = new GtpRoutes({ tunnelsPerGeneration: 8 });
  const first = tunnel(0);
  for (const m of first.slice(0, 2)) routes.shardOf(m, 4);
  const busy = (from: number) => {
    for (let i = from; i < from + 20; i++) for (const m of tunnel(i).slice(0, 2)) routes.shardOf(m, 4);
  };
  busy(1);
  assert.ok(routes.counters.forgotten > 0, 'older generations dropped');
  const unknown = routes.counters.unknownTeid;
  routes.shardOf(first[2]!, 4);
  assert.equal(routes.counters.unknownTeid, unknown + 1, 'the quiet tunnel was forgotten');
  // One still in use survives: its endpoints move to the current generation as they are used.
  const kept = tunnel(100);
  for (const m of kept.slice(0, 2)) routes.shardOf(m, 4);
  const before = routes.counters.unknownTeid;
  for (let i = 200; i < 260; i++) {
    for (const m of tunnel(i).slice(0, 2)) routes.shardOf(m, 4);
    if (i % 2 === 0) routes.shardOf(kept[2]!, 4);
  }
  assert.equal(routes.counters.unknownTeid, before, 'a tunnel in use is never forgotten');
});

test('GTPv2-C routing never throws and names a worker in range, whatever the bytes', () => {
  const sharder = new Sharder(3);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (payload, v2) => {
      if (v2 && payload.length > 0) payload[0] = 0x48 | (payload[0]! & 0x17);
      const s = sharder.of(probeMessage('gtpv2', payload, { src: MME, dst: SGW }));
      return Number.isInteger(s) && s >= 0 && s < 3;
    }),
    { numRuns: 3000 },
  );
});
