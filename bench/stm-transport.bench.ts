/**
 * STM transport benches.
 * - `stm.send.udp`: the EEP/UDP sender (encode + send) against a bare `dgram` loop sending the same bytes to
 *   the same receiver, in the same run (target ratio >= 0.70).
 * - `stm.collector.udp`: the highest rate (msg/s) at which the collector, writing PCAPng files, decoded every
 *   report a paced sender in another process sent over loopback UDP.
 * - `stm.collector.tcp`: the collector's receive rate over one TCP connection (loss-free by construction).
 * This file is also the sender process: run with LIX_STM_BENCH_ROLE=sender it sends what its parent asks.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../src/collector/collector.js';
import { silentLogger } from '../src/lib/logger.js';
import { EEP_PROTOCOL_TYPES } from '../src/stm/eep.js';
import { eepEncoder } from '../src/stm/report-encode.js';
import type { StmReport } from '../src/stm/report.js';
import { createStmSender } from '../src/transport/stm-sender.js';
import { interleavedRates, type Bench, type BenchResult } from './harness.js';

const SIP = new TextEncoder().encode(
  'INVITE sip:+447700900123@ims.example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK1\r\n' +
    'From: <sip:alice@example.net>;tag=1\r\nTo: <sip:bob@example.net>\r\nCall-ID: 1@example.net\r\n' +
    'CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:alice@10.1.1.1>\r\nContent-Length: 0\r\n\r\n',
);
const REPORT: StmReport = {
  xid: '8f1c5a4e-2b1d-4c3e-9f00-000000000001',
  neId: 'ne-1',
  timestampMicros: 1_763_800_000_000_000n,
  ipVersion: 4,
  ipProtocol: 17,
  srcAddress: '10.1.1.1',
  dstAddress: '10.2.2.2',
  srcPort: 5060,
  dstPort: 5060,
  protocolType: EEP_PROTOCOL_TYPES.sip,
  payload: SIP,
};

interface SendJob {
  uri: string;
  count: number;
  /** Messages per second; 0 = as fast as the transport takes them. */
  rate: number;
}

/** The sender process: paces `count` reports at `rate`, then reports back. */
async function senderRole(): Promise<void> {
  process.on('message', async (job: SendJob) => {
    const s = createStmSender(job.uri, { logger: silentLogger, queueLimit: 1_000_000 });
    const start = performance.now();
    const perMs = job.rate / 1000;
    let sent = 0;
    while (sent < job.count) {
      const due =
        job.rate === 0 ? job.count : Math.min(job.count, Math.floor((performance.now() - start) * perMs) + 1);
      for (; sent < due; sent++) s.send(REPORT);
      await new Promise((r) => setImmediate(r));
    }
    await s.drain?.(60_000);
    const seconds = (performance.now() - start) / 1000;
    await s.close();
    process.send!({ sent: s.counters.sent, seconds });
  });
}

function startSender(): ChildProcess {
  return fork(import.meta.filename, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LIX_STM_BENCH_ROLE: 'sender' },
    stdio: 'inherit',
  });
}

function job(child: ChildProcess, j: SendJob): Promise<{ sent: number; seconds: number }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { sent: number; seconds: number }));
    child.send(j);
  });
}

async function settle(get: () => number, want: number, ms = 3000): Promise<number> {
  const end = Date.now() + ms;
  while (get() < want && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  return get();
}

async function sendUdp(): Promise<readonly BenchResult[]> {
  const rx = createSocket('udp4');
  rx.on('message', () => undefined);
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  const port = rx.address().port;
  const sender = createStmSender(`eep+udp://127.0.0.1:${port}`, { logger: silentLogger });
  const bare = createSocket('udp4');
  await new Promise<void>((r) => bare.connect(port, '127.0.0.1', () => r()));
  await sender.drain?.();
  const bytes = eepEncoder('HEP3', 0, 65_507).encode(REPORT, 0);
  const r = await interleavedRates(
    () => bare.send(bytes),
    () => sender.send(REPORT),
  );
  await sender.close();
  bare.close();
  rx.close();
  return [
    {
      bench: 'stm.send.udp',
      value: r.subject,
      unit: 'msg/s',
      baseline: 'dgram.loop',
      baselineValue: r.baseline,
      ratio: r.subject / r.baseline,
      target: '>=0.70',
      extra: { bytes: bytes.length },
    },
  ];
}

const RATES = [10_000, 20_000, 40_000, 60_000, 80_000, 120_000, 160_000, 240_000];
const STEP_SECONDS = 1;

async function collectorRates(): Promise<readonly BenchResult[]> {
  const out = mkdtempSync(join(tmpdir(), 'lix-bench-collector-'));
  const c = await startCollector({
    listen: ['eep+udp://127.0.0.1:0', 'eep+tcp://127.0.0.1:0'],
    outDir: out,
    logger: silentLogger,
  });
  const child = startSender();
  try {
    const [udp, tcp] = c.listeners;
    let best = 0;
    for (const rate of RATES) {
      const before = c.stats().totals.decoded;
      const count = rate * STEP_SECONDS;
      const { sent } = await job(child, { uri: udp!.text, count, rate });
      const got = (await settle(() => c.stats().totals.decoded, before + sent)) - before;
      if (process.env.LIX_BENCH_DEBUG)
        console.error(`udp rate ${rate}: sent ${sent} got ${got}`, c.stats().totals);
      if (got < sent) break;
      best = rate;
    }
    const before = c.stats().totals.decoded;
    const n = 200_000;
    const start = performance.now();
    const { sent } = await job(child, { uri: tcp!.text, count: n, rate: 0 });
    const got = (await settle(() => c.stats().totals.decoded, before + sent, 30_000)) - before;
    const tcpRate = (got * 1000) / (performance.now() - start - 100);
    return [
      {
        bench: 'stm.collector.udp',
        value: best,
        unit: 'msg/s',
        extra: { step: `${STEP_SECONDS}s`, rates: RATES.join(',') },
      },
      { bench: 'stm.collector.tcp', value: tcpRate, unit: 'msg/s', extra: { reports: n, received: got } },
    ];
  } finally {
    child.kill();
    await c.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.env.LIX_STM_BENCH_ROLE === 'sender') void senderRole();

const benches: Bench[] = [
  { name: 'stm.send', run: sendUdp },
  { name: 'stm.collector', run: collectorRates },
];

export default benches;
