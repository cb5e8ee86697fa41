/**
 * The workers' counters and destination health put back together (docs/probe.md "Threads"), so that the NE
 * sees one probe as it would with no workers: counters summed, each destination's senders summed into one
 * snapshot, and one destination fault per DID — raised when the first worker's sender of it faults, cleared
 * when the last one clears.
 */
import type { DeliverySnapshot } from '../delivery.js';
import { newMessageCounters, type MessageCounters } from '../probe-options.js';
import type { ByProtocol, MaskCounters } from '../mask/index.js';
import type { WorkerStats } from './protocol.js';

const zero = (): ByProtocol => ({ sip: 0, diameter: 0, gtpv2: 0 });
const zeroCounters = newMessageCounters;
const COUNTER_KEYS = Object.keys(zeroCounters()) as (keyof MessageCounters)[];

function addInto<T extends Record<string, number>>(into: T, from: Readonly<Record<string, number>>): T {
  const o = into as Record<string, number>;
  for (const [k, v] of Object.entries(from)) o[k] = (o[k] ?? 0) + v;
  return into;
}

/** What a fault or clear of one worker's sender means for the destination as the NE reports it. */
export type FaultChange = 'raise' | 'clear' | 'none';

export class WorkerStatsView {
  private readonly latest = new Map<number, WorkerStats>();
  private readonly faultedBy = new Map<string, Set<number>>();
  /** The counters of workers that died (their last report). */
  private retired: MessageCounters = zeroCounters();

  /** A worker's newest counters (they are running totals, so the newest replaces the older). */
  update(worker: number, stats: WorkerStats): void {
    this.latest.set(worker, stats);
  }

  /**
   * A worker that died: its counters so far stay in the sums (as `retired`), its faults go. Returns the DIDs
   * whose last faulted sender it was.
   */
  retire(worker: number): string[] {
    const s = this.latest.get(worker);
    if (s) {
      this.retired = this.sum([this.retired, s.counters]);
      this.latest.delete(worker);
    }
    const cleared: string[] = [];
    for (const [did, set] of this.faultedBy) {
      if (set.delete(worker) && set.size === 0) {
        this.faultedBy.delete(did);
        cleared.push(did);
      }
    }
    return cleared;
  }

  fault(did: string, worker: number): FaultChange {
    let set = this.faultedBy.get(did);
    if (!set) this.faultedBy.set(did, (set = new Set()));
    const first = set.size === 0;
    set.add(worker);
    return first ? 'raise' : 'none';
  }

  clear(did: string, worker: number): FaultChange {
    const set = this.faultedBy.get(did);
    if (!set?.delete(worker) || set.size > 0) return 'none';
    this.faultedBy.delete(did);
    return 'clear';
  }

  /** The destination is gone: its fault state with it. */
  forget(did: string): void {
    this.faultedBy.delete(did);
  }

  counters(): MessageCounters {
    return this.sum([this.retired, ...[...this.latest.values()].map((s) => s.counters)]);
  }

  tasks(): number {
    return Math.max(0, ...[...this.latest.values()].map((s) => s.tasks));
  }

  index(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.latest.values()) addInto(out, s.index);
    return out;
  }

  masking(): MaskCounters {
    const out: MaskCounters = { fields: zero(), messages: zero(), dropped: zero() };
    for (const s of this.latest.values()) {
      addInto(out.fields, s.masking.fields);
      addInto(out.messages, s.masking.messages);
      addInto(out.dropped, s.masking.dropped);
    }
    return out;
  }

  badBatches(): number {
    let n = 0;
    for (const s of this.latest.values()) n += s.badBatches;
    return n;
  }

  /** One snapshot per DID of `uris`, summed over the workers' senders; `down` when any worker's is down. */
  destinations(uris: ReadonlyMap<string, string>): DeliverySnapshot[] {
    return [...uris].map(([did, uri]) => {
      const d = {
        did,
        uri,
        state: 'up',
        faulted: this.faultedBy.has(did),
        sent: 0,
        dropped: 0,
        queued: 0,
        errors: 0,
        tooLarge: 0,
        overMtu: 0,
      };
      for (const s of this.latest.values()) {
        const w = s.destinations.find((x) => x.did === did);
        if (!w) continue;
        if (w.state !== 'up') d.state = w.state;
        d.sent += w.sent;
        d.dropped += w.dropped;
        d.queued += w.queued;
        d.errors += w.errors;
        d.tooLarge += w.tooLarge;
        d.overMtu += w.overMtu;
      }
      return d;
    });
  }

  private sum(parts: readonly MessageCounters[]): MessageCounters {
    const out = zeroCounters();
    for (const p of parts) for (const k of COUNTER_KEYS) out[k] += p[k];
    return out;
  }
}
