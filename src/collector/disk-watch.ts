/**
 * Free space of the collector's output file system, checked every few seconds (`statfs`): a warning when it
 * falls below a share of the disk, before writes start to fail (those are storage faults, sink.ts), and an
 * info line when it is back above with some margin. The figures go to the stats and the metrics.
 */
import { statfsSync } from 'node:fs';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

export const DISK_WATCH_DEFAULTS = {
  /** Warn below this share of the file system free (percent). */
  lowPercent: 10,
  /** Points above `lowPercent` the free share must climb back to before the warning clears. */
  clearMarginPercent: 2,
  checkMs: 10_000,
} as const;

export interface DiskSpace {
  readonly freeBytes: number;
  readonly totalBytes: number;
  /** True while below the low mark (warned once per episode). */
  readonly low: boolean;
}

export class DiskWatch {
  #space: DiskSpace | undefined;
  #timer: TimerHandle | undefined;

  constructor(
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly lowPercent: number = DISK_WATCH_DEFAULTS.lowPercent,
    private readonly checkMs: number = DISK_WATCH_DEFAULTS.checkMs,
  ) {}

  /** The last figures (undefined before the first check or when `statfs` fails). */
  get space(): DiskSpace | undefined {
    return this.#space;
  }

  start(): void {
    this.check();
    const again = () => {
      this.check();
      this.#timer = this.clock.setTimer(this.checkMs, again);
    };
    this.#timer = this.clock.setTimer(this.checkMs, again);
  }

  stop(): void {
    this.#timer?.cancel();
  }

  /** Reads the free space now; warns on the way down, tells on the way back up. */
  check(): DiskSpace | undefined {
    let s;
    try {
      s = statfsSync(this.dir);
    } catch (err) {
      this.logger.debug({ err, dir: this.dir }, 'cannot read the free space of the capture directory');
      return this.#space;
    }
    const totalBytes = s.blocks * s.bsize;
    const freeBytes = s.bavail * s.bsize;
    const percent = totalBytes > 0 ? (100 * freeBytes) / totalBytes : 100;
    const was = this.#space?.low ?? false;
    const low = was
      ? percent < this.lowPercent + DISK_WATCH_DEFAULTS.clearMarginPercent
      : percent < this.lowPercent;
    const fields = {
      dir: this.dir,
      freeMiB: Math.round(freeBytes / 2 ** 20),
      freePercent: Math.round(percent),
    };
    if (low && !was)
      this.logger.warn(
        fields,
        `capture disk almost full: ${fields.freePercent} % free (warning below ${this.lowPercent} %)`,
      );
    else if (!low && was) this.logger.info(fields, 'capture disk has room again');
    this.#space = { freeBytes, totalBytes, low };
    return this.#space;
  }
}
