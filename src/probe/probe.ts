/**
 * The probe: the NE's data plane (DESIGN.md "Probe"). Frames from a packet source are decoded into whole
 * SIP, Diameter and GTPv2-C messages, inspected for identities and session keys, matched against the active
 * tasks, and every matched message goes as an STM report to each X2 destination of its task. Activating,
 * modifying or deactivating a task changes the index at once, so the next frame already sees it.
 *
 * Task counters (TaskStatus clause 6.4.2.2: time of last intercept, amount of X2 data) are batched and
 * written every {@link PROBE_TIMERS.counterFlushMs}; destination faults become ReportDestinationIssue and
 * the DestinationStatus `deliveryFault`, cleared when delivery resumes.
 */
import type { TimerHandle } from '../lib/clock.js';
import type { InterceptUpdate } from '../store/ne-store.js';
import { checkDeliveryAddress } from '../stm/uri.js';
import type { StmReport } from '../stm/report.js';
import { ISSUE_CODES } from '../x1/errors.js';
import { checkTargets, PROBE_TARGET_KINDS, type Refusal } from '../x1/targets.js';
import type { DestinationDetails, TargetKind, TaskDetails } from '../x1/model.js';
import { formatTimestamp } from '../x1/simple-types.js';
import { CaptureHealth } from './capture-health.js';
import { PacketDecoder } from './decode/decoder.js';
import { Deliveries, stmUriOf, type DeliverySnapshot } from './delivery.js';
import { KeyMasker } from './mask/index.js';
import { TargetIndex } from './match/index.js';
import { inspect, ProbeProtocolError } from './proto/inspect.js';
import {
  EEP_PROTOCOL_TYPE_OF,
  PROBE_TIMERS,
  type ProbeCounters,
  type ProbeHost,
  type ProbeOptions,
} from './probe-options.js';
import type { Frame, ProbeMessage } from './messages.js';

export * from './probe-options.js';

interface ActiveTask {
  readonly xid: string;
  /** The warrant reference the ADMF sent (MediationDetails LIID): carried by every report of the task. */
  readonly liid?: string;
  readonly x2: boolean;
  readonly dids: readonly string[];
}

/** The warning logged at start, and shown on the health endpoint, while key masking is off. */
export const KEY_MASKING_OFF =
  'key masking is OFF (maskKeys: false / --no-mask-keys): keys and authentication vectors in intercepted signalling are delivered as captured, against TS 33.501';

/** Target kinds with a meaning for captured signalling (the NE refuses the rest with TargetTypeUnsupported). */
const SUPPORTED: ReadonlySet<TargetKind> = new Set(PROBE_TARGET_KINDS);

