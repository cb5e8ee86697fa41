// The TCP consumer goes away and comes back: the sender queues up to its bound, counts and reports the
// overflow as a fault, reconnects with back-off (on a fake clock), delivers the whole queue, then clears the
// fault. The collector counts the dropped reports as a sequence gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, type Collector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { EEP_PROTOCOL_TYPES } from '../../src/stm/eep.js';
import type { StmReport } from '../../src/stm/report.js';
import { createStmSender, type StmFaultInfo } from '../../src/transport/stm-sender.js';
import { StreamStmSender, type StreamConnector } from '../../src/transport/stm-stream.js';
import { eepEncoder } from '../../src/stm/report-encode.js';
import { FakeClock } from '../support/fake-clock.js';

const report = (i: number): StmReport => ({
  xid: '8f1c5a4e-2b1d-4c3e-9f00-0000000000aa',
  neId: 'ne-1',
  timestampMicros: 1_763_800_000_000_000n + BigInt(i),
  ipVersion: 4,
  ipProtocol: 17,
  srcAddress: '10.1.1.1',
  dstAddress: '10.2.2.2',
  srcPort: 5060,
  dstPort: 5060,
  protocolType: EEP_PROTOCOL_TYPES.sip,
  payload: new TextEncoder().encode(`MESSAGE sip:b@example.com SIP/2.0\r\nCSeq: ${i} MESSAGE\r\n\r\n`),
});

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const collector = (port: number): Promise<Collector> =>
  startCollector({ listen: [`eep+tcp://127.0.0.1:${port}`], logger: silentLogger });

test('TCP consumer away and back: bounded queue, overflow counted, fault then clear, nothing lost in bound', async () => {
  const clock = new FakeClock();
  let c1 = await collector(0);
  const port = c1.listeners[0]!.port;
  const sender = createStmSender(`eep+tcp://127.0.0.1:${port}`, {
    logger: silentLogger,
    clock,
    queueLimit: 50,
    backoff: { initialMs: 100, maxMs: 1000 },
  });
  const faults: StmFaultInfo[] = [];
  let clears = 0;
  sender.on('fault', (f) => faults.push(f));
  sender.on('clear', () => clears++);
  try {
    await until(() => sender.state === 'up', 'first connection');
    for (let i = 0; i < 10; i++) sender.send(report(i));
    await until(() => c1.stats().totals.decoded === 10, '10 reports at the first collector');

    await c1.stop();
    await until(() => sender.state === 'down', 'the sender to notice');
    for (let i = 10; i < 70; i++) sender.send(report(i));
    assert.deepEqual(
      { ...sender.counters },
      { sent: 10, queued: 50, dropped: 10, tooLarge: 0, errors: 0, overMtu: 0 },
      'queue holds 50, 10 dropped',
    );
    assert.equal(faults.length, 1, 'one fault for the whole overflow');
    assert.match(faults[0]!.reason, /unreachable/);
    assert.equal(clears, 0);

    // Back-off while nobody listens: attempts fail, the delay grows but stays capped.
    await clock.advance(3000);
    assert.equal(sender.state, 'down');
    c1 = await collector(port);
    await until(() => {
      void clock.advance(1000);
      return sender.state === 'up';
    }, 'reconnection');
    await until(() => c1.stats().totals.decoded === 50, 'the queued 50 at the second collector');
    assert.equal(clears, 1, 'fault cleared once the queue drained');
    assert.equal(sender.counters.queued, 0);
    assert.equal(sender.counters.sent, 60);

    for (let i = 70; i < 75; i++) sender.send(report(i));
    await until(() => c1.stats().totals.decoded === 55, 'five more');
    const t = c1.stats().totals;
    assert.equal(t.lost, 10, 'the 10 dropped reports show as a sequence gap');
    assert.equal(t.malformed, 0);
  } finally {
    await sender.close();
    await c1.stop();
  }
});

test('back-off doubles from the initial delay up to the cap, with jitter inside ±20%', async () => {
  const clock = new FakeClock();
  const attempts: number[] = [];
  const connector: StreamConnector = {
    connect(h) {
      attempts.push(clock.now());
      queueMicrotask(() => h.closed('refused'));
      return { write: () => true, end: () => undefined, destroy: () => undefined };
    },
  };
  const s = new StreamStmSender('eep+tcp://test:1', connector, eepEncoder('HEP3', 0, 65535), {
    logger: silentLogger,
    clock,
    backoff: { initialMs: 100, maxMs: 800 },
    random: () => 1, // the largest jitter: +20%
  });
  await clock.advance(10_000);
  await s.close();
  const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
  assert.deepEqual(gaps.slice(0, 6), [120, 240, 480, 960, 960, 960]);
});
