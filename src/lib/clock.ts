/**
 * Time, injected: production code asks a {@link Clock} for the time and for timers, so tests can use a fake
 * clock (test/support/fake-clock.ts) and jump time instead of sleeping.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Microseconds since the Unix epoch (for X1 timestamps, which carry six fractional digits). */
  nowMicros(): bigint;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

const startMicros = BigInt(Date.now()) * 1000n;
const startHr = process.hrtime.bigint();

/** The real clock. Microseconds come from the monotonic timer anchored at start-up. */
export const systemClock: Clock = {
  now: () => Date.now(),
  nowMicros: () => startMicros + (process.hrtime.bigint() - startHr) / 1000n,
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};
