/**
 * The per-message stage of the probe (DESIGN.md "Probe"): a whole decoded message is inspected, matched against
 * the active tasks, masked, and handed as an STM report to each X2 destination of its tasks. The same stage
 * runs in the NE's thread (`workers: 1`) or in each worker thread of the pool (`src/probe/workers/`), where it
 * sees the messages of the sessions sharded to it.
 */
import type { Logger } from '../lib/logger.js';
import type { StmReport } from '../stm/report.js';
import type { TaskDetails } from '../x1/model.js';
import { KeyMasker } from './mask/index.js';
import { TargetIndex } from './match/index.js';
import { inspect, ProbeProtocolError } from './proto/inspect.js';
import { EEP_PROTOCOL_TYPE_OF, newMessageCounters, type MessageCounters } from './probe-options.js';
import type { ProbeMessage } from './messages.js';

/** Task counters (TaskStatus clause 6.4.2.2) not yet written: X2 bytes and the time of the last intercept. */
export type PendingIntercepts = Map<string, { bytes: number; at: bigint }>;

interface ActiveTask {
  /** The warrant reference the ADMF sent (MediationDetails LIID): carried by every report of the task. */
  readonly liid?: string;
  readonly x2: boolean;
  readonly dids: readonly string[];
}

export interface InterceptorOptions {
  readonly neId: string;
  readonly logger: Logger;
  /** Milliseconds on a monotonic scale: sessions age on it. */
  readonly now: () => number;
  readonly maskKeys: boolean;
  /** Hands a report to a DID's sender; false when the NE has no such destination. */
  readonly send: (did: string, report: StmReport) => boolean;
}

/** Inspect, match, mask and deliver, one message at a time, in the order given. Never throws. */
export class Interceptor {
  readonly counters: MessageCounters = newMessageCounters();
  readonly index: TargetIndex;
  /** Key masking of every delivered message (TS 33.501); off only with `maskKeys: false`. */
  readonly masker: KeyMasker;
  private readonly tasks = new Map<string, ActiveTask>();
  private pending: PendingIntercepts = new Map();
  private readonly missingDids = new Set<string>();
  private maskDropLogged = false;

  constructor(private readonly opts: InterceptorOptions) {
    this.index = new TargetIndex({ now: opts.now });
    this.masker = new KeyMasker(opts.maskKeys);
  }

  /** Tasks held. */
  get taskCount(): number {
    return this.tasks.size;
  }

  /** Starts or replaces a task; re-adding keeps its sessions when its targets did not change. */
  applyTask(task: TaskDetails): void {
    this.index.add(task.xId, task.targetIdentifiers);
    const liid = task.listOfMediationDetails?.[0]?.LIID;
    this.tasks.set(task.xId, {
      ...(liid !== undefined && { liid }),
      x2: task.deliveryType !== 'X3Only',
      dids: task.listOfDIDs.dIds,
    });
  }

  removeTask(xid: string): void {
    this.index.remove(xid);
    this.tasks.delete(xid);
  }

  /** A destination now exists: a later miss on its DID is logged again. */
  destinationApplied(did: string): void {
    this.missingDids.delete(did);
  }

  /** The task counters gathered since the last call (the caller writes them). */
  takePending(): PendingIntercepts {
    const p = this.pending;
    this.pending = new Map();
    return p;
  }

  message(m: ProbeMessage): void {
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
      if (this.opts.send(did, report)) this.counters.reports++;
      else this.noDestination(xid, did);
    }
    addPending(this.pending, xid, m.payload.length, m.timestampMicros);
  }

  private noDestination(xid: string, did: string): void {
    this.counters.noDestination++;
    if (this.missingDids.has(did)) return;
    this.missingDids.add(did);
    this.opts.logger.warn({ xid, did }, 'task names a destination this NE does not have; not delivered');
  }
}

/** Adds `bytes` delivered at `at` to a task's pending counters (the latest time wins). */
export function addPending(into: PendingIntercepts, xid: string, bytes: number, at: bigint): void {
  const p = into.get(xid);
  if (!p) into.set(xid, { bytes, at });
  else {
    p.bytes += bytes;
    if (at > p.at) p.at = at;
  }
}
