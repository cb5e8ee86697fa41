import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { silentLogger } from '../lib/logger.js';
import { buildIpPacket } from '../stm/packet.js';
import { LINKTYPE } from '../stm/pcapng-tables.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { fakeSenders } from '../../test/support/fake-senders.js';
import { destination, task, uuid } from '../../test/support/x1-builders.js';
import type { DestinationDeliveryStatus } from '../x1/model.js';
import { stmSenders } from '../transport/stm-sender.js';
import { DELIVERY_TIMERS } from './delivery.js';
import { Probe, type ProbeHost } from './probe.js';
import { createSource, parseSourceSpec } from './sources/source.js';
import type { Frame } from './messages.js';

/** A host that records what the probe tells the NE. */
function recordingHost() {
  const events: string[] = [];
  const status = new Map<string, DestinationDeliveryStatus>();
  const counters: { xid: string; x2Bytes: number }[] = [];
  const host: ProbeHost = {
    store: {
      addInterceptCounters: (u) => counters.push(...u.map(({ xid, x2Bytes }) => ({ xid, x2Bytes }))),
      setDestinationDeliveryStatus: (did, s) => {
        status.set(did, s);
        return true;
      },
    },
    issues: {
      warn: (scope, text) => events.push(`warn ${scope.kind} ${text}`),
      fault: (scope, f) => events.push(`fault ${scope.kind} ${f.errorCode} ${f.errorDescription}`),
      clear: (scope, code) => events.push(`clear ${scope.kind} ${code}`),
    },
  };
  return { host, events, status, counters };
}

const ascii = (s: string) => new TextEncoder().encode(s);

function sipFrame(from: string, callId: string): Frame {
  const text =
    `MESSAGE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK${callId}\r\n` +
    `From: <${from}>;tag=1\r\nTo: <sip:bob@example.net>\r\nCall-ID: ${callId}\r\nCSeq: 1 MESSAGE\r\n` +
    `Content-Length: 0\r\n\r\n`;
  const data = buildIpPacket({
    ipProtocol: 17,
    srcAddress: '10.0.0.1',
    dstAddress: '10.0.0.2',
    srcPort: 5060,
    dstPort: 5060,
    payload: ascii(text),
  });
  return { linkType: LINKTYPE.raw, timestampMicros: 1_700_000_000_000_000n, data };
}

test('a stream destination down for the fault delay becomes deliveryFault and is reported; reaching it clears both', async () => {
  const clock = new FakeClock();
  const rec = recordingHost();
  const senders = fakeSenders();
  const probe = new Probe({
    neId: 'ne-1',
    logger: silentLogger,
    clock,
    counterFlushMs: 1000,
    senders: senders.factory,
  });
  probe.attach(rec.host);
  const did = uuid();
  const uri = 'eep+tcp://127.0.0.1:9061';
  await probe.applyDestination(destination(did, { deliveryAddress: { kind: 'uri', value: uri } }));
  const sender = senders.last(uri);
  sender.state = 'down';
  probe.start();
  try {
    await clock.advance(DELIVERY_TIMERS.downFaultMs - 1000);
    assert.notEqual(rec.status.get(did), 'deliveryFault', 'not before the fault delay');
    await clock.advance(2000);
    assert.equal(rec.status.get(did), 'deliveryFault');
    assert.equal(
      rec.events.filter((e) => e.startsWith('fault destination 9020')).length,
      1,
      rec.events.join('\n'),
    );
    await clock.advance(5000);
    assert.equal(rec.events.filter((e) => e.startsWith('fault')).length, 1, 'reported once');
    sender.state = 'up';
    await clock.advance(1000);
    assert.equal(rec.status.get(did), 'activeAndWorking');
    assert.ok(rec.events.includes('clear destination 9020'), rec.events.join('\n'));
  } finally {
    await probe.close();
  }
  assert.ok(sender.closed, 'close() closes every sender');
});

