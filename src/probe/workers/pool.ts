/**
 * The probe's worker threads, seen from the NE's thread (docs/probe.md "Threads"). Whole messages are sharded
 * by session (shard.ts) into one batch per worker, handed over by transferring the batch's buffer; task and
 * destination changes go to every worker behind the batches already packed, so each worker applies them before
 * the next message it sees. The hand-off queue of each worker is bounded: past {@link POOL_DEFAULTS}.queueLimit
 * messages not yet processed, a message is dropped and counted (`queueFull`), never held without bound.
 *
 * A worker that dies is counted, its unprocessed messages are counted as lost (`workerFailed`), and a new one
 * is started with the current tasks and destinations (the sessions it held are gone: their later messages
 * match again only by identity).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/logger.js';
import type { StmSenderSettings, StmTooLargeInfo } from '../../transport/stm-sender-base.js';
import type { DestinationDetails, TaskDetails } from '../../x1/model.js';
import type { ProbeMessage } from '../messages.js';
import { BatchWriter } from './batch.js';
import { PROGRESS, type FromWorker, type ToWorker, type WorkerInit, type WorkerStats } from './protocol.js';
import { Sharder, type GtpRouteCounters } from './shard.js';
import { logLine } from './worker-log.js';

/** Defaults of {@link PoolOptions}. */
export const POOL_DEFAULTS = {
  /** Messages handed to one worker and not yet processed, at most; beyond, messages are dropped (counted). */
  queueLimit: 32_768,
  /** A batch is handed over when it holds this many messages (or at the next turn of the event loop). */
  batchMessages: 512,
  /** Octets of a batch buffer. */
  batchBytes: 512 * 1024,
  /**
   * A source that can wait waits while a worker holds more messages than this (or half its queue limit, when
   * smaller): enough to keep the workers busy between two checks, little for a task change to wait behind.
   */
  busyMessages: 4_096,
  /** The longest one wait of {@link WorkerPool.busy} lasts (a worker pauses for a destination up to 2 s). */
  busyMaxWaitMs: 3_000,
} as const;

export interface PoolEvents {
  /** A worker's sender of `did` faulted. */
  fault(did: string, worker: number, reason: string): void;
  clear(did: string, worker: number, reason: string): void;
  tooLarge(did: string, info: StmTooLargeInfo): void;
  /** Stats from a worker (answer to a stats request, or its last at close). */
  stats(worker: number, stats: WorkerStats): void;
  /** A worker died; it is being replaced. */
  failed(worker: number, err: unknown, lost: number): void;
}

export interface PoolOptions {
  readonly workers: number;
  readonly neId: string;
  readonly maskKeys: boolean;
  readonly senders: StmSenderSettings;
  readonly logger: Logger;
  readonly events: PoolEvents;
  readonly queueLimit?: number;
  readonly batchMessages?: number;
  readonly downFaultMs?: number;
}

interface Slot {
  worker: Worker;
  writer: BatchWriter;
  /** Messages posted, modulo 2^32 (as an int32). */
  posted: number;
  /** Shared with the worker ({@link PROGRESS}): how many it has processed, and whether this thread waits. */
  readonly progress: Int32Array;
  /** Resolvers waiting for this worker's next stats or its close. */
  statsWaiters: Array<() => void>;
  closed: boolean;
}

/** Messages posted to the slot's worker and not yet processed by it. */
function inFlight(s: Slot): number {
  return (s.posted - Atomics.load(s.progress, PROGRESS.processed)) | 0;
}

