/**
 * `npm run bench -- admf.pg`: ADMF instances on PostgreSQL (docs/admf.md "Several instances"), as `lix admf`
 * processes driven through their REST APIs, five NEs over mutual TLS in this process.
 *
 * - `admf.pg.activate.one` / `.two`: activations per second, from the first POST until every task is active in
 *   the store, with one and with two instances on one PostgreSQL; baseline: one instance on the embedded SQLite
 *   store, measured in the same run. Target for two instances: not slower than one (ratio two/one ≥ 1). Each
 *   scenario first runs a warm-up pass through every instance (a long-running ADMF has a warm JIT; a fresh one
 *   spends its first few hundred requests compiling), then times the second pass; the CPU the instances used
 *   in it is reported per 1,000 activations.
 * - `admf.pg.takeover`: after a SIGKILL of the owner of an NE, the time until another instance owns it (p50 and
 *   max over the rounds); target: within the bound leaseTtlMs + leaseRenewMs.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Bench, BenchResult } from './harness.js';
import { startPostgres, type RunningPostgres } from '../test/support/postgres.js';
import {
  CLUSTER_TIMERS,
  registerNes,
  startAdmfProcess,
  startNes,
  type AdmfProcess,
} from '../test/support/admf-pg-cluster.js';
import type { FakeNe } from '../test/support/admf-fake-ne.js';

const TASKS = 2000;
const WARM = 1000;
const CONCURRENCY = 16;
const ROUNDS = 5;

async function stop(admfs: readonly AdmfProcess[]): Promise<void> {
  for (const a of admfs) a.child.kill('SIGKILL');
  await Promise.all(admfs.map((a) => a.exited));
}

/** CPU seconds (user + system) a process has used so far, from /proc (undefined where there is none). */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/** `n` activations through `admfs` (round robin, `CONCURRENCY` at a time), targets named `sip:<prefix><i>@…`. */
async function activate(
  admfs: readonly AdmfProcess[],
  nes: readonly FakeNe[],
  dids: ReadonlyMap<string, string>,
  prefix: string,
  n: number,
): Promise<string[]> {
  const xids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        const ne = `ne-${(i % nes.length) + 1}`;
        const r = await admfs[i % admfs.length]!.call('POST', '/api/tasks', {
          ne,
          targets: [{ kind: 'sipUri', value: `sip:${prefix}${i}@example.net` }],
          dids: [dids.get(ne)!],
        });
        if (r.status !== 201 && r.status !== 202)
          throw new Error(`activation: ${r.status} ${JSON.stringify(r.json)}`);
        xids.push((r.json as { xid: string }).xid);
      }
    }),
  );
  return xids;
}

interface Activations {
  /** Activations per second, from the first POST of the timed pass until every task of it is active. */
  readonly rate: number;
  /** CPU seconds the ADMF instances used per 1,000 activations of the timed pass (all instances together). */
  readonly admfCpuPer1000?: number;
}

/**
 * Activations per second through `admfs` (round robin), until all are active in the store. A first pass of
 * `WARM` activations warms every instance (the JIT of its REST, store and X1 paths), as in a long-running ADMF;
 * only the second pass is timed.
 */
async function activations(
  admfs: readonly AdmfProcess[],
  nes: readonly FakeNe[],
  allActive: (xids: string[]) => Promise<boolean>,
): Promise<Activations> {
  const dids = await registerNes(admfs, nes);
  const settled = async (xids: string[]) => {
    while (!(await allActive(xids))) await new Promise((r) => setTimeout(r, 20));
  };
  await settled(await activate(admfs, nes, dids, 'w', WARM));
  const cpu0 = admfs.map((a) => cpuSeconds(a.child.pid));
  const start = performance.now();
  await settled(await activate(admfs, nes, dids, 'b', TASKS));
  const rate = (TASKS * 1000) / (performance.now() - start);
  // NaN where /proc cannot be read: then no CPU figure.
  const cpu = admfs
    .map((a, i) => (cpuSeconds(a.child.pid) ?? NaN) - (cpu0[i] ?? NaN))
    .reduce((x, y) => x + y, 0);
  return Number.isNaN(cpu) ? { rate } : { rate, admfCpuPer1000: (cpu * 1000) / TASKS };
}

