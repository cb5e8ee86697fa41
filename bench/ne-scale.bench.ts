/**
 * The NE at scale (issue: hold up under abuse). `lix ne` runs as its own process on a store filled directly;
 * curl (an independent client) fetches the bulk answers to /dev/null.
 *
 * - `x1.ne.bulk.ping`: another client's Ping p99 while curl fetches GetAllDetails of 100,000 tasks in a
 *   loop, against its p99 with the NE idle; idle and busy rounds interleaved (target ratio <= 2).
 * - `x1.ne.scale.getalldetails`: GetAllDetails of 1,000,000 tasks: first byte, whole answer (TIME1 is 5 s),
 *   and the NE's peak RSS over its idle RSS while answering (memory independent of the task count).
 * - `x1.ne.scale.restart`: from start to the first answered Ping with 1,000,000 tasks stored, against the same
 *   with an empty store, interleaved (target < 5 s); the restore's own duration as extra.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createX1Client, type X1Client } from '../src/transport/https-client.js';
import { encodeRequest } from '../src/x1/encode.js';
import type { MessageHeader } from '../src/x1/model.js';
import { getTestPki, type TestPki } from '../test/support/pki.js';
import { startNeProcess, stopNeProcess, type NeProcess } from '../test/support/ne-process.js';
import type { Bench, BenchResult } from './harness.js';
import { fillNeStore } from './support/ne-store.js';

const TIME1_MS = 5_000;

function header(i: number): MessageHeader {
  return {
    admfIdentifier: 'admf-1',
    neIdentifier: 'ne-1',
    messageTimestamp: '2026-12-04T10:00:00.000000Z',
    version: 'v1.23.1',
    x1TransactionId: `3741800e-971b-4aa9-85f4-${i.toString(16).padStart(12, '0')}`,
  };
}

/** A data directory holding `n` tasks on one destination. */
function filledStore(root: string, n: number): string {
  const dir = join(root, `ne-${n}`);
  fillNeStore(dir, n);
  return dir;
}

function startNe(pki: TestPki, dataDir: string): Promise<NeProcess> {
  const ne = pki.identities['ne-1']!;
  return startNeProcess({
    certFile: ne.certFile,
    keyFile: ne.keyFile,
    caFile: pki.caFile,
    dataDir,
    logLines: true,
  });
}

function client(pki: TestPki, url: string): X1Client {
  return createX1Client({ tls: pki.tls('admf-1'), url, timeoutMs: 60_000 });
}

const PING = Buffer.from(encodeRequest([{ type: 'PingRequest', header: header(1) }]));

async function pingMs(c: X1Client): Promise<number> {
  const t0 = performance.now();
  await c.post(PING);
  return performance.now() - t0;
}

function p99(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
}

function curlArgs(pki: TestPki, url: string, bodyFile: string): string[] {
  const a = pki.identities['admf-1']!;
  return [
    '-sS',
    '--cacert',
    pki.caFile,
    '--cert',
    a.certFile,
    '--key',
    a.keyFile,
    '-H',
    'Content-Type: application/xml',
    '--data-binary',
    `@${bodyFile}`,
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{time_starttransfer} %{time_total} %{size_download}\n',
    url.replace('127.0.0.1', 'localhost'),
  ];
}

interface CurlResult {
  readonly firstByteMs: number;
  readonly totalMs: number;
  readonly bytes: number;
}

function curlOnce(args: readonly string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const c = spawn('curl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => {
      const [status, first, total, size] = out.trim().split(' ');
      if (code !== 0 || status !== '200') return reject(new Error(`curl exited ${code}: ${out}`));
      resolve({ firstByteMs: Number(first) * 1000, totalMs: Number(total) * 1000, bytes: Number(size) });
    });
  });
}

/** curl fetching the bulk answer over and over until stopped. */
function curlLoop(args: readonly string[]): { stop(): Promise<number> } {
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      await curlOnce(args);
      n++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return n;
    },
  };
}