/** The probe; it has the shape of the NE's `DataPlane` (the CLI hands one to the other). */
export class Probe {
  readonly counters: ProbeCounters = {
    frames: 0,
    messages: 0,
    malformed: 0,
    matched: 0,
    reports: 0,
    noDestination: 0,
    internalErrors: 0,
  };
  readonly decoder: PacketDecoder;
  readonly index: TargetIndex;
  /** Key masking of every delivered message (TS 33.501); off only with `maskKeys: false`. */
  readonly masker: KeyMasker;
  private maskDropLogged = false;
  private readonly tasks = new Map<string, ActiveTask>();
  private readonly deliveries: Deliveries;
  private host: ProbeHost | undefined;
  /** The NE fault for a source that drops packets or fails. */
  private readonly capture: CaptureHealth;
  private pending = new Map<string, { bytes: number; at: bigint }>();
  private readonly missingDids = new Set<string>();
  private readonly timers = new Map<string, TimerHandle>();
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: ProbeOptions) {
    this.decoder = new PacketDecoder(opts.decoder);
    this.masker = new KeyMasker(opts.maskKeys ?? true);
    this.capture = new CaptureHealth({
      neId: opts.neId,
      clock: opts.clock,
      logger: opts.logger,
      host: () => this.host,
      ...(opts.captureQuietMs !== undefined && { quietMs: opts.captureQuietMs }),
    });
    // Sessions age on the NE's clock (tests jump it).
    this.index = new TargetIndex({ now: () => opts.clock.now() });
    this.deliveries = new Deliveries({
      logger: opts.logger,
      clock: opts.clock,
      senders: opts.senders,
      events: {
        fault: (did, reason) => this.destinationFault(did, reason),
        clear: (did, reason) => this.destinationClear(did, reason),
        tooLarge: (did, info) =>
          this.host?.issues.warn(
            { kind: 'task', id: info.xid },
            `a message of ${info.size} bytes does not fit a report to ${did} (limit ${info.maxSize}); not delivered`,
          ),
      },
    });
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
    this.index.add(task.xId, task.targetIdentifiers);
    const liid = task.listOfMediationDetails?.[0]?.LIID;
    this.tasks.set(task.xId, {
      xid: task.xId,
      ...(liid !== undefined && { liid }),
      x2: task.deliveryType !== 'X3Only',
      dids: task.listOfDIDs.dIds,
    });
  }

  async removeTask(xid: string): Promise<void> {
    this.index.remove(xid);
    this.tasks.delete(xid);
  }

  /** Never rejects once the NE stored the destination: a sender that cannot be made is a destination fault. */
  async applyDestination(d: DestinationDetails): Promise<void> {
    try {
      await this.deliveries.set(d);
    } catch (err) {
      this.destinationFault(d.dId, `no sender: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.missingDids.delete(d.dId);
  }

  async removeDestination(did: string): Promise<void> {
    await this.deliveries.remove(did);
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
      this.deliveries.check();
      this.capture.observe((this.opts.source?.counters as { dropped?: number } | undefined)?.dropped);
    });
    every('progress', PROBE_TIMERS.progressLogMs, () =>
      this.opts.logger.info(this.stats(), 'probe counters'),
    );
    const source = this.opts.source;
    if (source) {
      this.opts.logger.info({ source: source.description }, 'probe source started');
      this.running = source
        .run((f) => this.feed(f), { rewind: () => this.decoder.reset() })
        .then(
          () => this.opts.logger.info({ source: source.description, ...this.stats() }, 'probe source ended'),
          (err: unknown) => this.sourceFailed(source.description, err),
        );
    }
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

  /** Decodes, matches and delivers one frame. Never throws. */
  feed(frame: Frame): void {
    this.counters.frames++;
    let messages: ProbeMessage[];
    try {
      messages = this.decoder.decode(frame);
    } catch (err) {
      this.counters.internalErrors++;
      this.opts.logger.error({ err }, 'decoder failed on a frame');
      return;
    }
    for (const m of messages) this.message(m);
  }

  private message(m: ProbeMessage): void {
    this.counters.messages++;
    let xids: readonly string[];
    try {
      xids = this.index.match(m, inspect(m));
    } catch (err) {
      if (err instanceof ProbeProtocolError) this.counters.malformed++;
      else {
        this.counters.internalErrors++;
        this.opts.logger.error({ err }, 'inspecting a message failed');
      }
      return;
    }
    if (xids.length === 0) return;
    this.counters.matched++;
    const masked = this.masker.apply(m.protocol, m.payload);
    if ('dropped' in masked) {
      this.maskDropped(m, masked.dropped);
      return;
    }
    for (const xid of xids) this.deliver(xid, m, masked.payload);
  }

  /** A matched message whose keys could not be located is not delivered: counted, logged the first time. */
  private maskDropped(m: ProbeMessage, reason: string): void {
    if (this.maskDropLogged) return;
    this.maskDropLogged = true;
    this.opts.logger.warn(
      { protocol: m.protocol, reason },
      'an intercepted message was not delivered: its keys could not be located for masking (counted; logged once)',
    );
  }

  private deliver(xid: string, m: ProbeMessage, payload: Uint8Array): void {
    const task = this.tasks.get(xid);
    if (!task?.x2) return;
    const report: StmReport = {
      xid,
      neId: this.opts.neId,
      ...(task.liid !== undefined && { liid: task.liid }),
      timestampMicros: m.timestampMicros,
      ipVersion: m.ipVersion,
      ipProtocol: m.ipProtocol,
      srcAddress: m.srcAddress,
      dstAddress: m.dstAddress,
      srcPort: m.srcPort,
      dstPort: m.dstPort,
      protocolType: EEP_PROTOCOL_TYPE_OF[m.protocol],
      payload,
      ...(m.sctpPpid !== undefined && { sctpPpid: m.sctpPpid }),
    };
    for (const did of task.dids) {
      if (this.deliveries.send(did, report)) this.counters.reports++;
      else this.noDestination(xid, did);
    }
    const p = this.pending.get(xid);
    if (p) {
      p.bytes += m.payload.length;
      p.at = m.timestampMicros;
    } else this.pending.set(xid, { bytes: m.payload.length, at: m.timestampMicros });
  }

  private noDestination(xid: string, did: string): void {
    this.counters.noDestination++;
    if (this.missingDids.has(did)) return;
    this.missingDids.add(did);
    this.opts.logger.warn({ xid, did }, 'task names a destination this NE does not have; not delivered');
  }

  /** Writes the batched task counters (one transaction). */
  flushCounters(): void {
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
    this.deliveries.consumerState(id, serves, problem);
  }

  /** Each destination's sender (metrics, status). */
  destinations(): DeliverySnapshot[] {
    return this.deliveries.snapshot();
  }

  /** The packet source's counters, when there is a source. */
  get sourceCounters(): Readonly<Record<string, number>> | undefined {
    return this.opts.source?.counters as Readonly<Record<string, number>> | undefined;
  }

  /** Everything counted, for logs and tests. */
  stats(): Record<string, unknown> {
    return {
      probe: { ...this.counters },
      keyMasking: { enabled: this.masker.enabled, ...this.masker.counters },
      capture: this.capture.current,
      decoder: this.decoder.counters,
      index: { tasks: this.tasks.size, ...this.index.counters },
      source: this.opts.source?.counters,
      destinations: this.deliveries.snapshot(),
    };
  }

  /** Stops the source, writes the last counters and closes every sender. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    await this.opts.source?.stop();
    await this.running;
    try {
      this.flushCounters();
    } catch (err) {
      this.opts.logger.warn({ err }, 'last counter flush failed');
    }
    await this.deliveries.close();
  }
}
