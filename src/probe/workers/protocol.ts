/**
 * What the NE's thread and the probe's worker threads say to each other (docs/probe.md "Threads"). Frames'
 * messages travel as packed batches (batch.ts, the ArrayBuffer transferred); everything else is a small
 * control message, sent per task or destination change or per counter period, never per packet; how far a
 * worker got is a counter in shared memory ({@link PROGRESS}). One port per
 * worker, and a port keeps order: a task change posted after a batch is applied after that batch and before
 * the next one.
 */
import type { StmSenderSettings, StmTooLargeInfo } from '../../transport/stm-sender-base.js';
import type { DestinationDetails, TaskDetails } from '../../x1/model.js';
import type { DeliverySnapshot } from '../delivery.js';
import type { MessageCounters } from '../probe-options.js';
import type { MaskCounters } from '../mask/index.js';

/** What a worker is started with (`workerData`): all of it structured-cloneable. */
export interface WorkerInit {
  readonly index: number;
  readonly neId: string;
  readonly maskKeys: boolean;
  /** The settings of `stmSenders()` (TLS files for `eep+tls`, queue limit, back-off): each worker has its senders. */
  readonly senders: StmSenderSettings;
  /** The pino level of the NE's logger; the worker's log lines go to it. */
  readonly logLevel: string;
  readonly downFaultMs?: number;
  /** Shared with the NE's thread, as an Int32Array indexed by {@link PROGRESS}. */
  readonly progress: SharedArrayBuffer;
}

/**
 * The hand-off's progress, in memory shared by the NE's thread and one worker, instead of a message per batch
 * (a message wakes the other thread: at small batches that cost more than a microsecond per message).
 */
export const PROGRESS = {
  /** Messages the worker has processed, modulo 2^32 (the worker adds each batch's count). */
  processed: 0,
  /** 1 while the NE's thread waits for the workers to catch up: the worker then posts `ack` after each batch. */
  waiting: 1,
  /** Int32 slots. */
  length: 2,
} as const;

/** NE thread → worker. */
export type ToWorker =
  | { readonly t: 'batch'; readonly buffer: ArrayBuffer; readonly count: number }
  | { readonly t: 'task'; readonly task: TaskDetails }
  | { readonly t: 'untask'; readonly xid: string }
  | { readonly t: 'dest'; readonly d: DestinationDetails }
  | { readonly t: 'undest'; readonly did: string }
  /** A consumer in the same process: the URIs it serves and its problem (undefined: it stores again). */
  | {
      readonly t: 'consumer';
      readonly id: string;
      readonly uris: readonly string[];
      readonly problem: string | undefined;
    }
  /** Report counters; with `check`, run the periodic destination health check first. */
  | { readonly t: 'stats'; readonly check: boolean }
  | { readonly t: 'close'; readonly drainMs: number };

/** Task counters gathered by a worker since its last stats: XID, X2 bytes, time of the last intercept. */
export type PendingRow = readonly [xid: string, bytes: number, at: bigint];

/** A worker's counters, as its stage and senders keep them. */
export interface WorkerStats {
  readonly counters: MessageCounters;
  readonly tasks: number;
  readonly index: Readonly<Record<string, number>>;
  readonly masking: MaskCounters;
  readonly destinations: readonly DeliverySnapshot[];
  readonly pending: readonly PendingRow[];
  /** Batches that did not unpack (a bug; their messages are counted here, not processed). */
  readonly badBatches: number;
}

/** Worker → NE thread. */
export type FromWorker =
  /** A batch processed while the NE's thread waits ({@link PROGRESS}): look at the progress again. */
  | { readonly t: 'ack' }
  | { readonly t: 'fault'; readonly did: string; readonly reason: string }
  | { readonly t: 'clear'; readonly did: string; readonly reason: string }
  | { readonly t: 'tooLarge'; readonly did: string; readonly info: StmTooLargeInfo }
  | { readonly t: 'stats'; readonly stats: WorkerStats }
  | { readonly t: 'closed'; readonly stats: WorkerStats }
  /** One JSON log line of the worker's pino logger. */
  | { readonly t: 'log'; readonly line: string };
