/**
 * Benchmark harness. Each `bench/*.bench.ts` file default-exports an array of {@link Bench}. A bench measures
 * its subject and a baseline in the same run and reports the ratio, because these machines are noisy.
 */
export interface BenchResult {
  /** Dotted name, e.g. `x1.codec.activate`. */
  readonly bench: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: string;
  readonly baselineValue?: number;
  /** value / baselineValue for rates (higher is better), or as stated by `target`. */
  readonly ratio?: number;
  /** The target as text, e.g. `>=0.30` or `<=3.0`. */
  readonly target?: string;
  /** Extra figures (peak memory, p99, ...). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface Bench {
  /** Name prefix used by `npm run bench -- NAME` to select benches. */
  readonly name: string;
  run(): Promise<readonly BenchResult[]>;
}

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export async function opsPerSecond(fn: () => unknown, ms = 1000): Promise<number> {
  const warmEnd = performance.now() + Math.min(200, ms / 5);
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** Async variant of {@link opsPerSecond}: awaits each call. */
export async function opsPerSecondAsync(fn: () => Promise<unknown>, ms = 1000): Promise<number> {
  const warmEnd = performance.now() + Math.min(200, ms / 5);
  while (performance.now() < warmEnd) await fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await fn();
    n++;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** Samples process memory while `fn` runs; returns its result, the wall time and the peak RSS/heap growth. */
export async function measurePeak<T>(
  fn: () => T | Promise<T>,
): Promise<{ result: T; ms: number; peakRssMiB: number; peakHeapMiB: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 5);
  const start = performance.now();
  try {
    const result = await fn();
    sample();
    return {
      result,
      ms: performance.now() - start,
      peakRssMiB: (peakRss - base.rss) / 2 ** 20,
      peakHeapMiB: (peakHeap - base.heapUsed) / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Measures a subject and its baseline in interleaved rounds (baseline, subject, baseline, ...) and returns the
 * median rate of each, so that a noisy neighbour or a GC pause hits both alike.
 */
export async function interleavedRates(
  baseline: () => unknown,
  subject: () => unknown,
  opts: { rounds?: number; msPerRound?: number } = {},
): Promise<{ baseline: number; subject: number }> {
  const rounds = opts.rounds ?? 7;
  const ms = opts.msPerRound ?? 300;
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(await opsPerSecond(baseline, ms));
    s.push(await opsPerSecond(subject, ms));
  }
  return { baseline: median(b), subject: median(s) };
}

/**
 * Like {@link interleavedRates}, but the ratio is the median of the per-round ratios: each round measures both
 * sides back to back (the order alternates between rounds), which cancels the load drift of a shared machine
 * better than a ratio of two medians taken over the whole run.
 */
export async function pairedRates(
  baseline: () => unknown,
  subject: () => unknown,
  opts: { rounds?: number; msPerRound?: number } = {},
): Promise<{ baseline: number; subject: number; ratio: number }> {
  const rounds = opts.rounds ?? 21;
  const ms = opts.msPerRound ?? 150;
  const b: number[] = [];
  const s: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const first = i % 2 === 0;
    const x = first ? await opsPerSecond(baseline, ms) : 0;
    const y = await opsPerSecond(subject, ms);
    const z = first ? x : await opsPerSecond(baseline, ms);
    b.push(z);
    s.push(y);
    r.push(y / z);
  }
  return { baseline: median(b), subject: median(s), ratio: median(r) };
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, c) => a - c);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
