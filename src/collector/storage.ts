/**
 * The collector's output directory and everything that watches it: the PCAPng sink, the free-space watch,
 * retention, the storage state (failing or not) and who is told about it, and the gate that closes the stream
 * listeners during a long storage fault (docs/collector.md, "Storage faults", "Retention").
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { DiskWatch, DISK_WATCH_DEFAULTS, type DiskSpace } from './disk-watch.js';
import type { Listener } from './listeners.js';
import { Retention, type RetentionCounters, type RetentionOptions } from './retention.js';
import { PcapngSink, type RotateOptions } from './sink.js';
import { StorageGate } from './storage-gate.js';

export interface CaptureStorageOptions {
  readonly outDir: string;
  readonly rotate?: RotateOptions;
  readonly maxQueuedBytes?: number;
  readonly lowSpacePercent?: number;
  readonly diskCheckMs?: number;
  readonly retention?: RetentionOptions | false;
  readonly storageGraceMs?: number | false;
  readonly logger: Logger;
}

type Watcher = (problem: string | undefined) => void;

export class CaptureStorage {
  readonly sink: PcapngSink;
  readonly #disk: DiskWatch;
  readonly #retention: Retention | undefined;
  readonly #watchers = new Set<Watcher>();
  #gate: StorageGate | undefined;
  #problem: string | undefined;

  /** Checks that the directory takes files (throws one line otherwise); nothing runs before {@link start}. */
  constructor(
    private readonly o: CaptureStorageOptions,
    private readonly clock: Clock,
  ) {
    this.sink = new PcapngSink(o.outDir, o.rotate ?? {}, clock, o.logger, undefined, {
      ...(o.maxQueuedBytes !== undefined && { maxQueuedBytes: o.maxQueuedBytes }),
      onStorageState: (code) => this.#state(code),
    });
    this.#disk = new DiskWatch(
      o.outDir,
      clock,
      o.logger,
      o.lowSpacePercent,
      o.diskCheckMs ?? DISK_WATCH_DEFAULTS.checkMs,
    );
    this.#retention =
      o.retention === false
        ? undefined
        : new Retention(o.outDir, o.retention ?? {}, (p) => this.sink.isOpen(p), clock, o.logger);
  }

  /** Why the storage fails now, or undefined while it works. */
  get problem(): string | undefined {
    return this.#problem;
  }

  get disk(): DiskSpace | undefined {
    return this.#disk.space;
  }

  get retention(): RetentionCounters | undefined {
    return this.#retention && { ...this.#retention.counters };
  }

  /** Starts the watches, retention, and the gate over the bound listeners. */
  start(listeners: readonly Listener[]): void {
    if (this.o.storageGraceMs !== false) {
      const gate = new StorageGate(listeners, this.clock, this.o.logger, this.o.storageGraceMs ?? undefined);
      this.#gate = gate;
      this.#watchers.add((p) => gate.state(p));
    }
    this.#disk.start();
    this.#retention?.start();
  }

  /** Calls `fn` at once with the current state and then at every change; returns the unsubscribe function. */
  watch(fn: Watcher): () => void {
    this.#watchers.add(fn);
    fn(this.#problem);
    return () => this.#watchers.delete(fn);
  }

  /** Stops the watches and closes the files. */
  close(): void {
    this.#disk.stop();
    this.#retention?.stop();
    this.#gate?.stop();
    this.sink.close();
  }

  #state(code: string | undefined): void {
    this.#problem = code === undefined ? undefined : `capture storage failing (${code})`;
    for (const w of this.#watchers) {
      try {
        w(this.#problem);
      } catch (err) {
        this.o.logger.error({ err }, 'a storage-state watcher failed');
      }
    }
  }
}
