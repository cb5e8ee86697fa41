/**
 * Rate limit for warnings that a remote peer can trigger at will (refused TLS handshakes, malformed input):
 * per key (a remote address) the first `perWindow` warnings of a window are logged, the rest are counted,
 * and when the window ends one summary line says how many were suppressed. A peer can thus write at most
 * `perWindow + 1` lines per window however hard it tries.
 */
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { Logger } from './logger.js';

export interface LogLimiterOptions {
  /** Warnings logged per key and window (default 10). */
  readonly perWindow?: number;
  /** Window length in ms (default 60 s). */
  readonly windowMs?: number;
  readonly clock?: Clock;
  /** Keys remembered at most; beyond, windows that have ended are forgotten first (default 10,000). */
  readonly maxKeys?: number;
}

export const LOG_LIMITER_DEFAULTS = { perWindow: 10, windowMs: 60_000, maxKeys: 10_000 } as const;

interface Window {
  readonly start: number;
  logged: number;
  suppressed: number;
  timer: TimerHandle | undefined;
}

/** Counts of a {@link LogLimiter}. */
export interface LogLimiterCounts {
  logged: number;
  suppressed: number;
}

export class LogLimiter {
  readonly counts: LogLimiterCounts = { logged: 0, suppressed: 0 };
  readonly #windows = new Map<string, Window>();
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #clock: Clock;

  constructor(
    private readonly logger: Logger,
    o: LogLimiterOptions = {},
  ) {
    this.#perWindow = o.perWindow ?? LOG_LIMITER_DEFAULTS.perWindow;
    this.#windowMs = o.windowMs ?? LOG_LIMITER_DEFAULTS.windowMs;
    this.#maxKeys = o.maxKeys ?? LOG_LIMITER_DEFAULTS.maxKeys;
    this.#clock = o.clock ?? systemClock;
  }

  /** Logs `msg` at warn level with `fields` unless `key` has used up its window; then counts it. */
  warn(key: string, fields: object, msg: string): void {
    const now = this.#clock.now();
    let w = this.#windows.get(key);
    if (w && now - w.start >= this.#windowMs) {
      this.#end(key, w);
      w = undefined;
    }
    if (!w) {
      if (this.#windows.size >= this.#maxKeys) this.#prune(now);
      w = { start: now, logged: 0, suppressed: 0, timer: undefined };
      this.#windows.set(key, w);
    }
    if (w.logged < this.#perWindow) {
      w.logged++;
      this.counts.logged++;
      this.logger.warn(fields, msg);
      return;
    }
    w.suppressed++;
    this.counts.suppressed++;
    const open = w;
    w.timer ??= this.#clock.setTimer(open.start + this.#windowMs - now, () => this.#end(key, open));
  }

  /** Writes the summaries of the windows still open (at shutdown). */
  close(): void {
    for (const [key, w] of [...this.#windows]) this.#end(key, w);
  }

  #end(key: string, w: Window): void {
    if (this.#windows.get(key) === w) this.#windows.delete(key);
    w.timer?.cancel();
    w.timer = undefined;
    if (w.suppressed === 0) return;
    const seconds = Math.round(this.#windowMs / 1000);
    this.logger.warn(
      { remoteAddress: key, suppressed: w.suppressed, windowSeconds: seconds },
      `suppressed ${w.suppressed} warnings from ${key} in the last ${seconds} s`,
    );
    w.suppressed = 0;
  }

  /** Forgets ended windows; when every key is still in its window, the oldest ones are ended early. */
  #prune(now: number): void {
    for (const [key, w] of this.#windows) if (now - w.start >= this.#windowMs) this.#end(key, w);
    for (const [key, w] of this.#windows) {
      if (this.#windows.size < this.#maxKeys) break;
      this.#end(key, w);
    }
  }
}
