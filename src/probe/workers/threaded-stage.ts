/**
 * The message stage on worker threads, as the probe uses it (docs/probe.md "Threads"): the pool of workers,
 * what they reported put back together (merge.ts), and what the workers cannot be handed as such — the
 * destinations' URIs for the summed snapshots, and which URIs a consumer in the same process serves.
 */
import type { Logger } from '../../lib/logger.js';
import type { StmSenderFactory, StmTooLargeInfo } from '../../transport/stm-sender-base.js';
import type { DestinationDetails, TaskDetails } from '../../x1/model.js';
import { stmUriOf, type DeliverySnapshot } from '../delivery.js';
import type { MessageCounters } from '../probe-options.js';
import type { MaskCounters } from '../mask/index.js';
import type { ProbeMessage } from '../messages.js';
import { WorkerStatsView } from './merge.js';
import { WorkerPool } from './pool.js';
import type { GtpRouteCounters } from './shard.js';

export interface ThreadedStageEvents {
  /** The first worker's sender of `did` faulted: the destination is a fault. */
  fault(did: string, reason: string): void;
  /** The last faulted worker's sender of `did` cleared. */
  clear(did: string, reason: string): void;
  tooLarge(did: string, info: StmTooLargeInfo): void;
  /** Task counters a worker gathered (TaskStatus: X2 bytes, time of the last intercept). */
  intercepted(xid: string, bytes: number, at: bigint): void;
  /** A worker died with `lost` messages not processed; another replaces it. */
  failed(worker: number, err: unknown, lost: number): void;
}

export interface ThreadedStageOptions {
  readonly workers: number;
  readonly neId: string;
  readonly maskKeys: boolean;
  /** Must carry its `settings` (`stmSenders()`): each worker makes its own senders from them. */
  readonly senders: StmSenderFactory;
  readonly logger: Logger;
  readonly events: ThreadedStageEvents;
  readonly queueLimit?: number;
  readonly downFaultMs?: number;
}

export class ThreadedStage {
  private readonly pool: WorkerPool;
  private readonly view = new WorkerStatsView();
  /** Destinations by DID with their STM URI. */
  private readonly uris = new Map<string, string>();
  private readonly consumers = new Map<string, { serves: (uri: string) => boolean; problem?: string }>();

  /** Throws when `senders` cannot be made in another thread (a test factory). */
  constructor(opts: ThreadedStageOptions) {
    const settings = opts.senders.settings;
    if (!settings)
      throw new Error('probe workers need senders a worker thread can make (stmSenders() of src/transport)');
    const { events } = opts;
    this.pool = new WorkerPool({
      workers: opts.workers,
      neId: opts.neId,
      maskKeys: opts.maskKeys,
      senders: settings,
      logger: opts.logger,
      ...(opts.queueLimit !== undefined && { queueLimit: opts.queueLimit }),
      ...(opts.downFaultMs !== undefined && { downFaultMs: opts.downFaultMs }),
      events: {
        fault: (did, w, reason) => {
          if (this.view.fault(did, w) === 'raise') events.fault(did, reason);
        },
        clear: (did, w, reason) => {
          if (this.view.clear(did, w) === 'clear') events.clear(did, reason);
        },
        tooLarge: (did, info) => events.tooLarge(did, info),
        stats: (w, stats) => {
          this.view.update(w, stats);
          for (const [xid, bytes, at] of stats.pending) events.intercepted(xid, bytes, at);
        },
        failed: (w, err, lost) => {
          events.failed(w, err, lost);
          for (const did of this.view.retire(w))
            events.clear(did, 'the worker whose sender faulted was replaced');
        },
      },
    });
  }

  /** Worker threads. */
  get size(): number {
    return this.pool.size;
  }

  /** Messages handed to each worker and not yet processed. */
  get queued(): number[] {
    return this.pool.queued;
  }

  /** Hands `m` to the worker of its session; false when that worker's queue is full (dropped). */
  dispatch(m: ProbeMessage): boolean {
    return this.pool.dispatch(m);
  }

  /** See {@link WorkerPool.busy}. */
  busy(): Promise<void> | undefined {
    return this.pool.busy();
  }

  applyTask(task: TaskDetails): void {
    this.pool.applyTask(task);
  }

  removeTask(xid: string): void {
    this.pool.removeTask(xid);
  }

  /** A worker that cannot make the sender reports a destination fault. */
  applyDestination(d: DestinationDetails): void {
    const uri = stmUriOf(d.deliveryAddress);
    if (uri !== undefined) this.uris.set(d.dId, uri);
    this.pool.applyDestination(d);
    this.sendConsumers();
  }

  removeDestination(did: string): void {
    this.uris.delete(did);
    this.view.forget(did);
    this.pool.removeDestination(did);
  }

  /** A consumer in the same process (the lab's collector) and its problem: see `Deliveries.consumerState`. */
  consumerState(id: string, serves: (uri: string) => boolean, problem: string | undefined): void {
    this.consumers.set(id, { serves, ...(problem !== undefined && { problem }) });
    this.sendConsumers();
  }

  /** Workers learn which destinations each consumer serves (its test is a function: it cannot cross). */
  private sendConsumers(): void {
    for (const [id, c] of this.consumers) {
      const uris = [...this.uris.values()].filter((u) => c.serves(u));
      this.pool.consumerState({ t: 'consumer', id, uris, problem: c.problem });
    }
  }

  /** Asks the workers for their counters (`check`: after their destination health check); resolves on the answers. */
  stats(check: boolean): Promise<void> {
    return this.pool.stats(check);
  }

  counters(): MessageCounters {
    return this.view.counters();
  }

  masking(): MaskCounters {
    return this.view.masking();
  }

  /** The workers' session tables and task count, summed (tasks: as one worker holds them). */
  index(): Record<string, number> {
    return { tasks: this.view.tasks(), ...this.view.index() };
  }

  /** How GTPv2-C tunnels are routed to the workers. */
  gtpRoutes(): GtpRouteCounters {
    return this.pool.gtpRoutes;
  }

  badBatches(): number {
    return this.view.badBatches();
  }

  destinations(): DeliverySnapshot[] {
    return this.view.destinations(this.uris);
  }

  close(drainMs: number): Promise<void> {
    return this.pool.close(drainMs);
  }
}
