/**
 * Retention of the collector's capture files: by age and by size, applied at start and then periodically.
 * Only closed `*.pcapng` files directly in the output directory are candidates (the files being written are
 * never touched, nor anything else in the directory); the oldest (by modification time) go first. Each sweep
 * that removes something logs one line with the files and bytes removed; the totals are counted for the
 * stats and the metrics. A file that cannot be removed is counted as a retention error and kept.
 */
import { readdirSync, statfsSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

/** The size limit: a number of bytes, or a share of the output file system's size. */
export type SizeLimit = { readonly bytes: number } | { readonly percent: number };

export interface RetentionOptions {
  /** Files last written longer ago than this many days are removed (0: no age limit). */
  readonly maxAgeDays?: number;
  /** The capture files together may not exceed this; the oldest closed ones go first (`undefined`: default). */
  readonly maxSize?: SizeLimit | 'none';
  /** How often the sweep runs (ms). */
  readonly sweepMs?: number;
}

/** Safe defaults: a month of captures, and at most 80 % of the output file system. */
export const RETENTION_DEFAULTS = {
  maxAgeDays: 30,
  maxSize: { percent: 80 } as SizeLimit,
  sweepMs: 60_000,
  extension: '.pcapng',
} as const;

/** What retention has done since the start. */
export interface RetentionCounters {
  sweeps: number;
  filesRemoved: number;
  bytesRemoved: number;
  /** Files that were due but could not be removed. */
  errors: number;
}

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/**
 * Parses a size: `80%` (of the file system), or bytes with an optional binary unit `K`, `M`, `G`, `T`
 * (optionally followed by `iB` or `B`): `500M`, `1.5G`, `2TiB`, `1000000`. Throws with one clear line.
 */
export function parseSize(text: string, flag = '--retain-size'): SizeLimit {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) {
    const percent = Number(pct[1]);
    if (percent > 0 && percent <= 100) return { percent };
    throw new Error(`${flag} must be a share between 0 and 100 %, not ${text}`);
  }
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(t);
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!) : NaN;
  if (!(bytes > 0))
    throw new Error(`${flag} must be a size such as 500M, 20G or 80% (of the file system), not ${text}`);
  return { bytes };
}

/** A size limit as text for logs and tables. */
export function formatSize(s: SizeLimit | 'none'): string {
  if (s === 'none') return 'none';
  return 'percent' in s ? `${s.percent}% of the file system` : `${s.bytes} bytes`;
}

interface Candidate {
  readonly path: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

/** Sweeps the output directory; `isOpen` says which files are being written (never removed). */
export class Retention {
  readonly counters: RetentionCounters = { sweeps: 0, filesRemoved: 0, bytesRemoved: 0, errors: 0 };
  /** How often the sweep runs (ms). */
  readonly sweepMs: number;
  readonly #maxAgeMs: number;
  readonly #maxSize: SizeLimit | 'none';
  #timer: TimerHandle | undefined;

  constructor(
    private readonly dir: string,
    o: RetentionOptions,
    private readonly isOpen: (path: string) => boolean,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#maxAgeMs = (o.maxAgeDays ?? RETENTION_DEFAULTS.maxAgeDays) * 86_400_000;
    this.#maxSize = o.maxSize ?? RETENTION_DEFAULTS.maxSize;
    this.sweepMs = o.sweepMs ?? RETENTION_DEFAULTS.sweepMs;
  }

  /** Sweeps now, then every `sweepMs`. */
  start(): void {
    this.sweep();
    const again = () => {
      this.sweep();
      this.#timer = this.clock.setTimer(this.sweepMs, again);
    };
    this.#timer = this.clock.setTimer(this.sweepMs, again);
  }

  stop(): void {
    this.#timer?.cancel();
  }

  /** The size limit in bytes now (a percentage is read from the file system), or undefined for none. */
  #limitBytes(): number | undefined {
    const s = this.#maxSize;
    if (s === 'none') return undefined;
    if ('bytes' in s) return s.bytes;
    try {
      const fs = statfsSync(this.dir);
      return Math.floor((fs.blocks * fs.bsize * s.percent) / 100);
    } catch {
      return undefined;
    }
  }

  /** One pass: files past the age limit, then the oldest closed files until the total fits the size limit. */
  sweep(): { files: number; bytes: number } {
    this.counters.sweeps++;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      this.logger.debug({ err, dir: this.dir }, 'retention cannot read the capture directory');
      return { files: 0, bytes: 0 };
    }
    const files: Candidate[] = [];
    let total = 0;
    for (const name of names) {
      if (!name.endsWith(RETENTION_DEFAULTS.extension)) continue;
      const path = join(this.dir, name);
      try {
        const st = statSync(path);
        if (!st.isFile()) continue;
        total += st.size;
        if (!this.isOpen(path)) files.push({ path, bytes: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // Gone meanwhile (a purge): nothing to do.
      }
    }
    files.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
    const now = this.clock.now();
    const limit = this.#limitBytes();
    const removed = { files: 0, bytes: 0, byAge: 0, bySize: 0, errors: 0 };
    for (const f of files) {
      const old = this.#maxAgeMs > 0 && now - f.mtimeMs > this.#maxAgeMs;
      const over = limit !== undefined && total > limit;
      if (!old && !over) break;
      try {
        unlinkSync(f.path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // Already gone (a purge meanwhile): no longer counts, but was not removed here.
        if (code === 'ENOENT') total -= f.bytes;
        else if (++removed.errors === 1)
          this.logger.warn({ file: f.path, code }, `retention cannot remove a capture file (${code})`);
        continue;
      }
      total -= f.bytes;
      removed.files++;
      removed.bytes += f.bytes;
      if (old) removed.byAge++;
      else removed.bySize++;
    }
    this.counters.filesRemoved += removed.files;
    this.counters.bytesRemoved += removed.bytes;
    this.counters.errors += removed.errors;
    if (removed.files > 0)
      this.logger.info(
        {
          dir: this.dir,
          files: removed.files,
          bytes: removed.bytes,
          byAge: removed.byAge,
          bySize: removed.bySize,
          keptBytes: total,
        },
        `retention removed ${removed.files} capture file(s), ${removed.bytes} bytes`,
      );
    else this.logger.debug({ dir: this.dir, keptBytes: total }, 'retention sweep: nothing to remove');
    return { files: removed.files, bytes: removed.bytes };
  }
}
