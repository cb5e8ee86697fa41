/**
 * The health of the probe's packet source as an NE fault (DESIGN.md: "Faults are remembered and shown in
 * status until cleared; the clearing is reported"). Two conditions share the NE's non-terminating fault:
 *
 * - `dropping`: the capture lost packets before the probe saw them (tcpdump's kernel and interface drop
 *   counters grew since the last check); cleared once {@link CAPTURE_HEALTH}.quietMs pass without a new drop;
 * - `failed`: the source could not capture at all (no interface, no permission, unreadable file); it stays.
 *
 * One owner for the fault, so that clearing the drops never clears a failure and a failure is reported even
 * while drops were shown (the drops are cleared first: the code is the same).
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { ISSUE_CODES } from '../x1/errors.js';
import type { ProbeHost } from './probe-options.js';

export const CAPTURE_HEALTH = {
  /** A drop fault clears after this long without a new drop. */
  quietMs: 10_000,
} as const;

export type CaptureState = 'ok' | 'dropping' | 'failed';

export interface CaptureHealthOptions {
  readonly neId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly host: () => ProbeHost | undefined;
  readonly quietMs?: number;
}

export class CaptureHealth {
  private state: CaptureState = 'ok';
  private seen = 0;
  private lastDropAt = 0;

  constructor(private readonly o: CaptureHealthOptions) {}

  get current(): CaptureState {
    return this.state;
  }

  /** Called every check period with the source's running total of lost packets (undefined: not counted). */
  observe(dropped: number | undefined): void {
    if (dropped === undefined || this.state === 'failed') return;
    const now = this.o.clock.now();
    if (dropped > this.seen) {
      const fresh = dropped - this.seen;
      this.seen = dropped;
      this.lastDropAt = now;
      this.o.logger.warn(
        { dropped: fresh, total: dropped },
        'capture dropped packets before the probe saw them',
      );
      if (this.state === 'ok') {
        this.state = 'dropping';
        this.fault(`capture is dropping packets (${fresh} lost since the last check, ${dropped} in all)`);
      }
      return;
    }
    if (this.state === 'dropping' && now - this.lastDropAt >= (this.o.quietMs ?? CAPTURE_HEALTH.quietMs)) {
      this.state = 'ok';
      this.clear(
        `capture has dropped no packets for ${Math.round((now - this.lastDropAt) / 1000)} s (${dropped} lost in all)`,
      );
    }
  }

  /** The source failed for good: an NE fault that stays. */
  failed(description: string, why: string): void {
    if (this.state === 'dropping') this.clear('capture stopped');
    this.state = 'failed';
    this.fault(`packet source ${description} failed: ${why}`);
  }

  private fault(text: string): void {
    this.o
      .host()
      ?.issues.fault(
        { kind: 'ne', id: this.o.neId },
        { errorCode: ISSUE_CODES.NonTerminating, errorDescription: text },
      );
  }

  private clear(text: string): void {
    this.o.host()?.issues.clear({ kind: 'ne', id: this.o.neId }, ISSUE_CODES.NonTerminating, text);
  }
}
