/**
 * ADMF benches (issue: the ADMF).
 *
 * `admf.activate`: 10,000 task activations spread over 10 lix NEs, each through the ADMF's tasking path
 * (desired state written first, X1 over keep-alive mutual TLS, identity check, validation, state settled,
 * every exchange audited). Rate and p99 latency. Baseline: the same NEs activating tasks posted by a bare X1
 * client (no ADMF work at all), measured in the same run, so the ratio is what the ADMF costs on top of X1.
 * The 10 NEs run together in a child process (this file, started with LIX_ADMF_BENCH_CHILD=1), so that the
 * ADMF and the NEs each have a core, as deployed.
 *
 * `admf.keepalive`: the keepalive scheduler holding 1,000 NEs (random gaps in [TIME_P2, TIME_P1], shortened to
 * 0.5 s / 2 s so that a run sees several rounds) on the real clock; each keepalive goes through an NeLink to an
 * in-memory responder and is audited. Reports how many gaps fall inside the window and the worst lateness.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Admf, type NePoster } from '../src/admf/admf.js';
import { parseAdmfConfig } from '../src/admf/config.js';
import { startAdmf } from '../src/admf/server.js';
import { activateTask, createDestination } from '../src/admf/tasking.js';
import { systemClock } from '../src/lib/clock.js';
import { newUuid } from '../src/lib/ids.js';
import { silentLogger } from '../src/lib/logger.js';
import { parseNeConfig } from '../src/ne/config.js';
import { startNeServer, type RunningNe } from '../src/ne/server.js';
import { openAdmfStore } from '../src/store/admf-sqlite-store.js';
import { createX1Client } from '../src/transport/https-client.js';
import { initPki } from '../src/transport/pki.js';
import { X1Codec } from '../src/x1/codec.js';
import { encodeRequest, encodeResponse } from '../src/x1/encode.js';
import type { TaskDetails } from '../src/x1/model.js';
import { formatTimestamp } from '../src/x1/simple-types.js';
import type { Bench, BenchResult } from './harness.js';

const NES = 10;
const TASKS = Number(process.env.LIX_BENCH_ADMF_TASKS ?? 10_000);
const BASELINE_TASKS = 2_000;
const CONCURRENCY = 32;
const KEEPALIVE_NES = 1_000;
const KEEPALIVE = { timeP2Ms: 500, timeP1Ms: 2_000, seconds: Number(process.env.LIX_BENCH_SECONDS ?? 3) * 3 };

const neIds = Array.from({ length: NES }, (_, i) => `ne-${i + 1}`);

function details(xid: string, did: string, i: number): TaskDetails {
  return {
    xId: xid,
    targetIdentifiers: [{ kind: 'sipUri', value: `sip:user${i}@ims.example.net` }],
    deliveryType: 'X2Only',
    listOfDIDs: { dIds: [did], dSIds: [] },
    taskDetailsExtensions: [],
  };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

/** Runs `n` jobs with `concurrency` in flight; returns each job's latency (ms) and the wall time. */
async function runJobs(n: number, concurrency: number, job: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        await job(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, ms: performance.now() - start };
}

/** Child side: starts the NEs, prints `ne ID URL` per NE, then `ready`; stops on SIGTERM. */
async function serveNes(pkiDir: string, root: string, admfUrl: string): Promise<void> {
  const nes: RunningNe[] = [];
  for (const id of neIds) {
    const cfg = parseNeConfig({
      id,
      admfId: 'admf-1',
      listenHost: '127.0.0.1',
      listenPort: 0,
      tlsDir: pkiDir,
      dataDir: join(root, id),
      admfUrl,
    });
    nes.push(await startNeServer(cfg, { logger: silentLogger }));
    process.stdout.write(`ne ${id} ${nes.at(-1)!.url}\n`);
  }
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void Promise.all(nes.map((ne) => ne.close())).then(() => process.exit(0));
  });
}