/** The worker file beside this one: `.ts` when run from the sources (tsx), `.js` when built. */
const WORKER_URL = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly sharder: Sharder;
  private readonly queueLimit: number;
  private readonly batchMessages: number;
  private flushScheduled = false;
  private idleWaiters: Array<() => void> = [];
  private closing = false;
  /** What a replacement worker must be told: the current tasks, destinations and consumer states. */
  private readonly tasks = new Map<string, TaskDetails>();
  private readonly destinations = new Map<string, DestinationDetails>();
  private readonly consumers = new Map<string, Extract<ToWorker, { t: 'consumer' }>>();

  constructor(private readonly opts: PoolOptions) {
    this.queueLimit = opts.queueLimit ?? POOL_DEFAULTS.queueLimit;
    this.batchMessages = opts.batchMessages ?? POOL_DEFAULTS.batchMessages;
    this.sharder = new Sharder(opts.workers);
    for (let i = 0; i < opts.workers; i++) this.slots.push(this.spawn(i));
  }

  /** How GTPv2-C tunnels are being routed to the workers (shard.ts). */
  get gtpRoutes(): GtpRouteCounters {
    return this.sharder.gtp.counters;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Messages handed over and not yet processed, per worker. */
  get queued(): number[] {
    return this.slots.map((s) => inFlight(s) + s.writer.count);
  }

  /** Hands `m` to the worker of its session; false when that worker's queue is full (dropped). */
  dispatch(m: ProbeMessage): boolean {
    const s = this.slots[this.sharder.of(m)]!;
    if (inFlight(s) + s.writer.count >= this.queueLimit) return false;
    if (!s.writer.fits(m)) this.post(s);
    s.writer.add(m);
    if (s.writer.count >= this.batchMessages) this.post(s);
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Hands over every batch packed so far. */
  flush(): void {
    this.flushScheduled = false;
    for (const s of this.slots) if (s.writer.count > 0) this.post(s);
  }

  /**
   * While some worker holds more than {@link POOL_DEFAULTS}.busyMessages messages (or half its queue), a promise
   * that resolves once none does, or after `busyMaxWaitMs`: a source that can wait (a capture file) waits on it
   * instead of losing messages. A worker whose destination is backed up stops taking messages, so this also
   * waits for slow destinations. Otherwise undefined.
   */
  busy(): Promise<void> | undefined {
    this.flush();
    if (!this.overHalf()) return undefined;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
        if (this.idleWaiters.length === 0) this.setWaiting(false);
        resolve();
      }, POOL_DEFAULTS.busyMaxWaitMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(wake);
      // The flag first, then the counts again: a batch finished in between is seen here or wakes us (worker.ts).
      this.setWaiting(true);
      this.wakeIfCaughtUp();
    });
  }

  private wakeIfCaughtUp(): void {
    if (this.idleWaiters.length === 0 || this.overHalf()) return;
    this.setWaiting(false);
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Whether the workers post `ack` after each batch (only while a source waits for them). */
  private setWaiting(on: boolean): void {
    for (const s of this.slots) Atomics.store(s.progress, PROGRESS.waiting, on ? 1 : 0);
  }

  applyTask(task: TaskDetails): void {
    this.tasks.set(task.xId, task);
    this.broadcast({ t: 'task', task });
  }

  removeTask(xid: string): void {
    this.tasks.delete(xid);
    this.broadcast({ t: 'untask', xid });
  }

  applyDestination(d: DestinationDetails): void {
    this.destinations.set(d.dId, d);
    this.broadcast({ t: 'dest', d });
  }

  removeDestination(did: string): void {
    this.destinations.delete(did);
    this.broadcast({ t: 'undest', did });
  }

  consumerState(m: Extract<ToWorker, { t: 'consumer' }>): void {
    this.consumers.set(m.id, m);
    this.broadcast(m);
  }

  /** Asks every worker for its counters (`check`: after its destination health check); resolves on the answers. */
  async stats(check: boolean): Promise<void> {
    const answers = this.slots.map((s) => new Promise<void>((r) => s.statsWaiters.push(r)));
    this.broadcast({ t: 'stats', check });
    await Promise.all(answers);
  }

  /** Lets queued reports drain for up to `drainMs`, gathers the last counters and stops every worker. */
  async close(drainMs: number): Promise<void> {
    this.closing = true;
    const done = this.slots.map((s) => new Promise<void>((r) => s.statsWaiters.push(r)));
    this.broadcast({ t: 'close', drainMs });
    await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, drainMs + 2_000).unref())]);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.setWaiting(false);
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private broadcast(m: ToWorker): void {
    this.flush();
    for (const s of this.slots) if (!s.closed) s.worker.postMessage(m);
  }

  private post(s: Slot): void {
    const { buffer, count } = s.writer.take();
    s.posted = (s.posted + count) | 0;
    s.worker.postMessage({ t: 'batch', buffer, count } satisfies ToWorker, [buffer]);
  }

  private overHalf(): boolean {
    const most = Math.min(this.queueLimit / 2, POOL_DEFAULTS.busyMessages);
    return this.slots.some((s) => inFlight(s) + s.writer.count > most);
  }

  private spawn(index: number): Slot {
    const progress = new Int32Array(new SharedArrayBuffer(PROGRESS.length * Int32Array.BYTES_PER_ELEMENT));
    if (this.idleWaiters.length > 0) progress[PROGRESS.waiting] = 1;
    const init: WorkerInit = {
      progress: progress.buffer as SharedArrayBuffer,
      index,
      neId: this.opts.neId,
      maskKeys: this.opts.maskKeys,
      senders: this.opts.senders,
      logLevel: this.opts.logger.level,
      ...(this.opts.downFaultMs !== undefined && { downFaultMs: this.opts.downFaultMs }),
    };
    const worker = new Worker(WORKER_URL, { workerData: init, name: `lix-probe-${index}` });
    const slot: Slot = {
      worker,
      writer: new BatchWriter(POOL_DEFAULTS.batchBytes),
      posted: 0,
      progress,
      statsWaiters: [],
      closed: false,
    };
    worker.on('message', (m: FromWorker) => this.fromWorker(index, slot, m));
    worker.on('error', (err) => this.failed(index, slot, err));
    worker.on('exit', (code) => {
      if (!this.closing && !slot.closed) this.failed(index, slot, new Error(`exited with code ${code}`));
    });
    // A replacement learns the present state first; later changes follow through broadcast().
    for (const d of this.destinations.values()) worker.postMessage({ t: 'dest', d } satisfies ToWorker);
    for (const c of this.consumers.values()) worker.postMessage(c);
    for (const task of this.tasks.values()) worker.postMessage({ t: 'task', task } satisfies ToWorker);
    return slot;
  }

  private fromWorker(index: number, s: Slot, m: FromWorker): void {
    switch (m.t) {
      case 'ack':
        return this.wakeIfCaughtUp();
      case 'fault':
        return this.opts.events.fault(m.did, index, m.reason);
      case 'clear':
        return this.opts.events.clear(m.did, index, m.reason);
      case 'tooLarge':
        return this.opts.events.tooLarge(m.did, m.info);
      case 'log':
        return logLine(this.opts.logger, m.line);
      case 'closed':
      case 'stats':
        if (m.t === 'closed') s.closed = true;
        this.opts.events.stats(index, m.stats);
        for (const w of s.statsWaiters.splice(0)) w();
        return;
    }
  }

  /** A worker died: count what it held, replace it, and let whoever waited on it go on. */
  private failed(index: number, s: Slot, err: unknown): void {
    if (s.closed || this.slots[index] !== s) return;
    s.closed = true;
    const lost = inFlight(s);
    s.posted = Atomics.load(s.progress, PROGRESS.processed);
    this.opts.events.failed(index, err, lost);
    for (const w of s.statsWaiters.splice(0)) w();
    this.wakeIfCaughtUp();
    void s.worker.terminate();
    if (this.closing) return;
    const next = this.spawn(index);
    // Messages packed for the dead worker and not yet handed over go to its replacement.
    next.writer = s.writer;
    this.slots[index] = next;
  }
}
