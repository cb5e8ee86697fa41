// The probe on worker threads against the probe in one thread, both delivering over real EEP/TCP to consumers on
// loopback: the same reports exactly once, each session's messages in the order fed, the same counters; task
// changes in force from the next frame; malformed messages counted by the workers without harm; a stalled
// destination and full hand-off queues counted as drops and raised as faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../lib/logger.js';
import { systemClock } from '../../lib/clock.js';
import { buildIpPacket } from '../../stm/packet.js';
import { LINKTYPE } from '../../stm/pcapng-tables.js';
import { stmSenders } from '../../transport/stm-sender.js';
import type { DestinationDeliveryStatus, TaskDetails } from '../../x1/model.js';
import { destination, task, uuid } from '../../../test/support/x1-builders.js';
import {
  startEepConsumer,
  type ConsumedReport,
  type EepConsumer,
} from '../../../test/support/eep-consumer.js';
import { until as untilNamed } from '../../../test/support/admf-helpers.js';
import { Probe, EEP_PROTOCOL_TYPE_OF, type ProbeHost, type ProbeOptions } from '../probe.js';
import { POOL_DEFAULTS } from './pool.js';
import { inspect } from '../proto/inspect.js';
import { labSubscriber } from '../sources/population.js';
import { generate } from '../sources/synthetic.js';
import type { AppProtocol, Frame } from '../messages.js';

const until = (cond: () => boolean, ms: number) => untilNamed(cond.toString(), cond, ms);

function recordingHost() {
  const events: string[] = [];
  const status = new Map<string, DestinationDeliveryStatus>();
  const bytes = new Map<string, number>();
  const host: ProbeHost = {
    store: {
      addInterceptCounters: (u) => {
        for (const { xid, x2Bytes } of u) bytes.set(xid, (bytes.get(xid) ?? 0) + x2Bytes);
      },
      setDestinationDeliveryStatus: (did, s) => {
        status.set(did, s);
        return true;
      },
    },
    issues: {
      warn: (scope, text) => events.push(`warn ${scope.kind} ${text}`),
      fault: (scope, f) => events.push(`fault ${scope.kind} ${f.errorDescription}`),
      clear: (scope, _code, text) => events.push(`clear ${scope.kind} ${text}`),
    },
  };
  return { host, events, status, bytes };
}

const ascii = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const PROTOCOL_OF_TYPE = new Map(Object.entries(EEP_PROTOCOL_TYPE_OF).map(([p, t]) => [t, p as AppProtocol]));

function udpFrame(payload: Uint8Array, dstPort = 5060): Frame {
  const data = buildIpPacket({
    ipProtocol: 17,
    srcAddress: '10.0.0.1',
    dstAddress: '10.0.0.2',
    srcPort: 5060,
    dstPort,
    payload,
  });
  return { linkType: LINKTYPE.raw, timestampMicros: 1_700_000_000_000_000n, data };
}

function sipMessage(from: string, callId: string, body = ''): Frame {
  return udpFrame(
    ascii(
      `MESSAGE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK${callId}\r\n` +
        `From: <${from}>;tag=1\r\nTo: <sip:bob@example.net>\r\nCall-ID: ${callId}\r\nCSeq: 1 MESSAGE\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}`,
    ),
  );
}

const ALICE = 'sip:alice@example.net';

async function probeWith(consumer: EepConsumer, over: Partial<ProbeOptions> = {}) {
  const rec = recordingHost();
  const probe = new Probe({
    neId: 'ne-1',
    logger: silentLogger,
    clock: systemClock,
    senders: stmSenders(),
    ...over,
  });
  probe.attach(rec.host);
  const did = uuid();
  await probe.applyDestination(destination(did, { deliveryAddress: { kind: 'uri', value: consumer.uri } }));
  return { probe, did, ...rec };
}