function rssKiB(child: ChildProcess): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** Resolves when the NE logs that its data plane is restored (it answers X1 while restoring). */
function restored(ne: NeProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "data plane restored" line within 180 s')), 180_000);
    timer.unref();
    ne.logs?.on('line', (l) => {
      if (!l.includes('data plane restored')) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

async function bulkPing(pki: TestPki, root: string): Promise<BenchResult[]> {
  const tasks = 100_000;
  const dataDir = filledStore(root, tasks);
  const ne = await startNe(pki, dataDir);
  const ready = restored(ne);
  const pinger = client(pki, ne.url);
  const body = join(root, 'gad.xml');
  writeFileSync(body, encodeRequest([{ type: 'GetAllDetailsRequest', header: header(2) }]));
  try {
    await ready;
    for (let i = 0; i < 50; i++) await pingMs(pinger);
    const idle: number[] = [];
    const busy: number[] = [];
    let fetched = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 200; i++) idle.push(await pingMs(pinger));
      const loop = curlLoop(curlArgs(pki, ne.url, body));
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 200; i++) busy.push(await pingMs(pinger));
      fetched += await loop.stop();
    }
    const ratio = p99(busy) / p99(idle);
    return [
      {
        bench: 'x1.ne.bulk.ping',
        value: Number(p99(busy).toFixed(2)),
        unit: 'ms p99',
        baseline: 'ping.idle.p99',
        baselineValue: Number(p99(idle).toFixed(2)),
        ratio: Number(ratio.toFixed(2)),
        target: '<=2',
        extra: { tasks, getAllDetailsFetched: fetched },
      },
    ];
  } finally {
    await pinger.close();
    await stopNeProcess(ne, 'SIGTERM');
  }
}

async function restartMs(
  pki: TestPki,
  dataDir: string,
): Promise<{ ms: number; ne: NeProcess; ready: Promise<void> }> {
  const t0 = performance.now();
  const ne = await startNe(pki, dataDir);
  const ready = restored(ne);
  const c = client(pki, ne.url);
  try {
    await c.post(PING);
    return { ms: performance.now() - t0, ne, ready };
  } finally {
    await c.close();
  }
}

async function scale(pki: TestPki, root: string): Promise<BenchResult[]> {
  const tasks = Number(process.env.LIX_BENCH_SCALE_TASKS ?? 1_000_000);
  const filled = filledStore(root, tasks);
  const empty = filledStore(root, 0);
  const body = join(root, 'gad.xml');
  writeFileSync(body, encodeRequest([{ type: 'GetAllDetailsRequest', header: header(3) }]));
  const restart: number[] = [];
  const emptyRestart: number[] = [];
  let answer: CurlResult | undefined;
  let peakOverIdleMiB = 0;
  let idleMiB = 0;
  for (let round = 0; round < 2; round++) {
    const e = await restartMs(pki, empty);
    emptyRestart.push(e.ms);
    e.ready.catch(() => undefined);
    await stopNeProcess(e.ne, 'SIGTERM');
    const r = await restartMs(pki, filled);
    restart.push(r.ms);
    r.ready.catch(() => undefined);
    const c = client(pki, r.ne.url);
    try {
      if (round === 1) {
        await r.ready;
        const idle = rssKiB(r.ne.child);
        let peak = idle;
        const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(r.ne.child))), 20);
        try {
          answer = await curlOnce(curlArgs(pki, r.ne.url, body));
        } finally {
          clearInterval(sampler);
        }
        idleMiB = idle / 1024;
        peakOverIdleMiB = (peak - idle) / 1024;
      }
    } finally {
      await c.close();
      await stopNeProcess(r.ne, 'SIGTERM');
    }
  }
  const best = (xs: number[]) => Math.min(...xs);
  const a = answer!;
  return [
    {
      bench: 'x1.ne.scale.getalldetails',
      value: Math.round(a.totalMs),
      unit: 'ms',
      target: `<${TIME1_MS} (TIME1)`,
      extra: {
        tasks,
        firstByteMs: Math.round(a.firstByteMs),
        answerMiB: Math.round(a.bytes / 2 ** 20),
        idleRssMiB: Math.round(idleMiB),
        peakRssOverIdleMiB: Math.round(peakOverIdleMiB),
      },
    },
    {
      bench: 'x1.ne.scale.restart',
      value: Math.round(best(restart)),
      unit: 'ms to first Ping',
      baseline: 'restart.empty',
      baselineValue: Math.round(best(emptyRestart)),
      ratio: Number((best(restart) / best(emptyRestart)).toFixed(2)),
      target: '<5000 ms',
      extra: { tasks },
    },
  ];
}

async function withRoot<T>(fn: (pki: TestPki, root: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'lix-bench-ne-scale-'));
  try {
    return await fn(await getTestPki(), root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const benches: Bench[] = [
  { name: 'x1.ne.bulk', run: () => withRoot(bulkPing) },
  { name: 'x1.ne.scale', run: () => withRoot(scale) },
];

export default benches;
