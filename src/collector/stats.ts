import type { DtlsServerCounters } from '../transport/dtls/server.js';
import { zeroRefusals, type ConnRefusalCounts } from '../transport/conn-guard.js';
import type { DiskSpace } from './disk-watch.js';
import type { RetentionCounters } from './retention.js';

/**
 * Collector counters. Per source (listener + remote address): received, decoded, malformed, lost (gaps in
 * the sender's per-destination sequence numbers), late (a sequence number behind the expected one), bytes.
 */

export interface SourceStats {
  readonly listener: string;
  readonly remote: string;
  /** Datagrams, or frames and malformed runs of a stream. */
  received: number;
  decoded: number;
  malformed: number;
  lost: number;
  late: number;
  bytes: number;
  /** Packets written to files from this source. */
  written: number;
}

export interface CollectorTotals {
  received: number;
  decoded: number;
  malformed: number;
  lost: number;
  late: number;
  bytes: number;
  /** Packets written to files. */
  written: number;
  /** Reports not written: copies of a report already written for the same XID (through another destination). */
  duplicates: number;
  /** Reports whose payload did not fit one IP packet: written cut short (EPB comment `lix.truncated`). */
  truncated: number;
  connections: number;
  /**
   * Connections refused (listener or address full), closed while pending (no report or handshake in time,
   * evicted), or whose TLS handshake failed.
   */
  refused: number;
  /** Connections closed by the collector: hopeless garbage, idle timeout. */
  disconnected: number;
  /** Failed opens and writes of capture files (full disk, read-only, I/O errors). */
  storageFaults: number;
  /** Packets counted in `written` that were then dropped because the storage failed for too long. */
  notWritten: number;
  /** Warnings not logged by the per-address rate limit. */
  warningsSuppressed: number;
}

export interface CollectorStats {
  readonly totals: CollectorTotals;
  /** The connection guard's part of `totals.refused`, by reason. */
  readonly connectionsRefused: ConnRefusalCounts;
  readonly sources: readonly SourceStats[];
  readonly files: readonly string[];
  /** Free space of the output file system (with `--out`). */
  readonly disk?: DiskSpace;
  /** Why the capture storage fails now (an errno code such as ENOSPC or EROFS); absent while it works. */
  readonly storageProblem?: string;
  /** What retention removed (with `--out`). */
  readonly retention?: RetentionCounters;
  /** With `eep+dtls` listeners: cookies sent, handshakes, handshake and authentication failures, replays. */
  readonly dtls?: DtlsServerCounters;
}

const UINT32_SPAN = 0x1_0000_0000;
const HALF_SPAN = 0x8000_0000;

/** Tracks the sequence numbers of each sender (by key); reports how many were lost before each one. */
export class SequenceTracker {
  #last = new Map<string, number>();

  /** Returns `{ lost, late }` for one report of sender `key`. */
  see(key: string, seq: number): { lost: number; late: boolean } {
    const last = this.#last.get(key);
    // Senders start at 0: a 0 is a restarted sender (a new sequence space), not a late report.
    if (last === undefined || seq === 0) {
      this.#last.set(key, seq);
      return { lost: 0, late: false };
    }
    const diff = (seq - last - 1 + UINT32_SPAN) % UINT32_SPAN;
    if (diff >= HALF_SPAN) return { lost: 0, late: true };
    this.#last.set(key, seq);
    return { lost: diff, late: false };
  }
}

export class StatsBook {
  readonly totals: CollectorTotals = {
    received: 0,
    decoded: 0,
    malformed: 0,
    lost: 0,
    late: 0,
    bytes: 0,
    written: 0,
    duplicates: 0,
    truncated: 0,
    connections: 0,
    refused: 0,
    disconnected: 0,
    storageFaults: 0,
    notWritten: 0,
    warningsSuppressed: 0,
  };
  readonly connectionsRefused: ConnRefusalCounts = zeroRefusals();
  readonly #sources = new Map<string, SourceStats>();

  source(listener: string, remote: string): SourceStats {
    const key = `${listener} ${remote}`;
    let s = this.#sources.get(key);
    if (!s) {
      s = { listener, remote, received: 0, decoded: 0, malformed: 0, lost: 0, late: 0, bytes: 0, written: 0 };
      this.#sources.set(key, s);
    }
    return s;
  }

  received(s: SourceStats, bytes: number): void {
    s.received++;
    s.bytes += bytes;
    this.totals.received++;
    this.totals.bytes += bytes;
  }

  decoded(s: SourceStats): void {
    s.decoded++;
    this.totals.decoded++;
  }

  malformed(s: SourceStats): void {
    s.malformed++;
    this.totals.malformed++;
  }

  sequence(s: SourceStats, r: { lost: number; late: boolean }): void {
    s.lost += r.lost;
    this.totals.lost += r.lost;
    if (r.late) {
      s.late++;
      this.totals.late++;
    }
  }

  snapshot(
    files: readonly string[],
    storage?: { faults: number; dropped: number },
    warningsSuppressed = 0,
    disk?: DiskSpace,
  ): CollectorStats {
    return {
      totals: {
        ...this.totals,
        ...(storage && { storageFaults: storage.faults, notWritten: storage.dropped }),
        warningsSuppressed,
      },
      connectionsRefused: { ...this.connectionsRefused },
      sources: [...this.#sources.values()].map((s) => ({ ...s })),
      files: [...files],
      ...(disk && { disk }),
    };
  }
}