test('delivery: X2 tasks deliver and count once per message; X3Only delivers nothing; an unknown DID is counted', async () => {
  const clock = new FakeClock();
  const rec = recordingHost();
  const senders = fakeSenders();
  const probe = new Probe({ neId: 'ne-1', logger: silentLogger, clock, senders: senders.factory });
  probe.attach(rec.host);
  const did = uuid();
  const uri = 'eep+udp://127.0.0.1:9060';
  await probe.applyDestination(destination(did, { deliveryAddress: { kind: 'uri', value: uri } }));
  const [x2, x3, lost] = [uuid(), uuid(), uuid()];
  const target = [{ kind: 'sipUri' as const, value: 'sip:alice@example.net' }];
  await probe.applyTask(task(x2, [did, did], { targetIdentifiers: target }));
  await probe.applyTask(task(x3, [did], { targetIdentifiers: target, deliveryType: 'X3Only' }));
  await probe.applyTask(task(lost, [uuid()], { targetIdentifiers: target }));
  const frame = sipFrame('sip:alice@example.net', 'c1');
  probe.feed(frame);
  probe.feed(sipFrame('sip:carol@example.net', 'c2'));
  assert.equal(probe.counters.messages, 2);
  assert.equal(probe.counters.matched, 1);
  assert.equal(probe.counters.reports, 2, 'two destinations of the X2 task, none for X3Only');
  const sent = senders.last(uri).reports;
  assert.deepEqual(
    sent.map((r) => [r.xid, r.neId, r.srcAddress, r.dstPort, r.ipProtocol]),
    [
      [x2, 'ne-1', '10.0.0.1', 5060, 17],
      [x2, 'ne-1', '10.0.0.1', 5060, 17],
    ],
  );
  assert.equal(new TextDecoder().decode(sent[0]!.payload.subarray(0, 7)), 'MESSAGE');
  assert.equal(probe.counters.noDestination, 1);
  probe.flushCounters();
  const payload = frame.data.length - 28;
  assert.deepEqual(
    rec.counters.sort((a, b) => a.xid.localeCompare(b.xid)),
    [
      { xid: x2, x2Bytes: payload },
      { xid: lost, x2Bytes: payload },
    ].sort((a, b) => a.xid.localeCompare(b.xid)),
  );
  await probe.removeTask(x2);
  probe.feed(sipFrame('sip:alice@example.net', 'c3'));
  assert.equal(probe.counters.reports, 2, 'deactivation takes effect at once');
  await probe.close();
});

test('a source that cannot start is an NE fault for the ADMF', async () => {
  const rec = recordingHost();
  const source = createSource(parseSourceSpec('pcap:/nonexistent/lix-missing.pcap'), {
    logger: silentLogger,
  });
  const probe = new Probe({
    neId: 'ne-1',
    logger: silentLogger,
    clock: new FakeClock(),
    source,
    senders: fakeSenders().factory,
  });
  probe.attach(rec.host);
  probe.start();
  await probe.sourceEnded();
  assert.equal(rec.events.length, 1);
  assert.match(
    rec.events[0]!,
    /^fault ne 9020 packet source pcap:\/nonexistent\/lix-missing\.pcap .* failed/,
  );
  await probe.close();
});

test('checkTask refuses kinds the index cannot match, with the reason', () => {
  const probe = new Probe({
    neId: 'ne-1',
    logger: silentLogger,
    clock: new FakeClock(),
    senders: fakeSenders().factory,
  });
  const refusal = probe.checkTask(task(uuid(), [], { targetIdentifiers: [{ kind: 'imsi', value: '12' }] }));
  assert.equal(refusal?.kind, 'TargetTypeUnsupported');
  assert.equal(
    probe.checkTask(task(uuid(), [], { targetIdentifiers: [{ kind: 'imsi', value: '001010000000001' }] })),
    undefined,
  );
  assert.equal(
    probe.checkTask(
      task(uuid(), [], { targetIdentifiers: [{ kind: 'macAddress', value: '00:11:22:33:44:55' }] }),
    )?.kind,
    'TargetTypeUnsupported',
  );
});

