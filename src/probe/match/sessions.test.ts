import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  avp,
  diameter,
  fteid,
  gtpv2,
  ie,
  probeMessage,
  sipInvite,
  sipResponse,
  tbcd,
} from '../../../test/support/probe-wire.js';
import { hasTool, SHARED, skipUnless } from '../../../test/support/shared.js';
import type { TargetIdentifier } from '../../x1/model.js';
import { inspect } from '../proto/inspect.js';
import type { Inspection, ProbeMessage } from '../messages.js';
import { SessionTable, TargetIndex } from './index.js';

const T = (kind: string, value: unknown) => ({ kind, value }) as TargetIdentifier;
const IMSI = '001010123456789';
const MME = '10.0.0.1';
const SGW = '10.0.0.2';

/** Feeds messages through inspect() and match(), returning the XIDs of each. */
function feed(idx: TargetIndex, msgs: readonly ProbeMessage[]): (readonly string[])[] {
  return msgs.map((m) => idx.match(m, inspect(m)));
}
const gtp = (payload: Uint8Array, src: string, dst: string) => probeMessage('gtpv2', payload, { src, dst });

test('SIP: responses and the BYE follow the INVITE by Call-ID; the 200 to BYE ends the dialog', () => {
  const idx = new TargetIndex();
  idx.add('x', [T('sipUri', 'sip:alice@example.net')]);
  const p = { callId: 'call-1', from: '<sip:alice@example.net>', to: '<sip:bob@example.net>' };
  const unrelated = { ...p, from: '<sip:carol@example.net>', to: '<sip:dave@example.net>' };
  const sip = (b: Uint8Array) => probeMessage('sip', b);
  const out = feed(idx, [
    sip(sipInvite('sip:bob@example.net', p)),
    sip(sipResponse(180, unrelated)), // no target identity: follows by Call-ID
    sip(sipResponse(200, { ...unrelated, cseq: '2 BYE' })),
    sip(sipResponse(200, unrelated)), // after the end: nothing
  ]);
  assert.deepEqual(out, [['x'], ['x'], ['x'], []]);
  assert.equal(idx.counters.sessionHits, 2);
  assert.equal(idx.counters.sessionsEnded, 1);
  assert.equal(idx.counters.messagesMatched, 3);
  assert.equal(idx.counters.sessions, 0);
});

test('Diameter: the answer without identities follows the request by Session-Id; STA ends it', () => {
  const idx = new TargetIndex();
  idx.add('x', [T('imsi', IMSI)]);
  const dia = (command: number, request: boolean, extra: Uint8Array[] = []) =>
    probeMessage('diameter', diameter({ command, request }, [avp(263, 'mme;1'), ...extra]));
  const out = feed(idx, [dia(316, true, [avp(1, IMSI)]), dia(316, false), dia(275, false), dia(316, false)]);
  assert.deepEqual(out, [['x'], ['x'], ['x'], []]);
});

test('GTP tunnel: Create Session Request by IMSI, response by sequence/TEID, Modify Bearer by TEID, Delete ends', () => {
  const idx = new TargetIndex();
  idx.add('x', [T('imsi', IMSI)]);
  const msgs = [
    gtp(gtpv2({ type: 32, teid: 0, seq: 100 }, [ie(1, tbcd(IMSI)), fteid(10, 0x2a100, MME)]), MME, SGW),
    gtp(
      gtpv2({ type: 33, teid: 0x2a100, seq: 100 }, [ie(2, Uint8Array.of(16, 0)), fteid(11, 2, SGW)]),
      SGW,
      MME,
    ),
    gtp(gtpv2({ type: 34, teid: 2, seq: 101 }, []), MME, SGW),
    gtp(gtpv2({ type: 35, teid: 0x2a100, seq: 101 }, [ie(2, Uint8Array.of(16, 0))]), SGW, MME),
    gtp(gtpv2({ type: 36, teid: 2, seq: 102 }, []), MME, SGW),
    gtp(gtpv2({ type: 37, teid: 0x2a100, seq: 102 }, [ie(2, Uint8Array.of(16, 0))]), SGW, MME),
    gtp(gtpv2({ type: 34, teid: 2, seq: 103 }, []), MME, SGW),
  ];
  assert.deepEqual(feed(idx, msgs), [['x'], ['x'], ['x'], ['x'], ['x'], ['x'], []]);
  // Another subscriber's tunnel on the same nodes stays apart.
  const other = gtp(gtpv2({ type: 34, teid: 3, seq: 104 }, []), MME, SGW);
  assert.deepEqual(idx.match(other, inspect(other)), []);
});

