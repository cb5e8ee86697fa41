/**
 * NE store benches (`npm run bench -- store`), on a real file in the temp directory:
 * - `store.commit.*`: latency of one durable commit (WAL, synchronous=FULL) — a single-task insert, and a task
 *   with its audit row as the NE writes them — against the floor of the same disk: a 4 KiB append + fdatasync.
 * - `store.100k.*`: 100,000 tasks inserted in one transaction, streamed with `iterateTasks()` (time and peak
 *   memory, against `listTasks()` building the whole array), `tasksUsingDestination` from the DID index,
 *   `deleteAllTasks` (DeactivateAllTasks).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openNeStore, type SqliteNeStore } from '../src/store/sqlite-ne-store.js';
import { indexedUuid, smallDestination, smallTask, T0 } from '../test/support/store-ne-fixtures.js';
import { median, type Bench, type BenchResult } from './harness.js';

const COMMITS = Number(process.env.LIX_BENCH_STORE_COMMITS ?? 1000);
const TASKS = 100_000;
const DESTINATIONS = 100;
const SAMPLE_EVERY = 1000;
const PAGE = 4096;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const xid = (prefix: string, i: number) => indexedUuid(prefix, i);
const did = (i: number) => indexedUuid('d0000000', i);

function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Microseconds of each of `n` calls of `fn(i)`. */
function latencies(n: number, fn: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

function withStore<T>(fn: (s: SqliteNeStore, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lix-store-bench-'));
  const s = openNeStore(dir);
  try {
    return fn(s, dir);
  } finally {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function fsyncFloor(dir: string, n: number): number[] {
  const fd = openSync(join(dir, 'fsync-floor'), 'w');
  const page = Buffer.alloc(PAGE, 1);
  try {
    return latencies(n, () => {
      writeSync(fd, page);
      fdatasyncSync(fd);
    });
  } finally {
    closeSync(fd);
  }
}

function commitLatency(): BenchResult[] {
  return withStore((s, dir) => {
    s.insertDestination(smallDestination(did(0)));
    const insert = (prefix: string) => (i: number) =>
      s.insertTask({
        details: smallTask(xid(prefix, i), [did(0)]),
        origin: 'x1',
        provisioningStatus: 'complete',
        at: T0,
      });
    latencies(50, insert('b0000000')); // warm-up
    // Interleaved in blocks, so a noisy neighbour hits subject and floor alike.
    const single: number[] = [];
    const withAudit: number[] = [];
    const floor: number[] = [];
    const block = 100;
    for (let b = 0; b < COMMITS / block; b++) {
      floor.push(...fsyncFloor(dir, block));
      single.push(...latencies(block, (i) => insert('a0000000')(b * block + i)));
      withAudit.push(
        ...latencies(block, (i) =>
          s.transaction(() => {
            const x = xid('c0000000', b * block + i);
            insert('c0000000')(b * block + i);
            s.appendAudit({ at: i, actor: 'x1', action: 'ActivateTaskRequest', outcome: 'ok', xid: x });
          }),
        ),
      );
    }
    const floorMedian = median(floor);
    const result = (bench: string, xs: number[]): BenchResult => ({
      bench,
      value: median(xs),
      unit: 'µs',
      baseline: '4 KiB write + fdatasync',
      baselineValue: floorMedian,
      ratio: median(xs) / floorMedian,
      target: '<=3.0',
      extra: { p99: percentile(xs, 0.99), commits: xs.length },
    });
    return [result('store.commit.insertTask', single), result('store.commit.task+audit', withAudit)];
  });
}

/**
 * Runs `fn`, which calls `sample()` as it goes (a synchronous loop gives a timer no chance to sample); returns
 * ms and the peak heap growth in MiB. Each sample first collects the young generation: garbage waiting there
 * is V8's choice, not the code's (16 MiB semi-spaces on Node 20; on Node 24 they scale with the machine's
 * memory, and a stream of 100,000 rows showed 94 MiB of it), so what is measured is the heap the code holds.
 */
function peak<T>(fn: (sample: () => void) => T): { result: T; ms: number; heapMiB: number } {
  gc();
  const base = process.memoryUsage().heapUsed;
  let heap = base;
  const sample = () => {
    gc({ type: 'minor' });
    heap = Math.max(heap, process.memoryUsage().heapUsed);
  };
  const t0 = performance.now();
  const result = fn(sample);
  const ms = performance.now() - t0;
  sample();
  return { result, ms, heapMiB: (heap - base) / 2 ** 20 };
}

function hundredThousand(): BenchResult[] {
  return withStore((s) => {
    for (let d = 0; d < DESTINATIONS; d++) s.insertDestination(smallDestination(did(d)));
    const t0 = performance.now();
    s.transaction(() => {
      for (let i = 0; i < TASKS; i++) {
        const details = smallTask(xid('a0000000', i), [did(i % DESTINATIONS)]);
        s.insertTask({ details, origin: 'x1', provisioningStatus: 'complete', at: T0 });
      }
    });
    const insertMs = performance.now() - t0;

    const streamed = peak((sample) => {
      let n = 0;
      for (const t of s.iterateTasks()) if (t.details.xId && ++n % SAMPLE_EVERY === 0) sample();
      return n;
    });
    const listed = peak((sample) => {
      const all = s.listTasks();
      sample();
      return all.length;
    });
    const fragments = peak((sample) => {
      let n = 0;
      for (const f of s.iterateTaskFragments()) if (f.xid && ++n % SAMPLE_EVERY === 0) sample();
      return n;
    });
    if (streamed.result !== TASKS || listed.result !== TASKS || fragments.result !== TASKS)
      throw new Error('not every task was read');
    const users = latencies(200, (i) => s.tasksUsingDestination(did(i % DESTINATIONS)));
    const t1 = performance.now();
    if (s.deleteAllTasks().length !== TASKS) throw new Error('not every task was deleted');
    const deleteAllMs = performance.now() - t1;
    const extra = { tasks: TASKS };
    return [
      {
        bench: 'store.100k.insert',
        value: insertMs,
        unit: 'ms',
        extra: { ...extra, tasksPerSecond: (TASKS * 1000) / insertMs },
      },
      {
        bench: 'store.100k.iterateTasks',
        value: streamed.ms,
        unit: 'ms',
        extra: { ...extra, listTasksMs: listed.ms },
      },
      {
        bench: 'store.100k.iterateTasks.peakHeap',
        value: streamed.heapMiB,
        unit: 'MiB',
        baseline: 'listTasks() peak heap',
        baselineValue: listed.heapMiB,
        ratio: streamed.heapMiB / listed.heapMiB,
        target: '<=0.5',
        extra,
      },
      {
        bench: 'store.100k.iterateTaskFragments',
        value: fragments.ms,
        unit: 'ms',
        extra: { ...extra, peakHeapMiB: fragments.heapMiB },
      },
      {
        bench: 'store.100k.tasksUsingDestination',
        value: median(users),
        unit: 'µs',
        extra: { ...extra, usersPerDid: TASKS / DESTINATIONS, p99: percentile(users, 0.99) },
      },
      { bench: 'store.100k.deleteAllTasks', value: deleteAllMs, unit: 'ms', extra },
    ];
  });
}

const benches: Bench[] = [
  { name: 'store.commit', run: async () => commitLatency() },
  { name: 'store.100k', run: async () => hundredThousand() },
];

export default benches;
