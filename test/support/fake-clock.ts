/** A clock whose time only moves when a test says so; timers fire in order as time passes. */
import type { Clock, TimerHandle } from '../../src/lib/clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Pending[] = [];

  constructor(start = Date.UTC(2026, 10, 22, 10, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  nowMicros(): bigint {
    return BigInt(this.t) * 1000n;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(p);
    return { cancel: () => void (this.timers = this.timers.filter((x) => x !== p)) };
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing every timer that falls due, in order, and letting promises settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await flush();
  }

  /** A sleep driven by this clock. */
  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.setTimer(ms, resolve));
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}
