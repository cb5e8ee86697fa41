/**
 * Copies of one report that arrive through several destinations of the same task (two DIDs on one
 * collector, an eep+udp and an eep+tcp destination side by side). With one file set per XID each copy would be
 * written again into the same file (and tshark then marks the TCP copies as retransmissions or out of order),
 * so a copy seen within the window is counted (`duplicates`) and not written. Identity of a report: XID,
 * capture time, addresses, ports, transport and payload, digested (SHA-256); the per-destination parts of a
 * report (EEP sequence number, sender) do not count. Memory is bounded by count and by age.
 */
import { createHash } from 'node:crypto';

export const DEDUPE_DEFAULTS = {
  /** A copy arriving this long after the first is written again (reports resent much later are news). */
  windowMs: 5_000,
  /** Digests kept at most (about 100 bytes each). */
  maxEntries: 100_000,
} as const;

export interface ReportIdentity {
  readonly xid: string | undefined;
  readonly timestampMicros: bigint;
  readonly flow: string;
  readonly payload: Uint8Array;
}

export class ReportDedupe {
  /** digest → arrival time (ms), oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs: number = DEDUPE_DEFAULTS.windowMs,
    private readonly maxEntries: number = DEDUPE_DEFAULTS.maxEntries,
  ) {}

  /** True when the same report was seen within the window; records it otherwise. */
  isCopy(r: ReportIdentity): boolean {
    const now = this.now();
    this.expire(now);
    const digest = createHash('sha256')
      .update(`${r.xid ?? ''}|${r.timestampMicros}|${r.flow}|`)
      .update(r.payload)
      .digest('base64');
    if (this.seen.has(digest)) return true;
    this.seen.set(digest, now);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return false;
  }

  private expire(now: number): void {
    for (const [k, at] of this.seen) {
      if (now - at < this.windowMs) return;
      this.seen.delete(k);
    }
  }
}