if (process.env.LIX_ADMF_BENCH_CHILD === '1') {
  const [pkiDir, root, admfUrl] = process.argv.slice(2);
  await serveNes(pkiDir!, root!, admfUrl!);
}

/** The NEs in a child process; resolves with their URLs and a stop function. */
async function startNeChild(pkiDir: string, root: string, admfUrl: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, pkiDir, root, admfUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LIX_ADMF_BENCH_CHILD: '1' },
  });
  const urls = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^ne (\S+) (\S+)$/.exec(l);
      if (m) urls.set(m[1]!, m[2]!);
      if (l === 'ready') resolve();
    });
    child.once('exit', (code) => reject(new Error(`NE child exited with ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { urls, stop };
}

async function activation(): Promise<BenchResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'lix-bench-admf-'));
  try {
    const pkiDir = join(root, 'pki');
    await initPki({ dir: pkiDir, admf: 'admf-1', nes: neIds });
    const running = await startAdmf(
      parseAdmfConfig({
        id: 'admf-1',
        listenHost: '127.0.0.1',
        listenPort: 0,
        tlsDir: pkiDir,
        dataDir: join(root, 'admf'),
        apiToken: 'bench-token-0123456789',
        reconcileOnStart: false,
      }),
      { logger: silentLogger },
    );
    try {
      const child = await startNeChild(pkiDir, root, running.x1Url);
      try {
        return await measureActivations(running.admf, pkiDir, child.urls);
      } finally {
        await child.stop();
      }
    } finally {
      await running.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function measureActivations(
  admf: Admf,
  pkiDir: string,
  urls: ReadonlyMap<string, string>,
): Promise<BenchResult[]> {
  const dids = new Map<string, string>();
  for (const id of neIds) {
    await admf.putNe({ id, url: urls.get(id)! });
    const did = newUuid();
    await createDestination(admf, id, {
      dId: did,
      deliveryType: 'X2Only',
      deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
      destinationDetailsExtensions: [],
    });
    dids.set(id, did);
  }
  // Baseline: the same NEs, ActivateTask posted by a bare client (encode + post only).
  const tls = {
    certFile: join(pkiDir, 'admf-1.pem'),
    keyFile: join(pkiDir, 'admf-1.key'),
    caFile: join(pkiDir, 'ca.pem'),
  };
  const clients = neIds.map((id) => createX1Client({ tls, url: urls.get(id)!, maxSockets: 8 }));
  const bare = await runJobs(BASELINE_TASKS, CONCURRENCY, async (i) => {
    const ne = i % NES;
    const neId = neIds[ne]!;
    const body = encodeRequest([
      {
        type: 'ActivateTaskRequest',
        header: {
          admfIdentifier: 'admf-1',
          neIdentifier: neId,
          messageTimestamp: formatTimestamp(systemClock.nowMicros()),
          version: 'v1.23.1',
          x1TransactionId: newUuid(),
        },
        taskDetails: details(newUuid(), dids.get(neId)!, i),
      },
    ]);
    const res = await clients[ne]!.post(body);
    if (!res.body.includes('AcknowledgedAndCompleted')) throw new Error('baseline activation failed');
  });
  await Promise.all(clients.map((c) => c.close()));
  const bareRate = (BASELINE_TASKS * 1000) / bare.ms;

  const through = await runJobs(TASKS, CONCURRENCY, async (i) => {
    const neId = neIds[i % NES]!;
    const t = await activateTask(admf, neId, details(newUuid(), dids.get(neId)!, i));
    if (t.state !== 'active') throw new Error(`activation ${t.xid}: ${t.state} ${t.reason ?? ''}`);
  });
  const rate = (TASKS * 1000) / through.ms;
  const active = (await admf.store.listTasks({ states: ['active'] })).length;
  return [
    {
      bench: 'admf.activate',
      value: rate,
      unit: 'tasks/s',
      baseline: 'bare X1 client',
      baselineValue: bareRate,
      ratio: rate / bareRate,
      extra: {
        tasks: TASKS,
        nes: NES,
        concurrency: CONCURRENCY,
        p50ms: percentile(through.latencies, 50),
        p99ms: percentile(through.latencies, 99),
        baselineP99ms: percentile(bare.latencies, 99),
        activeInStore: active,
      },
    },
  ];
}

/** An NE stand-in that answers every Keepalive at once (no TLS: the scheduler is what is measured). */
function keepaliveResponder(neId: string): NePoster {
  return {
    async post(body) {
      const tid = /x1TransactionId>([^<]+)</.exec(body)![1]!;
      const answer = encodeResponse([
        {
          type: 'KeepaliveResponse',
          header: {
            admfIdentifier: 'admf-1',
            neIdentifier: neId,
            messageTimestamp: formatTimestamp(systemClock.nowMicros()),
            version: 'v1.23.1',
            x1TransactionId: tid,
          },
          oK: 'AcknowledgedAndCompleted',
        },
      ]);
      return { status: 200, body: Buffer.from(answer), peerIdentity: neId };
    },
    close: async () => undefined,
  };
}

async function keepalives(): Promise<BenchResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'lix-bench-admf-ka-'));
  const store = openAdmfStore(root);
  const admf = new Admf({
    settings: {
      id: 'admf-1',
      version: 'v1.23.1',
      time2Ms: 15_000,
      maxResends: 2,
      timeP1Ms: KEEPALIVE.timeP1Ms,
      timeP2Ms: KEEPALIVE.timeP2Ms,
      profile: 'etsi',
    },
    store,
    codec: new X1Codec(),
    clock: systemClock,
    logger: silentLogger,
    posterFor: (ne) => keepaliveResponder(ne.id),
  });
  const sends = new Map<string, number[]>();
  try {
    const now = Date.now();
    for (let i = 0; i < KEEPALIVE_NES; i++) {
      const id = `ne-${i}`;
      await store.putNe({
        id,
        url: `https://ne-${i}.invalid/X1/NE`,
        options: {
          keepalive: true,
          keepaliveRandom: true,
          timeP1Ms: KEEPALIVE.timeP1Ms,
          timeP2Ms: KEEPALIVE.timeP2Ms,
          heal: 'manual',
        },
        createdAt: now,
        updatedAt: now,
      });
      sends.set(id, [now]);
    }
    admf.keepalive.onSend = (id, at) => sends.get(id)!.push(at);
    const t0 = Date.now();
    await admf.start();
    for (const times of sends.values()) times[0] = t0;
    await new Promise((r) => setTimeout(r, KEEPALIVE.seconds * 1000));
    await admf.stop();
    const gaps = [...sends.values()].flatMap((t) => t.slice(1).map((x, i) => x - t[i]!));
    const inside = gaps.filter((g) => g >= KEEPALIVE.timeP2Ms && g <= KEEPALIVE.timeP1Ms).length;
    const answered = [...sends.keys()].filter((id) => admf.health(id).lastKeepaliveAt !== undefined).length;
    const sent = gaps.length;
    return [
      {
        bench: 'admf.keepalive',
        value: (100 * inside) / Math.max(1, sent),
        unit: '% of gaps in window',
        target: '100',
        extra: {
          nes: KEEPALIVE_NES,
          windowMs: `${KEEPALIVE.timeP2Ms}-${KEEPALIVE.timeP1Ms}`,
          keepalives: sent,
          perSecond: sent / KEEPALIVE.seconds,
          minGapMs: Math.min(...gaps),
          maxGapMs: Math.max(...gaps),
          maxLateMs: Math.max(0, Math.max(...gaps) - KEEPALIVE.timeP1Ms),
          nesAnswered: answered,
        },
      },
    ];
  } finally {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  }
}

const benches: Bench[] = [
  { name: 'admf.activate', run: activation },
  { name: 'admf.keepalive', run: keepalives },
];

export default benches;
