/**
 * The probe: the NE's data plane (DESIGN.md "Probe"). Frames from a packet source are decoded into whole
 * SIP, Diameter and GTPv2-C messages, inspected for identities and session keys, matched against the active
 * tasks, and every matched message goes as an STM report to each X2 destination of its task. Activating,
 * modifying or deactivating a task changes the index at once, so the next frame already sees it.
 *
 * Task counters (TaskStatus clause 6.4.2.2: time of last intercept, amount of X2 data) are batched and
 * written every {@link PROBE_TIMERS.counterFlushMs}; destination faults become ReportDestinationIssue and
 * the DestinationStatus `deliveryFault`, cleared when delivery resumes.
 *
 * Decoding (and so IP, TCP and SCTP reassembly) runs in the caller's thread; the message stage
 * (intercept.ts) runs there too with `workers: 1`, or in worker threads, each for the sessions sharded to it
 * (src/probe/workers/, docs/probe.md "Threads").
 */
import type { TimerHandle } from '../lib/clock.js';
import type { InterceptUpdate } from '../store/ne-store.js';
import { checkDeliveryAddress } from '../stm/uri.js';
import { ISSUE_CODES } from '../x1/errors.js';
import { checkTargets, PROBE_TARGET_KINDS, type Refusal } from '../x1/targets.js';
import type { DestinationDetails, TargetKind, TaskDetails } from '../x1/model.js';
import { formatTimestamp } from '../x1/simple-types.js';
import { CaptureHealth } from './capture-health.js';
import { PacketDecoder } from './decode/decoder.js';
import { DELIVERY_TIMERS, Deliveries, stmUriOf, type DeliverySnapshot } from './delivery.js';
import { addPending, Interceptor, type PendingIntercepts } from './intercept.js';
import type { MaskCounters } from './mask/index.js';
import { TargetIndex } from './match/index.js';
import { POOL_DEFAULTS } from './workers/pool.js';
import { ThreadedStage } from './workers/threaded-stage.js';
import type { GtpRouteCounters } from './workers/shard.js';
import { PROBE_TIMERS, type ProbeCounters, type ProbeHost, type ProbeOptions } from './probe-options.js';
import type { Frame, ProbeMessage } from './messages.js';
import type { SourceEvents } from './sources/packet-source.js';
import { STM_DEFAULTS, type StmTooLargeInfo } from '../transport/stm-sender-base.js';

/** How often a source waiting for a slow destination looks again (ms). */
const BACKLOG_POLL_MS = 5;

export * from './probe-options.js';

/** The warning logged at start, and shown on the health endpoint, while key masking is off. */
export const KEY_MASKING_OFF =
  'key masking is OFF (maskKeys: false / --no-mask-keys): keys and authentication vectors in intercepted signalling are delivered as captured, against TS 33.501';

/** Target kinds with a meaning for captured signalling (the NE refuses the rest with TargetTypeUnsupported). */
const SUPPORTED: ReadonlySet<TargetKind> = new Set(PROBE_TARGET_KINDS);

