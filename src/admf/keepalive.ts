/**
 * Keepalive scheduler (TS 103 221-1 clause 6.6.2; DESIGN.md): for every NE with which keepalives are agreed,
 * one Keepalive at least every TIME_P1 and never more often than TIME_P2. Each gap is TIME_P2, or, with
 * `random`, drawn uniformly inside [TIME_P2, TIME_P1 - guard] so that many NEs do not all fire at once; the
 * guard (a small share of the window) absorbs a busy event loop firing a timer late, so that the gap stays
 * within TIME_P1. The gap runs from one send to the next, whatever the answer time, so a slow NE does not
 * stretch it. One timer per NE on the injected clock.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';

/** Share of the [TIME_P2, TIME_P1] window kept free at its top for late timers, and its cap. */
export const KEEPALIVE_GUARD = { share: 0.05, maxMs: 5_000 } as const;

export interface KeepaliveWindow {
  readonly timeP1Ms: number;
  readonly timeP2Ms: number;
  readonly keepaliveRandom: boolean;
}

export interface KeepaliveSchedulerOptions {
  readonly clock: Clock;
  /** Sends one keepalive; its failures are the sender's business. */
  readonly send: (neId: string) => Promise<void>;
  /** Uniform random numbers in [0, 1). */
  readonly random?: () => number;
  /** Called at every send (bench and tests). */
  readonly onSend?: (neId: string, at: number) => void;
}

interface Entry {
  readonly window: KeepaliveWindow;
  timer: TimerHandle;
  lastSentAt: number | undefined;
  sent: number;
  /** The gap drawn for the next send. */
  gap?: number;
}

export class KeepaliveScheduler {
  private readonly entries = new Map<string, Entry>();
  onSend: ((neId: string, at: number) => void) | undefined;

  constructor(private readonly o: KeepaliveSchedulerOptions) {
    this.onSend = o.onSend;
  }

  /** The next gap for a window. */
  gap(w: KeepaliveWindow): number {
    if (!w.keepaliveRandom) return w.timeP2Ms;
    const window = w.timeP1Ms - w.timeP2Ms;
    const guard = Math.min(KEEPALIVE_GUARD.maxMs, Math.floor(window * KEEPALIVE_GUARD.share));
    const r = (this.o.random ?? Math.random)();
    return w.timeP2Ms + Math.floor(r * (window - guard + 1));
  }

  /**
   * Starts (or restarts) keepalives to an NE; the first leaves one gap from now, or TIME_P2 from `lastSentAt`
   * (the latest the previous owner's last keepalive can have left, after a takeover: at once when that has
   * passed already). After a takeover the first gap is never drawn at random: the takeover itself took time
   * out of the window.
   */
  add(neId: string, window: KeepaliveWindow, lastSentAt?: number): void {
    this.remove(neId);
    const entry: Entry = { window, timer: { cancel: () => undefined }, lastSentAt, sent: 0 };
    this.entries.set(neId, entry);
    this.schedule(neId, entry, lastSentAt === undefined ? undefined : window.timeP2Ms);
  }

  remove(neId: string): void {
    this.entries.get(neId)?.timer.cancel();
    this.entries.delete(neId);
  }

  has(neId: string): boolean {
    return this.entries.has(neId);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Time of the last keepalive sent to an NE. */
  lastSentAt(neId: string): number | undefined {
    return this.entries.get(neId)?.lastSentAt;
  }

  /**
   * The keepalive that fired last left only at `at` (the sender first recorded it in a shared store): the next
   * gap runs from then, so that two sends are never closer than the gap.
   */
  markSent(neId: string, at: number): void {
    const e = this.entries.get(neId);
    if (!e || e.gap === undefined) return;
    e.timer.cancel();
    e.lastSentAt = at;
    this.schedule(neId, e, e.gap);
  }

  stop(): void {
    for (const e of this.entries.values()) e.timer.cancel();
    this.entries.clear();
  }

  /**
   * Arms the next send `gap` after the last one (by the clock). A timer can fire a little early by the clock
   * (Node measures timers from the event loop's cached time, which lags when a turn ran long), so a timer
   * that fires before the gap has passed waits out the rest: never more often than TIME_P2.
   */
  private schedule(neId: string, entry: Entry, gap = this.gap(entry.window)): void {
    entry.gap = gap;
    const due = (entry.lastSentAt ?? this.o.clock.now()) + gap;
    const fire = () => {
      if (this.entries.get(neId) !== entry) return;
      const at = this.o.clock.now();
      if (at < due) {
        entry.timer = this.o.clock.setTimer(Math.max(1, due - at), fire);
        return;
      }
      entry.lastSentAt = at;
      entry.sent++;
      this.schedule(neId, entry);
      this.onSend?.(neId, at);
      void this.o.send(neId).catch(() => undefined);
    };
    entry.timer = this.o.clock.setTimer(Math.max(0, due - this.o.clock.now()), fire);
  }
}