/** Feeds frames, letting the event loop turn every 200 (as a source does). */
async function feed(probe: Probe, frames: readonly Frame[]): Promise<void> {
  for (let i = 0; i < frames.length; i++) {
    probe.feed(frames[i]!);
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
}

/** The inspector's view of a delivered report. */
function inspected(r: ConsumedReport) {
  const protocol = PROTOCOL_OF_TYPE.get(r.protocolType ?? -1);
  assert.ok(protocol, `known protocol type ${r.protocolType}`);
  return inspect({
    protocol,
    payload: r.payload,
    srcAddress: r.srcAddress ?? '',
    dstAddress: r.dstAddress ?? '',
    srcPort: 0,
    dstPort: 0,
    ipVersion: 4 as const,
    ipProtocol: 17,
    timestampMicros: 0n,
  });
}

/**
 * The session of each report: its Call-ID or Session-Id key; GTPv2-C, whose messages name different keys (the
 * receiver's TEID, the sequence, the sender's F-TEID), by the keys' connected groups over all the reports.
 */
function sessionsOf(reports: readonly ConsumedReport[]): string[] {
  const parent = new Map<string, string>();
  const root = (k: string): string => {
    const p = parent.get(k) ?? k;
    if (p === k) return k;
    const r = root(p);
    parent.set(k, r);
    return r;
  };
  const keys = reports.map((r) => inspected(r).sessionKeys);
  for (const ks of keys) for (const k of ks.slice(1)) parent.set(root(k), root(ks[0]!));
  return keys.map((ks) => root(ks[0]!));
}

/** Per XID and session, the payloads in arrival order. */
function bySession(reports: readonly ConsumedReport[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const sessions = sessionsOf(reports);
  reports.forEach((r, i) => {
    const k = `${r.xid} ${sessions[i]}`;
    const list = out.get(k);
    if (list) list.push(hex(r.payload));
    else out.set(k, [hex(r.payload)]);
  });
  return out;
}

function labTasks(did: string, n: number): TaskDetails[] {
  return Array.from({ length: n }, (_, i) =>
    task(uuid(), [did], {
      targetIdentifiers: [
        i % 2 === 0
          ? { kind: 'imsi', value: labSubscriber(i).imsi }
          : { kind: 'sipUri', value: labSubscriber(i).sipUri },
      ],
    }),
  );
}

test('two workers deliver what one thread delivers: exactly once, each session in order, the same counters', async () => {
  const frames = generate(6000, { subscribers: 40, seed: 11 });
  const runs = [];
  for (const workers of [1, 2]) {
    const consumer = await startEepConsumer();
    const p = await probeWith(consumer, { workers });
    // The same XIDs in both runs, so that the reports compare.
    const tasks = labTasks(p.did, 40).map((t, i) => ({
      ...t,
      xId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    }));
    for (const t of tasks) await p.probe.applyTask(t);
    await feed(p.probe, frames);
    await p.probe.settled();
    const counters = { ...p.probe.counters };
    const gtp = p.probe.gtpRoutes;
    await until(() => consumer.reports.length >= counters.reports, 20_000);
    await p.probe.close();
    runs.push({ counters, consumer, bytes: p.bytes, workers: p.probe.workers, gtp });
    await consumer.close();
  }
  const [one, two] = runs as [(typeof runs)[0], (typeof runs)[0]];
  assert.equal(two.workers, 2);
  assert.equal(one.gtp, undefined, 'no GTP-C routes without workers');
  assert.ok(two.gtp && two.gtp.learned > 0, `GTP-C routes learned: ${JSON.stringify(two.gtp)}`);
  assert.equal(two.gtp.unknownTeid, 0, 'every tunnel of the capture was seen set up');
  assert.equal(two.gtp.forgotten, 0);
  assert.ok(one.counters.reports > 2000, `most messages matched (${one.counters.reports} reports)`);
  for (const k of ['messages', 'malformed', 'matched', 'reports', 'noDestination', 'internalErrors'] as const)
    assert.equal(two.counters[k], one.counters[k], `counter ${k}`);
  assert.equal(two.counters.queueFull, 0);
  assert.equal(two.consumer.reports.length, one.consumer.reports.length, 'nothing lost, nothing twice');
  assert.equal(two.consumer.connections(), 2, 'one connection per worker');
  for (const c of [0, 1])
    for (const protocol of ['sip', 'diameter', 'gtpv2'] as const)
      assert.ok(
        two.consumer.reports.some(
          (r) => r.connection === c && r.protocolType === EEP_PROTOCOL_TYPE_OF[protocol],
        ),
        `worker ${c} delivered some ${protocol} (GTP-C tunnels of one peer pair spread too)`,
      );
  assert.deepEqual(bySession(two.consumer.reports), bySession(one.consumer.reports));
  assert.deepEqual(two.bytes, one.bytes, 'TaskStatus X2 bytes per task');
});

test('with workers, a task change is in force from the next frame fed, as in one thread', async () => {
  const consumer = await startEepConsumer();
  const p = await probeWith(consumer, { workers: 2 });
  const t = task(uuid(), [p.did], { targetIdentifiers: [{ kind: 'sipUri', value: ALICE }] });
  const frames = Array.from({ length: 400 }, (_, i) => sipMessage(ALICE, `c${i}`));
  // No turn of the event loop between the frames and the changes: they race as X1 and capture would.
  for (let i = 0; i < 400; i++) {
    if (i === 100 || i === 300) await p.probe.applyTask(t);
    if (i === 200) {
      await p.probe.removeTask(t.xId);
      // Answered once the workers removed it, after the 100 messages fed while it was active.
      assert.equal(p.probe.counters.reports, 100);
    }
    p.probe.feed(frames[i]!);
  }
  await p.probe.settled();
  await until(() => consumer.reports.length >= 200, 10_000);
  await p.probe.close();
  const got = consumer.reports.map((r) => /Call-ID: (c\d+)/.exec(new TextDecoder().decode(r.payload))![1]);
  const want = [
    ...Array.from({ length: 100 }, (_, i) => `c${100 + i}`),
    ...Array.from({ length: 100 }, (_, i) => `c${300 + i}`),
  ];
  assert.deepEqual(new Set(got), new Set(want));
  assert.equal(got.length, 200);
  await consumer.close();
});

test('malformed messages are counted by the workers, which go on delivering', async () => {
  const consumer = await startEepConsumer();
  const p = await probeWith(consumer, { workers: 2 });
  await p.probe.applyTask(task(uuid(), [p.did], { targetIdentifiers: [{ kind: 'sipUri', value: ALICE }] }));
  const bad = [
    // A request line but no Call-ID and no end of headers.
    udpFrame(ascii(`INVITE ${ALICE} SIP/2.0\r\nFrom: <${ALICE}>\r\n`)),
    // GTPv2-C whose header fits but whose IE runs past the message.
    udpFrame(new Uint8Array([0x48, 0x20, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 1, 0, 0x01, 0x00, 0x40, 0x00]), 2123),
    // A status line then garbage bytes.
    udpFrame(new Uint8Array([...ascii('SIP/2.0 200 OK\r\nCall-ID: x\r\n'), 0xff, 0x00, 0xfe])),
  ];
  const frames: Frame[] = [];
  for (let i = 0; i < 300; i++) frames.push(sipMessage(ALICE, `ok${i}`), bad[i % bad.length]!);
  await feed(p.probe, frames);
  await p.probe.settled();
  await until(() => consumer.reports.length >= 300, 10_000);
  const c = p.probe.counters;
  assert.equal(c.messages, 600);
  assert.equal(c.malformed, 300);
  assert.equal(c.internalErrors, 0);
  assert.equal(c.workerRestarts, 0);
  assert.equal(c.reports, 300);
  await p.probe.close();
  assert.equal(consumer.reports.length, 300);
  await consumer.close();
});

test('a stalled destination: reports past the queue are dropped, counted and raised; resuming clears the fault', async (t) => {
  const consumer = await startEepConsumer();
  consumer.stall();
  const p = await probeWith(consumer, {
    workers: 2,
    senders: stmSenders({ queueLimit: 50 }),
    counterFlushMs: 50,
  });
  // Closed also when an assertion fails: an open probe would keep the file from ending.
  t.after(async () => {
    await p.probe.close();
    await consumer.close();
  });
  p.probe.start();
  await p.probe.applyTask(task(uuid(), [p.did], { targetIdentifiers: [{ kind: 'sipUri', value: ALICE }] }));
  const body = 'x'.repeat(3000);
  await feed(
    p.probe,
    Array.from({ length: 12_000 }, (_, i) => sipMessage(ALICE, `s${i}`, body)),
  );
  await p.probe.settled();
  const [d] = p.probe.destinations();
  assert.ok(d, 'the destination');
  assert.ok(d.dropped > 0, `dropped ${d.dropped}`);
  assert.equal(
    d.sent + d.dropped + d.queued,
    p.probe.counters.reports,
    'every report sent, queued or dropped',
  );
  await until(() => p.status.get(p.did) === 'deliveryFault', 5_000);
  assert.ok(
    p.events.some((e) => /^fault destination .*consumer too slow/.test(e)),
    p.events.join('\n'),
  );
  consumer.resume();
  await until(() => p.status.get(p.did) === 'activeAndWorking', 10_000);
  assert.ok(p.events.some((e) => e.startsWith('clear destination')));
  // Reports still queued at the fault's end are sent after it: every report the NE counts as sent arrives, and
  // the queue empties (the counters come with the workers' stats, every 50 ms here).
  await until(() => {
    const d = p.probe.destinations()[0]!;
    return d.queued === 0 && consumer.reports.length === d.sent;
  }, 10_000);
});

test('full hand-off queues: messages dropped, counted by reason and raised as the NE capture fault', async () => {
  const consumer = await startEepConsumer();
  const p = await probeWith(consumer, { workers: 2, workerQueueLimit: 100, counterFlushMs: 50 });
  p.probe.start();
  await p.probe.applyTask(task(uuid(), [p.did], { targetIdentifiers: [{ kind: 'sipUri', value: ALICE }] }));
  // Fed without a turn of the event loop: nothing is handed over before the next turn, so the queues fill.
  for (let i = 0; i < 3000; i++) p.probe.feed(sipMessage(ALICE, `q${i}`));
  await p.probe.settled();
  const c = p.probe.counters;
  assert.ok(c.queueFull >= 3000 - 2 * 100, `queueFull ${c.queueFull}`);
  assert.equal(c.messages + c.queueFull, 3000, 'each message processed or counted as dropped');
  await until(() => p.events.some((e) => e.startsWith('fault ne')), 5_000);
  await until(() => consumer.reports.length === c.reports, 5_000);
  await p.probe.close();
  await consumer.close();
});

test('a source waiting for busy workers is woken when they catch up, not by the time-out', async () => {
  const consumer = await startEepConsumer();
  // Half the queue is 150: 290 messages of one session put one worker over it. They stay packed until busy()
  // hands them over (a batch goes at 512 messages or the next turn).
  const p = await probeWith(consumer, { workers: 2, workerQueueLimit: 300 });
  p.probe.start();
  await p.probe.applyTask(task(uuid(), [p.did], { targetIdentifiers: [{ kind: 'sipUri', value: ALICE }] }));
  const busy = p.probe.sourceEvents().busy!;
  try {
    // busy() can find the worker caught up already when this thread lost the CPU between handing the batch over
    // and looking (a loaded machine): such a round proves nothing and is repeated.
    let round = 0;
    let waited = 0;
    for (; waited < 3 && round < 20; round++) {
      for (let i = 0; i < 290; i++) p.probe.feed(sipMessage(ALICE, `w${round}`));
      const wait = busy();
      if (wait === undefined) {
        assert.ok(Math.max(...p.probe.workerQueues()) <= 150, `round ${round}: not busy, so caught up`);
        await p.probe.settled();
        continue;
      }
      waited++;
      // The time-out is 3 s; 290 messages take a worker milliseconds.
      const outcome = await Promise.race([
        wait.then(() => 'woken'),
        new Promise((r) => setTimeout(() => r('timed out'), POOL_DEFAULTS.busyMaxWaitMs - 500)),
      ]);
      assert.equal(outcome, 'woken', `round ${round}`);
      assert.ok(
        Math.max(...p.probe.workerQueues()) <= 150,
        `round ${round}: caught up (${p.probe.workerQueues().join(', ')})`,
      );
      // Emptied before the next round, which must not overflow the queue.
      await p.probe.settled();
    }
    await p.probe.settled();
    assert.equal(p.probe.counters.queueFull, 0);
    assert.equal(waited, 3, `rounds that waited, of ${round}`);
    assert.equal(p.probe.counters.messages, round * 290);
  } finally {
    await p.probe.close();
    await consumer.close();
  }
});