test('a destination whose sends fail (UDP: ICMP unreachable) faults; it clears only once reports go out without error', async () => {
  const clock = new FakeClock();
  const rec = recordingHost();
  const senders = fakeSenders();
  const probe = new Probe({
    neId: 'ne-1',
    logger: silentLogger,
    clock,
    counterFlushMs: 1000,
    senders: senders.factory,
  });
  probe.attach(rec.host);
  const did = uuid();
  const xid = uuid();
  const uri = 'eep+udp://127.0.0.1:9060';
  await probe.applyDestination(destination(did, { deliveryAddress: { kind: 'uri', value: uri } }));
  await probe.applyTask(
    task(xid, [did], { targetIdentifiers: [{ kind: 'sipUri', value: 'sip:alice@example.net' }] }),
  );
  const sender = senders.last(uri);
  sender.failing = true;
  probe.start();
  try {
    probe.feed(sipFrame('sip:alice@example.net', 'f1'));
    await clock.advance(1000);
    assert.equal(rec.status.get(did), 'deliveryFault');
    sender.failing = false;
    await clock.advance(1000);
    await clock.advance(1000);
    assert.equal(rec.status.get(did), 'deliveryFault', 'no traffic, no proof of recovery: the fault stays');
    probe.feed(sipFrame('sip:alice@example.net', 'r1'));
    await clock.advance(1000);
    assert.equal(rec.status.get(did), 'activeAndWorking');
    assert.deepEqual(
      rec.events.map((e) => e.split(' ').slice(0, 3).join(' ')),
      ['fault destination 9020', 'clear destination 9020'],
    );
  } finally {
    await probe.close();
  }
});

test('eep+tls without the NE’s TLS material is refused at check; if applied anyway it is a destination fault, not a rejection', async () => {
  const rec = recordingHost();
  const probe = new Probe({
    neId: 'ne-1',
    logger: silentLogger,
    clock: new FakeClock(),
    senders: stmSenders(),
  });
  probe.attach(rec.host);
  const did = uuid();
  const d = destination(did, { deliveryAddress: { kind: 'uri', value: 'eep+tls://127.0.0.1:9061' } });
  const refusal = probe.checkDestination(d);
  assert.equal(refusal?.kind, 'DeliveryAddressUnusable');
  assert.match(refusal!.reason, /TLS material/);
  await probe.applyDestination(d);
  assert.equal(rec.status.get(did), 'deliveryFault');
  assert.match(rec.events[0]!, /^fault destination 9020 delivery fault: no sender: .*TLS/);
  await probe.close();
});

test('close gives queued reports the drain bound, then logs what is still queued per destination', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const senders = fakeSenders();
  const probe = new Probe({ neId: 'ne-1', logger, clock: new FakeClock(), senders: senders.factory });
  const [a, b] = [uuid(), uuid()];
  await probe.applyDestination(
    destination(a, { deliveryAddress: { kind: 'uri', value: 'eep+tcp://127.0.0.1:1' } }),
  );
  await probe.applyDestination(
    destination(b, { deliveryAddress: { kind: 'uri', value: 'eep+tcp://127.0.0.1:2' } }),
  );
  const [sa, sb] = [senders.last('eep+tcp://127.0.0.1:1'), senders.last('eep+tcp://127.0.0.1:2')];
  sa.c.queued = 5;
  sb.c.queued = 7;
  sb.drains = false;
  await probe.close();
  assert.deepEqual(
    [sa.drainCalls, sb.drainCalls],
    [[DELIVERY_TIMERS.shutdownDrainMs], [DELIVERY_TIMERS.shutdownDrainMs]],
  );
  assert.equal(sa.c.sent, 5, 'the queue went out before the sender closed');
  assert.ok(sa.closed && sb.closed);
  const warned = lines.map((l) => JSON.parse(l) as { did?: string; queued?: number; msg: string });
  assert.deepEqual(
    warned.filter((w) => /still queued/.test(w.msg)).map((w) => [w.did, w.queued]),
    [[b, 7]],
  );
});
