/**
 * `npm run bench -- admf.pg`: ADMF instances on PostgreSQL (docs/admf.md "Several instances"), as `lix admf`
 * processes driven through their REST APIs, five NEs over mutual TLS in this process.
 *
 * - `admf.pg.activate.one` / `.two`: activations per second, from the first POST until every task is active in
 *   the store, with one and with two instances on one PostgreSQL; baseline: one instance on the embedded SQLite
 *   store. Target for two instances: not slower than one (ratio two/one ≥ 1). The three setups run side by side
 *   (each with its own NEs and database; an idle one costs nearly nothing), each warmed first with a pass
 *   through every instance (a long-running ADMF has a warm JIT; a fresh one spends its first few hundred
 *   requests compiling). Then each is timed in turn, `ACTIVATION_ROUNDS` times, and the ratios are the medians
 *   of the per-round ratios: the load of this shared machine drifts within a minute, and a turn-by-turn
 *   comparison cancels most of it. The figures shown are those of the round with the median ratio, every
 *   round's ratio alongside. The CPU the instances used is reported per 1,000 activations.
 * - `admf.pg.activate.two.owners`: the two instances again, each activation sent to its NE's owner instead of
 *   round robin, so that no change is handed between instances. A diagnostic without a target: it shows what a
 *   second process costs on this machine by itself (its cores are shared with PostgreSQL, the NEs and the load).
 * - `admf.pg.takeover`: after a SIGKILL of the owner of an NE, the time until another instance owns it (p50 and
 *   max over the rounds); target: within the bound leaseTtlMs + leaseRenewMs.
 */
import pg from 'pg';
import type { Bench, BenchResult } from './harness.js';
import { cpuSeconds } from './support/proc-cpu.js';
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
/** Timed passes of each activation scenario. */
const ACTIVATION_ROUNDS = 3;
const NES = 5;

async function stop(admfs: readonly AdmfProcess[]): Promise<void> {
  for (const a of admfs) a.child.kill('SIGKILL');
  await Promise.all(admfs.map((a) => a.exited));
}

/** Picks the instance that takes activation `i` of a pass, for NE `ne`. */
type Route = (ne: string, i: number) => AdmfProcess;

