// Capture drops made visible: real tcpdump on lo with a 1 KiB kernel buffer while the probe's event loop is
// held up, so that the kernel drops packets. The live source must read tcpdump's statistics while it runs
// (SIGUSR1), count the drops, and the probe must raise an NE fault for them. Needs root and tcpdump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Probe } from '../../src/probe/probe.js';
import type { ProbeHost } from '../../src/probe/probe-options.js';
import { LiveSource } from '../../src/probe/sources/live-source.js';
import { hasTool, skipUnless } from '../support/shared.js';
import { until } from '../support/admf-helpers.js';
import { stmSenders } from '../../src/transport/stm-sender.js';

const isRoot = process.getuid?.() === 0;
const skip =
  skipUnless(hasTool('tcpdump', ['--version']), 'tcpdump') ?? skipUnless(isRoot, 'root (to capture)');

/** Blocks the event loop, as a busy probe would. */
function hold(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

/** Sends bursts of datagrams to `port` until `done()` or the deadline; each burst then holds the loop. */
async function blast(port: number, done: () => boolean, ms: number): Promise<void> {
  const sender = createSocket('udp4');
  const payload = Buffer.alloc(1000, 0x41);
  const end = Date.now() + ms;
  try {
    while (!done() && Date.now() < end) {
      for (let i = 0; i < 2000; i++) sender.send(payload, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 5));
      hold(150);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    sender.close();
  }
}

test(
  'tcpdump statistics are read while it runs and its drops are counted',
  { skip, timeout: 30_000 },
  async () => {
    const port = 40_000 + Math.floor(Math.random() * 20_000);
    const src = new LiveSource({
      name: 'lo',
      bufferKiB: 1,
      statsIntervalMs: 200,
      all: true,
      filter: `udp and dst port ${port}`,
    });
    const running = src.run(() => undefined);
    try {
      await until('tcpdump listening', () => src.isListening, 10_000);
      await blast(port, () => src.counters.dropped > 0 && src.counters.statsReports > 0, 20_000);
      assert.ok(src.counters.statsReports > 0, 'statistics read while tcpdump runs');
      assert.ok(src.counters.dropped > 0, `drops counted: ${JSON.stringify(src.counters)}`);
      assert.equal(src.counters.dropped, src.counters.droppedByKernel + src.counters.droppedByInterface);
      assert.ok(src.counters.receivedByFilter >= src.counters.captured);
    } finally {
      await src.stop();
      await running;
    }
  },
);

test(
  'the probe raises an NE fault while the capture drops and clears it after a quiet period',
  { skip, timeout: 40_000 },
  async () => {
    const port = 40_000 + Math.floor(Math.random() * 20_000);
    const src = new LiveSource({
      name: 'lo',
      bufferKiB: 1,
      statsIntervalMs: 200,
      all: true,
      filter: `udp and dst port ${port}`,
    });
    const events: string[] = [];
    const host: ProbeHost = {
      store: { addInterceptCounters: () => undefined, setDestinationDeliveryStatus: () => true },
      issues: {
        warn: () => undefined,
        fault: (_s, f) => events.push(`fault ${f.errorDescription}`),
        clear: (_s, _c, text) => events.push(`clear ${text}`),
      },
    };
    const probe = new Probe({
      senders: stmSenders(),
      neId: 'ne-1',
      logger: silentLogger,
      clock: systemClock,
      source: src,
      counterFlushMs: 200,
      captureQuietMs: 1_000,
    });
    probe.attach(host);
    probe.start();
    try {
      await until('tcpdump listening', () => src.isListening, 10_000);
      await blast(port, () => events.length > 0, 20_000);
      await until(
        'the drop fault',
        () => events.some((e) => e.startsWith('fault capture is dropping')),
        5_000,
      );
      await until(
        'the clearing after a quiet second',
        () => events.some((e) => e.startsWith('clear capture has dropped no packets')),
        10_000,
      );
      assert.equal(events.filter((e) => e.startsWith('fault')).length, 1, events.join('\n'));
    } finally {
      await probe.close();
    }
  },
);