async function onPg(server: RunningPostgres, instances: number, nes: FakeNe[]): Promise<Activations> {
  const url = await server.createDatabase();
  const admfs: AdmfProcess[] = [];
  for (let i = 0; i < instances; i++) admfs.push(await startAdmfProcess(url, `i${i}`));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await activations(admfs, nes, async (xids) => {
      const r = await db.query(
        `SELECT count(*)::int AS n FROM tasks WHERE xid = ANY($1) AND state = 'active'`,
        [xids],
      );
      return (r.rows[0] as { n: number }).n === xids.length;
    });
  } finally {
    await db.end();
    await stop(admfs);
  }
}

async function onSqlite(nes: FakeNe[]): Promise<Activations> {
  const a = await startAdmfProcess('sqlite', 'sqlite');
  try {
    // Every activation through a single SQLite instance answers once the NE did (201, active).
    return await activations([a], nes, () => Promise.resolve(true));
  } finally {
    await stop([a]);
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function takeovers(server: RunningPostgres, nes: FakeNe[]): Promise<number[]> {
  const url = await server.createDatabase();
  const live = [await startAdmfProcess(url, 'k0'), await startAdmfProcess(url, 'k1')];
  const times: number[] = [];
  try {
    await registerNes(live, nes);
    for (let round = 0; round < ROUNDS; round++) {
      const owners = await Promise.all(live.map((a) => a.ownership()));
      const victim = owners.findIndex((o) => o.owned.includes('ne-1'));
      if (victim < 0) throw new Error('nobody owns ne-1');
      const other = live[1 - victim]!;
      live[victim]!.child.kill('SIGKILL');
      const killedAt = performance.now();
      while (!(await other.ownership()).owned.includes('ne-1')) await new Promise((r) => setTimeout(r, 10));
      times.push(performance.now() - killedAt);
      await live[victim]!.exited;
      live[victim] = await startAdmfProcess(url, `k${round + 2}`);
      // Let the new instance take its share before the next round.
      await new Promise((r) => setTimeout(r, CLUSTER_TIMERS.leaseRenewMs * 4));
    }
    return times;
  } finally {
    await stop(live);
  }
}

/** Runs `fn` with five fresh NEs (each scenario starts from empty NEs, so reconciliation costs the same). */
async function withNes<T>(fn: (nes: FakeNe[]) => Promise<T>): Promise<T> {
  const nes = await startNes(5);
  try {
    return await fn(nes);
  } finally {
    await Promise.all(nes.map((n) => n.close()));
  }
}

async function run(): Promise<BenchResult[]> {
  const server = await startPostgres();
  const nes = { length: 5 };
  try {
    const sqlite = await withNes(onSqlite);
    const one = await withNes((n) => onPg(server, 1, n));
    const two = await withNes((n) => onPg(server, 2, n));
    const times = await withNes((n) => takeovers(server, n));
    const bound = CLUSTER_TIMERS.leaseTtlMs + CLUSTER_TIMERS.leaseRenewMs;
    const extra = (m: Activations) => ({
      tasks: TASKS,
      warmup: WARM,
      nes: nes.length,
      concurrency: CONCURRENCY,
      ...(m.admfCpuPer1000 !== undefined && { admfCpuSecondsPer1000: m.admfCpuPer1000 }),
    });
    return [
      { bench: 'admf.pg.activate.sqlite', value: sqlite.rate, unit: 'tasks/s', extra: extra(sqlite) },
      {
        bench: 'admf.pg.activate.one',
        value: one.rate,
        unit: 'tasks/s',
        baseline: 'one instance on SQLite',
        baselineValue: sqlite.rate,
        ratio: one.rate / sqlite.rate,
        extra: extra(one),
      },
      {
        bench: 'admf.pg.activate.two',
        value: two.rate,
        unit: 'tasks/s',
        baseline: 'one instance on PostgreSQL',
        baselineValue: one.rate,
        ratio: two.rate / one.rate,
        target: '>=1.0',
        extra: { ...extra(two), vsSqlite: two.rate / sqlite.rate },
      },
      {
        bench: 'admf.pg.takeover',
        value: percentile(times, 50),
        unit: 'ms (p50)',
        baseline: 'takeover bound (lease TTL + renewal)',
        baselineValue: bound,
        ratio: Math.max(...times) / bound,
        target: '<=1.0',
        extra: { maxMs: Math.max(...times), rounds: ROUNDS, ttlMs: CLUSTER_TIMERS.leaseTtlMs },
      },
    ];
  } finally {
    await server.stop();
  }
}

const benches: Bench[] = [{ name: 'admf.pg', run }];
export default benches;
