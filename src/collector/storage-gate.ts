/**
 * What a storage fault does to the collector's stream inputs: a fault that lasts `graceMs` closes the
 * `eep+tcp` and `eep+tls` listeners and their streams, so that the senders see the destination down (a lix NE
 * reports it to the ADMF as a destination fault after its down time, docs/probe.md) and queue or count what
 * they cannot deliver, instead of the collector queueing in memory. When the storage works again the listeners
 * open again on the same ports and the senders reconnect. UDP and SCTP listeners are not touched (a UDP sender
 * cannot be told; the lab links its collector to its NE in-process instead, src/cli/collector-link.ts).
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Listener } from './listeners.js';

export const STORAGE_GATE_DEFAULTS = {
  /** A storage fault this long closes the stream listeners (a blip does not). */
  graceMs: 5_000,
  /** When a listener cannot listen again (its port taken meanwhile), the next try is this much later. */
  retryMs: 5_000,
} as const;

export class StorageGate {
  readonly #streams: Listener[];
  #timer: TimerHandle | undefined;
  #closed = false;
  /** True while the stream listeners are closed for a storage fault. */
  paused = false;
  /** How many times the listeners were closed for a storage fault. */
  pauses = 0;

  constructor(
    listeners: readonly Listener[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly graceMs: number = STORAGE_GATE_DEFAULTS.graceMs,
  ) {
    this.#streams = listeners.filter((l) => l.pause && l.resume);
  }

  /** The sink's storage state: a problem, or `undefined` when it works. */
  state(problem: string | undefined): void {
    if (this.#closed || this.#streams.length === 0) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    if (problem !== undefined) {
      if (!this.paused) this.#timer = this.clock.setTimer(this.graceMs, () => this.#pause(problem));
    } else if (this.paused) void this.#resume();
  }

  stop(): void {
    this.#closed = true;
    this.#timer?.cancel();
  }

  #pause(problem: string): void {
    this.#timer = undefined;
    this.paused = true;
    this.pauses++;
    for (const l of this.#streams) l.pause!(problem);
    this.logger.warn(
      { listeners: this.#streams.map((l) => l.uri.text), graceMs: this.graceMs },
      `${problem}: stream listeners closed until capture files can be written again`,
    );
  }

  async #resume(): Promise<void> {
    try {
      for (const l of this.#streams) await l.resume!();
    } catch (err) {
      this.logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'a stream listener cannot listen again; retrying',
      );
      this.#timer = this.clock.setTimer(STORAGE_GATE_DEFAULTS.retryMs, () => void this.#resume());
      return;
    }
    if (this.#closed) return;
    this.paused = false;
    this.logger.warn(
      { listeners: this.#streams.map((l) => l.uri.text) },
      'capture storage works again: stream listeners open again',
    );
  }
}