test("GTP: a request of the other end that reuses a sequence number of the target's tunnel is not taken", () => {
  const idx = new TargetIndex();
  idx.add('x', [T('imsi', IMSI)]);
  const csr = gtp(
    gtpv2({ type: 32, teid: 0, seq: 200 }, [ie(1, tbcd(IMSI)), fteid(10, 0x2a100, MME)]),
    MME,
    SGW,
  );
  assert.deepEqual(idx.match(csr, inspect(csr)), ['x']);
  // The SGW numbers its own requests: its Downlink Data Notification 200 is for someone else's tunnel.
  const ddn = gtp(gtpv2({ type: 176, teid: 0x77, seq: 200 }, []), SGW, MME);
  assert.deepEqual(idx.match(ddn, inspect(ddn)), []);
});

test('GTP tunnel of the real NSA attach capture follows its IMSI (tshark extracts the datagrams)', (t) => {
  const file = join(SHARED, 'samples', 'lte-nsa-attach-gtpv2-diameter.pcap');
  const why = skipUnless(hasTool('tshark', ['-v']), 'tshark');
  if (why) return t.skip(why);
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-Y',
      'gtpv2',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'ip.src',
      '-e',
      'ip.dst',
      '-e',
      'udp.payload',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const msgs = out
    .trim()
    .split('\n')
    .map((l) => l.split('|'))
    .map(([src, dst, hex]) => gtp(Uint8Array.from(Buffer.from(hex!, 'hex')), src!, dst!));
  const idx = new TargetIndex();
  idx.add('x', [T('imsi', '222010100001140')]);
  const got = feed(idx, msgs);
  assert.equal(msgs.length, 8);
  assert.deepEqual(got, Array(8).fill(['x']), 'CSR, CSResp, 2 x MBR/MBResp, DSR, DSResp');
  assert.equal(idx.counters.sessionsEnded, 1);
});

test('a message linking two sessions merges them; remove(xid) drops the task from its sessions', () => {
  const idx = new TargetIndex();
  idx.add('a', [T('imsi', IMSI)]);
  idx.add('b', [T('e164Number', '4477')]);
  const ins = (keys: string[], identities: Inspection['identities'] = []): Inspection => ({
    identities,
    sessionKeys: keys,
    endsSession: false,
  });
  const m = probeMessage('sip', new Uint8Array(0));
  assert.deepEqual(idx.match(m, ins(['k1'], [{ kind: 'imsi', value: IMSI }])), ['a']);
  assert.deepEqual(idx.match(m, ins(['k2'], [{ kind: 'e164Number', value: '4477' }])), ['b']);
  assert.deepEqual([...idx.match(m, ins(['k1', 'k2']))].sort(), ['a', 'b']);
  assert.equal(idx.counters.sessions, 1);
  idx.remove('a');
  assert.deepEqual(idx.match(m, ins(['k1'])), ['b']);
  idx.remove('b');
  assert.deepEqual(idx.match(m, ins(['k1'])), []);
  assert.equal(idx.counters.sessions, 0);
});

test('re-adding a task with the same targets keeps its sessions; new targets drop them', () => {
  const idx = new TargetIndex();
  const m = probeMessage('sip', new Uint8Array(0));
  const first: Inspection = {
    identities: [{ kind: 'imsi', value: IMSI }],
    sessionKeys: ['k'],
    endsSession: false,
  };
  const later: Inspection = { identities: [], sessionKeys: ['k'], endsSession: false };
  idx.add('a', [T('imsi', IMSI)]);
  idx.match(m, first);
  idx.add('a', [T('supiimsi', IMSI)]);
  assert.deepEqual(idx.match(m, later), ['a'], 'supiimsi is the same IMSI target');
  idx.add('a', [T('imsi', '001010000000009')]);
  assert.deepEqual(idx.match(m, later), []);
});

test('SessionTable: idle expiry on the injected clock, size limit with counted evictions, key limit', () => {
  let now = 0;
  const table = new SessionTable({ idleMs: 1000, maxSessions: 2, maxKeysPerSession: 3, now: () => now });
  const ins = (...keys: string[]): Inspection => ({ identities: [], sessionKeys: keys, endsSession: false });
  table.track(ins('a'), ['x']);
  now = 500;
  table.track(ins('b'), ['y']);
  now = 1200; // 'a' idle 1200 ms > 1000: expired; 'b' idle 700 ms: kept
  assert.deepEqual(table.track(ins('a'), []), []);
  assert.deepEqual(table.track(ins('b'), []), ['y']);
  assert.equal(table.counters.expired, 1);
  table.track(ins('c'), ['z']);
  table.track(ins('d'), ['w']); // third session: the least recently seen ('b') goes
  assert.equal(table.counters.evictions, 1);
  assert.equal(table.size, 2);
  assert.ok(!table.hasKey('b') && table.hasKey('c') && table.hasKey('d'));
  table.track(ins('c', 'c2', 'c3'), []);
  table.track(ins('c', 'c4'), []); // 4 keys > 3: the least recently seen ('c2') goes, 'c' was seen again
  assert.ok(table.hasKey('c') && !table.hasKey('c2') && table.hasKey('c3') && table.hasKey('c4'));
});