/** `n` activations (`CONCURRENCY` at a time, each through the instance `route` picks), targets `sip:<prefix><i>@…`. */
async function activate(
  route: Route,
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
        const r = await route(ne, i).call('POST', '/api/tasks', {
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

/** One setup under test: its instances, its NEs and destinations, and how to tell that tasks are active. */
interface Setup {
  readonly admfs: readonly AdmfProcess[];
  readonly nes: readonly FakeNe[];
  readonly dids: ReadonlyMap<string, string>;
  readonly allActive: (xids: string[]) => Promise<boolean>;
  close(): Promise<void>;
}

/** One timed pass through a setup. */
interface Pass {
  /** Activations per second, from the first POST of the pass until every task of it is active. */
  readonly rate: number;
  /** CPU seconds the ADMF instances used per 1,000 activations (all instances together), where /proc tells. */
  readonly admfCpuPer1000?: number;
}

/**
 * `n` activations (prefix `prefix`) through the setup, until all are active; timed. Round robin over the
 * instances, or with `toOwners` each to its NE's owner (as a client that knew the owners would send them): a
 * diagnostic of what two processes cost on this machine without any change handed between them.
 */
async function pass(s: Setup, prefix: string, n: number, toOwners = false): Promise<Pass> {
  const owners = new Map<string, AdmfProcess>();
  if (toOwners) for (const a of s.admfs) for (const ne of (await a.ownership()).owned) owners.set(ne, a);
  const route: Route = (ne, i) => owners.get(ne) ?? s.admfs[i % s.admfs.length]!;
  const cpu0 = s.admfs.map((a) => cpuSeconds(a.child.pid));
  const start = performance.now();
  const xids = await activate(route, s.nes, s.dids, prefix, n);
  while (!(await s.allActive(xids))) await new Promise((r) => setTimeout(r, 20));
  const rate = (n * 1000) / (performance.now() - start);
  // NaN where /proc cannot be read: then no CPU figure.
  const cpu = s.admfs
    .map((a, i) => (cpuSeconds(a.child.pid) ?? NaN) - (cpu0[i] ?? NaN))
    .reduce((x, y) => x + y, 0);
  return Number.isNaN(cpu) ? { rate } : { rate, admfCpuPer1000: (cpu * 1000) / n };
}

/** Registers fresh NEs with the instances and warms every instance (its JIT) with `WARM` activations. */
async function setUp(
  admfs: readonly AdmfProcess[],
  allActive: Setup['allActive'],
  close: () => Promise<void>,
): Promise<Setup> {
  const nes = await startNes(NES);
  const dids = await registerNes(admfs, nes);
  const s: Setup = {
    admfs,
    nes,
    dids,
    allActive,
    close: async () => {
      await close();
      await Promise.all(nes.map((n) => n.close()));
    },
  };
  await pass(s, 'w', WARM);
  return s;
}

async function pgSetup(server: RunningPostgres, instances: number, name: string): Promise<Setup> {
  const url = await server.createDatabase();
  const admfs: AdmfProcess[] = [];
  for (let i = 0; i < instances; i++) admfs.push(await startAdmfProcess(url, `${name}${i}`));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const allActive = async (xids: string[]) => {
    const r = await db.query(
      `SELECT count(*)::int AS n FROM tasks WHERE xid = ANY($1) AND state = 'active'`,
      [xids],
    );
    return (r.rows[0] as { n: number }).n === xids.length;
  };
  return setUp(admfs, allActive, async () => {
    await db.end();
    await stop(admfs);
  });
}

async function sqliteSetup(): Promise<Setup> {
  const a = await startAdmfProcess('sqlite', 'sqlite');
  // Every activation through a single SQLite instance answers once the NE did (201, active).
  return setUp(
    [a],
    () => Promise.resolve(true),
    () => stop([a]),
  );
}

const median = (xs: readonly number[]) => percentile([...xs], 50);

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
  const nes = await startNes(NES);
  try {
    return await fn(nes);
  } finally {
    await Promise.all(nes.map((n) => n.close()));
  }
}

/** The activation scenarios, alive together and timed in turns (see the file's comment). */
async function activationRounds(server: RunningPostgres): Promise<Record<Scenario, Pass[]>> {
  const setups: Setup[] = [];
  try {
    const sqlite = await sqliteSetup();
    setups.push(sqlite);
    const one = await pgSetup(server, 1, 'one');
    setups.push(one);
    const two = await pgSetup(server, 2, 'two');
    setups.push(two);
    const out: Record<Scenario, Pass[]> = { sqlite: [], one: [], two: [], owners: [] };
    const timed: Record<Scenario, () => Promise<Pass>> = {
      sqlite: () => pass(sqlite, `s${out.sqlite.length}`, TASKS),
      one: () => pass(one, `o${out.one.length}`, TASKS),
      two: () => pass(two, `t${out.two.length}`, TASKS),
      owners: () => pass(two, `r${out.owners.length}`, TASKS, true),
    };
    for (let round = 0; round < ACTIVATION_ROUNDS; round++) {
      // Alternate which PostgreSQL scenario goes first, so that neither always follows the other.
      const order: Scenario[] =
        round % 2 === 0 ? ['sqlite', 'one', 'two', 'owners'] : ['sqlite', 'owners', 'two', 'one'];
      for (const k of order) out[k].push(await timed[k]());
    }
    return out;
  } finally {
    for (const s of setups.reverse()) await s.close();
  }
}

type Scenario = 'sqlite' | 'one' | 'two' | 'owners';

/**
 * Scenario `a` against `b` by rounds: the round with the median ratio a[i] / b[i] gives the figures shown (so
 * that value, baseline and ratio agree), with every round's ratio alongside.
 */
function compare(a: readonly Pass[], b: readonly Pass[], baseline: string) {
  const ratios = a.map((p, i) => p.rate / b[i]!.rate);
  const i = ratios.indexOf(median(ratios));
  return {
    value: a[i]!.rate,
    unit: 'tasks/s',
    baseline,
    baselineValue: b[i]!.rate,
    ratio: ratios[i]!,
    extra: { ...figures(a), ratios: ratios.map((r) => r.toFixed(2)).join(' ') },
  };
}

function figures(ps: readonly Pass[]) {
  const cpu = ps.map((p) => p.admfCpuPer1000).filter((c) => c !== undefined);
  return {
    tasks: TASKS,
    rounds: ps.length,
    warmup: WARM,
    nes: NES,
    concurrency: CONCURRENCY,
    ...(cpu.length === ps.length && { admfCpuSecondsPer1000: median(cpu) }),
  };
}

async function run(): Promise<BenchResult[]> {
  const server = await startPostgres();
  try {
    const { sqlite, one, two, owners } = await activationRounds(server);
    const times = await withNes((n) => takeovers(server, n));
    const bound = CLUSTER_TIMERS.leaseTtlMs + CLUSTER_TIMERS.leaseRenewMs;
    const onPg = 'one instance on PostgreSQL';
    return [
      {
        bench: 'admf.pg.activate.sqlite',
        value: median(sqlite.map((p) => p.rate)),
        unit: 'tasks/s',
        extra: figures(sqlite),
      },
      { bench: 'admf.pg.activate.one', ...compare(one, sqlite, 'one instance on SQLite') },
      { bench: 'admf.pg.activate.two', ...compare(two, one, onPg), target: '>=1.0' },
      { bench: 'admf.pg.activate.two.owners', ...compare(owners, one, onPg) },
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