/** The probe; it has the shape of the NE's `DataPlane` (the CLI hands one to the other). */
export class Probe {
  /** Frames and failures counted in this thread (decoding, the hand-off to workers). */
  private readonly own = { frames: 0, internalErrors: 0, queueFull: 0, workerFailed: 0, workerRestarts: 0 };
  readonly decoder: PacketDecoder;
  /** The message stage when it runs in this thread (`workers: 1`), with its destinations. */
  private readonly stage: Interceptor | undefined;
  private readonly deliveries: Deliveries | undefined;
  /** The message stage on worker threads otherwise. */
  private readonly threads: ThreadedStage | undefined;
  private host: ProbeHost | undefined;
  /** The NE fault for a source that drops packets or fails. */
  private readonly capture: CaptureHealth;
  private pending: PendingIntercepts = new Map();
  private dropsLogged = 0;
  private readonly timers = new Map<string, TimerHandle>();
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: ProbeOptions) {
    this.decoder = new PacketDecoder(opts.decoder);
    this.capture = new CaptureHealth({
      neId: opts.neId,
      clock: opts.clock,
      logger: opts.logger,
      host: () => this.host,
      ...(opts.captureQuietMs !== undefined && { quietMs: opts.captureQuietMs }),
    });
    const destinationEvents = {
      fault: (did: string, reason: string) => this.destinationFault(did, reason),
      clear: (did: string, reason: string) => this.destinationClear(did, reason),
      tooLarge: (did: string, info: StmTooLargeInfo) => this.tooLarge(did, info),
    };
    const workers = opts.workers ?? 1;
    if (workers > 1) {
      this.threads = new ThreadedStage({
        workers,
        neId: opts.neId,
        maskKeys: opts.maskKeys ?? true,
        senders: opts.senders,
        logger: opts.logger,
        ...(opts.workerQueueLimit !== undefined && { queueLimit: opts.workerQueueLimit }),
        ...(opts.downFaultMs !== undefined && { downFaultMs: opts.downFaultMs }),
        events: {
          ...destinationEvents,
          intercepted: (xid, bytes, at) => addPending(this.pending, xid, bytes, at),
          failed: (w, err, lost) => this.workerFailed(w, err, lost),
        },
      });
      return;
    }
    const deliveries = new Deliveries({
      logger: opts.logger,
      clock: opts.clock,
      senders: opts.senders,
      ...(opts.downFaultMs !== undefined && { downFaultMs: opts.downFaultMs }),
      events: destinationEvents,
    });
    this.deliveries = deliveries;
    // Sessions age on the NE's clock (tests jump it).
    this.stage = new Interceptor({
      neId: opts.neId,
      logger: opts.logger,
      now: () => opts.clock.now(),
      maskKeys: opts.maskKeys ?? true,
      send: (did, report) => deliveries.send(did, report),
    });
  }

  /** A worker thread died (a bug): counted, raised as an NE fault through the capture health, and replaced. */
  private workerFailed(w: number, err: unknown, lost: number): void {
    this.own.workerRestarts++;
    this.own.workerFailed += lost;
    this.opts.logger.error({ err, worker: w, lost }, 'probe worker thread died; starting another');
  }

  private tooLarge(did: string, info: StmTooLargeInfo): void {
    this.host?.issues.warn(
      { kind: 'task', id: info.xid },
      `a message of ${info.size} bytes does not fit a report to ${did} (limit ${info.maxSize}); not delivered`,
    );
  }

  /** What the probe counted; with workers, the sum of their counters as last reported (see {@link settled}). */
  get counters(): Readonly<ProbeCounters> {
    const stage = this.stage?.counters ?? this.threads!.counters();
    return { ...stage, ...this.own, internalErrors: stage.internalErrors + this.own.internalErrors };
  }

  /** Key masking: whether it is on, and what it counted (summed over the workers). */
  get masker(): { readonly enabled: boolean; readonly counters: MaskCounters } {
    return {
      enabled: this.opts.maskKeys ?? true,
      counters: this.stage?.masker.counters ?? this.threads!.masking(),
    };
  }

  /** Messages handed to each worker and not yet processed (empty without workers). */
  workerQueues(): number[] {
    return this.threads?.queued ?? [];
  }

  /** Threads of the message stage: 1 when it runs in the NE's thread. */
  get workers(): number {
    return this.threads?.size ?? 1;
  }

  /**
   * Resolves once every message fed so far went through the message stage and the workers' counters are
   * current (tests, benches). At once without workers.
   */
  async settled(): Promise<void> {
    await this.threads?.stats(false);
  }

  /** Called by the NE once its store and issue reporter exist (before tasks are restored). */
  attach(host: ProbeHost): void {
    this.host = host;
  }

  checkTask(task: TaskDetails): Refusal | undefined {
    const refusal = checkTargets(task, SUPPORTED);
    if (refusal) return refusal;
    try {
      new TargetIndex().add(task.xId, task.targetIdentifiers);
    } catch (err) {
      // A kind it cannot match, or a value that is not an identifier of its kind (a schema-valid IMSI of 3
      // digits): TS 103 221-1 has no finer code than TargetTypeUnsupported for either.
      return { kind: 'TargetTypeUnsupported', reason: err instanceof Error ? err.message : String(err) };
    }
    return undefined;
  }

  /** The address must be an STM destination this NE can send to: TLS material for eep+tls, SCTP for eep+sctp. */
  checkDestination(d: DestinationDetails): Refusal | undefined {
    const refusal = checkDeliveryAddress(d.deliveryAddress);
    if (refusal) return refusal;
    const uri = stmUriOf(d.deliveryAddress);
    const reason = uri === undefined ? undefined : this.opts.senders.unusable(uri);
    return reason === undefined ? undefined : { kind: 'DeliveryAddressUnusable', reason };
  }

  async applyTask(task: TaskDetails): Promise<void> {
    // Re-adding keeps the task's sessions when its targets did not change (ModifyTask of other details).
    // Workers get it behind every message fed so far and before the next one: the next frame sees it.
    if (this.stage) this.stage.applyTask(task);
    else this.threads?.applyTask(task);
  }

  /**
   * With workers, resolves once every worker has removed the task, after the messages fed before: as in one
   * thread, nothing of the task is delivered once the NE has answered the deactivation.
   */
  async removeTask(xid: string): Promise<void> {
    if (this.stage) return this.stage.removeTask(xid);
    this.threads?.removeTask(xid);
    await this.threads?.stats(false);
  }

  /** Never rejects once the NE stored the destination: a sender that cannot be made is a destination fault. */
  async applyDestination(d: DestinationDetails): Promise<void> {
    if (this.threads) return this.threads.applyDestination(d);
    try {
      await this.deliveries?.set(d);
    } catch (err) {
      this.destinationFault(d.dId, `no sender: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.stage?.destinationApplied(d.dId);
  }

  async removeDestination(did: string): Promise<void> {
    if (this.threads) this.threads.removeDestination(did);
    else await this.deliveries?.remove(did);
  }

  /** Starts the periodic work and, when there is one, the packet source. */
  start(): void {
    const { clock } = this.opts;
    if (!this.masker.enabled) this.opts.logger.warn(KEY_MASKING_OFF);
    const every = (name: string, ms: number, fn: () => void) => {
      const tick = () => {
        if (this.closed) return;
        try {
          fn();
        } catch (err) {
          this.opts.logger.error({ err, work: name }, 'probe periodic work failed');
        }
        this.timers.set(name, clock.setTimer(ms, tick));
      };
      this.timers.set(name, clock.setTimer(ms, tick));
    };
    every('counters', this.opts.counterFlushMs ?? PROBE_TIMERS.counterFlushMs, () => {
      this.flushCounters();
      this.deliveries?.check();
      // Workers check their senders and answer with counters; the task counters are written next period.
      void this.threads?.stats(true);
      this.checkDrops();
    });
    every('progress', PROBE_TIMERS.progressLogMs, () =>
      this.opts.logger.info(this.stats(), 'probe counters'),
    );
    const source = this.opts.source;
    if (source) {
      this.opts.logger.info({ source: source.description, workers: this.workers }, 'probe source started');
      this.running = source
        .run((f) => this.feed(f), this.sourceEvents())
        .then(
          () => this.opts.logger.info({ source: source.description, ...this.stats() }, 'probe source ended'),
          (err: unknown) => this.sourceFailed(source.description, err),
        );
    }
  }

  /**
   * What a source feeding {@link feed} should be told: `rewind` resets reassembly when a file starts again;
   * `busy`, with workers, says when to wait for them (a source that cannot wait ignores it).
   */
  sourceEvents(): SourceEvents {
    const threads = this.threads;
    return {
      rewind: () => this.decoder.reset(),
      busy: () => (threads ? threads.busy() : this.deliveryBusy()),
    };
  }

  /**
   * In one thread: while a destination that is not a fault holds over half its queue, a promise that resolves
   * once it holds under a quarter, or after {@link POOL_DEFAULTS}.busyMaxWaitMs.
   */
  private deliveryBusy(): Promise<void> | undefined {
    const deliveries = this.deliveries;
    const limit = this.opts.senders.settings?.queueLimit ?? STM_DEFAULTS.queueLimit;
    if (!deliveries || deliveries.backlog() <= limit / 2) return undefined;
    const until = Date.now() + POOL_DEFAULTS.busyMaxWaitMs;
    return new Promise((resolve) => {
      const poll = () => {
        if (this.closed || deliveries.backlog() <= limit / 4 || Date.now() > until) resolve();
        else setTimeout(poll, BACKLOG_POLL_MS);
      };
      setTimeout(poll, BACKLOG_POLL_MS);
    });
  }

  /**
   * Packets lost before the message stage saw them — by the capture (kernel, interface), at the hand-off to a
   * full worker queue, in a worker that died — raise the NE's capture fault (one owner, capture-health.ts).
   */
  private checkDrops(): void {
    const sourceDropped = (this.opts.source?.counters as { dropped?: number } | undefined)?.dropped;
    const handOff = this.own.queueFull + this.own.workerFailed;
    if (handOff > this.dropsLogged) {
      this.opts.logger.warn(
        {
          queueFull: this.own.queueFull,
          workerFailed: this.own.workerFailed,
          new: handOff - this.dropsLogged,
        },
        'messages dropped at the hand-off to the probe workers (their queues were full)',
      );
      this.dropsLogged = handOff;
    }
    if (sourceDropped === undefined && handOff === 0) return;
    this.capture.observe((sourceDropped ?? 0) + handOff);
  }

  /** A source that cannot capture (no interface, no permission, unreadable file) is an NE fault for the ADMF. */
  private sourceFailed(description: string, err: unknown): void {
    const why = err instanceof Error ? err.message : String(err);
    this.opts.logger.error({ err, source: description }, 'probe source failed');
    this.capture.failed(description, why);
  }

  /** The source's description, or a note that frames are fed by hand. */
  get sourceDescription(): string {
    return this.opts.source?.description ?? 'none (frames fed directly)';
  }

  /** Resolves when the source has ended (a file without loop); at once without a source. */
  async sourceEnded(): Promise<void> {
    await this.running;
  }

  /** Decodes one frame and hands its messages to the message stage (here or in its worker). Never throws. */
  feed(frame: Frame): void {
    this.own.frames++;
    let messages: ProbeMessage[];
    try {
      messages = this.decoder.decode(frame);
    } catch (err) {
      this.own.internalErrors++;
      this.opts.logger.error({ err }, 'decoder failed on a frame');
      return;
    }
    for (const m of messages) {
      if (this.stage) this.stage.message(m);
      else if (this.threads && !this.threads.dispatch(m)) this.own.queueFull++;
    }
  }

  /** Writes the batched task counters (one transaction). */
  flushCounters(): void {
    if (this.stage)
      for (const [xid, p] of this.stage.takePending()) addPending(this.pending, xid, p.bytes, p.at);
    if (this.pending.size === 0 || !this.host) return;
    const updates: InterceptUpdate[] = [];
    for (const [xid, p] of this.pending) {
      updates.push({ xid, x2Bytes: p.bytes, at: formatTimestamp(p.at) });
    }
    this.pending = new Map();
    this.host.store.addInterceptCounters(updates);
  }

  private destinationFault(did: string, reason: string): void {
    const host = this.host;
    if (!host) return;
    host.store.setDestinationDeliveryStatus(did, 'deliveryFault');
    host.issues.fault(
      { kind: 'destination', id: did },
      { errorCode: ISSUE_CODES.NonTerminating, errorDescription: `delivery fault: ${reason}` },
    );
  }

  private destinationClear(did: string, reason: string): void {
    const host = this.host;
    if (!host) return;
    host.store.setDestinationDeliveryStatus(did, 'activeAndWorking');
    host.issues.clear({ kind: 'destination', id: did }, ISSUE_CODES.NonTerminating, reason);
  }

  /** A warning while key masking is off (health endpoint, status), or undefined. */
  keyMaskingWarning(): string | undefined {
    return this.masker.enabled ? undefined : KEY_MASKING_OFF;
  }

  /** Why the probe is not healthy (its packet source failed), or undefined (health endpoint). */
  healthProblem(): string | undefined {
    return this.capture.current === 'failed' ? 'the packet source failed (see the NE fault)' : undefined;
  }

  /**
   * A collector in the same process (the lab) reports its capture storage: the destinations it `serves`
   * become delivery faults (ReportDestinationIssue to the ADMF) while `problem` is set, cleared after.
   */
  consumerState(id: string, serves: (uri: string) => boolean, problem: string | undefined): void {
    if (this.threads) this.threads.consumerState(id, serves, problem);
    else this.deliveries?.consumerState(id, serves, problem);
  }

  /** Each destination's sender (metrics, status); with workers, their senders of a DID summed. */
  destinations(): DeliverySnapshot[] {
    return this.deliveries?.snapshot() ?? this.threads!.destinations();
  }

  /** The packet source's counters, when there is a source. */
  get sourceCounters(): Readonly<Record<string, number>> | undefined {
    return this.opts.source?.counters as Readonly<Record<string, number>> | undefined;
  }

  /** How GTPv2-C tunnels are routed to the worker threads (none without workers). */
  get gtpRoutes(): GtpRouteCounters | undefined {
    return this.threads?.gtpRoutes();
  }

  /** Everything counted, for logs and tests. */
  stats(): Record<string, unknown> {
    return {
      probe: { ...this.counters },
      keyMasking: { enabled: this.masker.enabled, ...this.masker.counters },
      capture: this.capture.current,
      decoder: this.decoder.counters,
      index: this.stage
        ? { tasks: this.stage.taskCount, ...this.stage.index.counters }
        : this.threads!.index(),
      ...(this.threads && {
        workers: {
          threads: this.threads.size,
          queued: this.threads.queued,
          badBatches: this.threads.badBatches(),
          gtpRoutes: this.threads.gtpRoutes(),
        },
      }),
      source: this.opts.source?.counters,
      destinations: this.destinations(),
    };
  }

  /** Stops the source, writes the last counters and closes every sender. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    await this.opts.source?.stop();
    await this.running;
    // Workers drain their senders and send their last counters before the last flush.
    await this.threads?.close(DELIVERY_TIMERS.shutdownDrainMs);
    try {
      this.flushCounters();
    } catch (err) {
      this.opts.logger.warn({ err }, 'last counter flush failed');
    }
    await this.deliveries?.close();
  }
}