/**
 * The session table's reference: the same rules written the plain way (arrays scanned, sorted by recency), for
 * the property test below. Sessions in recency order (least recently seen first); each key with the number of
 * the last message key that named it.
 */
class ModelTable {
  sessions: { keys: Map<string, number>; xids: string[]; lastSeen: number }[] = [];
  /** The same counters, all zero to start with (their names from the table's own). */
  counters = { ...new SessionTable().counters };
  tick = 0;
  constructor(
    readonly idleMs: number,
    readonly maxSessions: number,
    readonly maxKeys: number,
  ) {}

  track(ins: Inspection, own: readonly string[], now: number): string[] {
    while (this.sessions.length > 0 && now - this.sessions[0]!.lastSeen > this.idleMs) {
      this.sessions.shift();
      this.counters.expired++;
    }
    const found: ModelTable['sessions'] = [];
    for (const k of ins.sessionKeys) {
      const f = this.sessions.find((x) => x.keys.has(k));
      if (f && !found.includes(f)) found.push(f);
    }
    if (found.length === 0 && (own.length === 0 || ins.sessionKeys.length === 0)) {
      if (own.length > 0) this.counters.messagesMatched++;
      return [...own];
    }
    if (found.length > 0) this.counters.sessionHits++;
    let s = found[0];
    if (s === undefined) {
      s = { keys: new Map(), xids: [], lastSeen: 0 };
      this.sessions.push(s);
      this.counters.sessionsCreated++;
    } else {
      for (const f of found) if (f.keys.size > s.keys.size) s = f;
      for (const f of found) {
        if (f === s) continue;
        for (const x of f.xids) if (!s.xids.includes(x)) s.xids.push(x);
        for (const [k, t] of f.keys) this.key(s, k, t);
        this.sessions.splice(this.sessions.indexOf(f), 1);
      }
    }
    for (const x of own) if (!s.xids.includes(x)) s.xids.push(x);
    for (const k of ins.sessionKeys) this.key(s, k, ++this.tick);
    s.lastSeen = now;
    this.sessions.splice(this.sessions.indexOf(s), 1);
    this.sessions.push(s);
    const xids = [...s.xids];
    if (xids.length > 0) this.counters.messagesMatched++;
    if (ins.endsSession) {
      this.sessions.pop();
      this.counters.sessionsEnded++;
    }
    while (this.sessions.length > this.maxSessions) {
      this.sessions.shift();
      this.counters.evictions++;
    }
    return xids;
  }

  key(s: ModelTable['sessions'][number], k: string, t: number): void {
    s.keys.set(k, t);
    if (s.keys.size <= this.maxKeys) return;
    const [oldest] = [...s.keys].sort((a, b) => a[1] - b[1])[0]!;
    s.keys.delete(oldest);
  }

  remove(xid: string): void {
    for (const s of [...this.sessions]) {
      if (!s.xids.includes(xid)) continue;
      s.xids = s.xids.filter((x) => x !== xid);
      if (s.xids.length === 0) this.sessions.splice(this.sessions.indexOf(s), 1);
    }
  }
}

test('SessionTable against its reference under random interleavings: same XIDs, keys, sizes and counters', () => {
  const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
  const XIDS = ['x0', 'x1', 'x2'];
  const op = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        t: fc.constant('track' as const),
        keys: fc
          .subarray(KEYS, { maxLength: 4 })
          .chain((ks) => fc.shuffledSubarray(ks, { minLength: ks.length })),
        own: fc.subarray(XIDS, { maxLength: 2 }),
        ends: fc.boolean(),
        advance: fc.constantFrom(0, 0, 1, 40, 120),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('remove' as const), xid: fc.constantFrom(...XIDS) }) },
  );
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 80 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      (ops, maxSessions, maxKeys) => {
        let now = 0;
        const idleMs = 100;
        const table = new SessionTable({ idleMs, maxSessions, maxKeysPerSession: maxKeys, now: () => now });
        const model = new ModelTable(idleMs, maxSessions, maxKeys);
        for (const [i, o] of ops.entries()) {
          if (o.t === 'remove') {
            table.remove(o.xid);
            model.remove(o.xid);
          } else {
            now += o.advance;
            const ins: Inspection = { identities: [], sessionKeys: o.keys, endsSession: o.ends };
            assert.deepEqual([...table.track(ins, o.own)], model.track(ins, o.own, now), `op ${i}: XIDs`);
          }
          assert.equal(table.size, model.sessions.length, `op ${i}: sessions`);
          for (const k of KEYS)
            assert.equal(
              table.hasKey(k),
              model.sessions.some((s) => s.keys.has(k)),
              `op ${i}: key ${k}`,
            );
          assert.deepEqual(table.counters, model.counters, `op ${i}: counters`);
        }
      },
    ),
    { numRuns: 1500 },
  );
});
