/**
 * The probe's destinations: one STM sender per DID (DESIGN.md "STM reports"), and their health. A queue
 * overflow, a connection that stays down longer than {@link DELIVERY_TIMERS.downFaultMs} or UDP send errors
 * make a destination fault; delivery resuming clears it. The owner turns these into ReportDestinationIssue
 * and the DestinationStatus `deliveryFault` (TS 103 221-1 clause 6.3.2.2, 6.3.4).
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { StmSender, StmSenderFactory, StmTooLargeInfo } from '../transport/stm-sender-base.js';
import type { StmReport } from '../stm/report.js';
import type { DeliveryAddress, DestinationDetails } from '../x1/model.js';

/** Named timers of delivery health (ms). */
export const DELIVERY_TIMERS = {
  /** A stream destination down this long is a fault even before its queue overflows. */
  downFaultMs: 5_000,
  /** At shutdown, how long queued reports may take to reach stream destinations before the senders close. */
  shutdownDrainMs: 3_000,
} as const;

export interface DeliveryEvents {
  fault(did: string, reason: string): void;
  clear(did: string, reason: string): void;
  tooLarge(did: string, info: StmTooLargeInfo): void;
}

export interface DeliveryOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Makes the sender of a destination. */
  readonly senders: StmSenderFactory;
  readonly events: DeliveryEvents;
  readonly downFaultMs?: number;
}

/** The STM URI of a delivery address: a `uri` as given; an IP address and UDP port as `eep+udp`. */
export function stmUriOf(a: DeliveryAddress): string | undefined {
  if (a.kind === 'uri') return a.value;
  if (a.kind !== 'ipAddressAndPort') return undefined;
  const ip = a.address.family === 'IPv6Address' ? `[${a.address.value}]` : a.address.value;
  const scheme = a.port.protocol === 'TCPPort' ? 'eep+tcp' : 'eep+udp';
  return `${scheme}://${ip}:${a.port.port}`;
}

/** One destination's sender as seen now. */
export interface DeliverySnapshot {
  readonly did: string;
  readonly uri: string;
  readonly state: string;
  readonly faulted: boolean;
  readonly sent: number;
  readonly dropped: number;
  readonly queued: number;
  readonly errors: number;
  readonly tooLarge: number;
  /** DTLS: reports sent over the path MTU (IP fragments them). */
  readonly overMtu: number;
}

interface Entry {
  readonly uri: string;
  readonly sender: StmSender;
  faulted: boolean;
  /** Why the consumer says it cannot take reports (its storage fails), while it says so. */
  consumerProblem: string | undefined;
  /** When the sender was first seen down (ms), or undefined while up. */
  downSince: number | undefined;
  /** Send errors and reports sent, as seen at the last health check. */
  errorsSeen: number;
  sentSeen: number;
}

/** Senders by DID, created when a destination is applied and closed when it is removed or replaced. */
export class Deliveries {
  private readonly byDid = new Map<string, Entry>();
  private readonly downFaultMs: number;
  private readonly consumers = new Map<
    string,
    { serves: (uri: string) => boolean; problem: string | undefined }
  >();

  constructor(private readonly opts: DeliveryOptions) {
    this.downFaultMs = opts.downFaultMs ?? DELIVERY_TIMERS.downFaultMs;
  }

  /** Creates the destination's sender, or replaces it when its address changed. Throws for an unusable URI. */
  async set(d: DestinationDetails): Promise<void> {
    const uri = stmUriOf(d.deliveryAddress);
    if (uri === undefined) throw new Error(`delivery to ${d.deliveryAddress.kind} is not supported`);
    const old = this.byDid.get(d.dId);
    if (old?.uri === uri) return;
    const sender = this.opts.senders.create(uri, {
      logger: this.opts.logger.child({ did: d.dId }),
      clock: this.opts.clock,
    });
    const entry: Entry = {
      uri,
      sender,
      faulted: false,
      consumerProblem: undefined,
      downSince: undefined,
      errorsSeen: 0,
      sentSeen: 0,
    };
    sender.on('fault', (f) => this.fault(d.dId, entry, `${f.reason}; ${f.dropped} report(s) dropped`));
    sender.on('clear', () => {
      if (!entry.consumerProblem) this.clear(d.dId, entry, 'delivery resumed');
    });
    sender.on('tooLarge', (info) => this.opts.events.tooLarge(d.dId, info));
    this.byDid.set(d.dId, entry);
    for (const c of this.consumers.values())
      if (c.problem && c.serves(uri)) this.consumerFault(d.dId, entry, c.problem);
    if (old) await this.closeEntry(d.dId, old);
  }

  /**
   * What a consumer in the same process says of itself (the lab's collector: its capture storage fails):
   * every destination it `serves` is a fault while `problem` is set, and clears when it is `undefined`.
   * `id` names the consumer (its listen URI).
   */
  consumerState(id: string, serves: (uri: string) => boolean, problem: string | undefined): void {
    this.consumers.set(id, { serves, problem });
    for (const [did, e] of this.byDid) {
      if (!serves(e.uri)) continue;
      if (problem) this.consumerFault(did, e, problem);
      else if (e.consumerProblem) {
        e.consumerProblem = undefined;
        this.clear(did, e, `${e.uri} stores reports again`);
      }
    }
  }

  private consumerFault(did: string, e: Entry, problem: string): void {
    e.consumerProblem = problem;
    this.fault(did, e, `${e.uri}: ${problem}`);
  }

  async remove(did: string): Promise<void> {
    const e = this.byDid.get(did);
    if (!e) return;
    this.byDid.delete(did);
    await this.closeEntry(did, e);
  }

  /** Hands a report to the DID's sender; false when there is no such destination here. */
  send(did: string, report: StmReport): boolean {
    const e = this.byDid.get(did);
    if (!e) return false;
    e.sender.send(report);
    return true;
  }

  /**
   * Reports queued at the busiest destination that is not a fault: a slow consumer, or one still connecting. A
   * destination that is a fault is not counted, so that waiting on this never waits for a consumer that is away.
   */
  backlog(): number {
    let most = 0;
    for (const e of this.byDid.values()) if (!e.faulted) most = Math.max(most, e.sender.counters.queued);
    return most;
  }

  /** Per-DID sender counters and state, for logs and `lix ne` status. */
  snapshot(): DeliverySnapshot[] {
    return [...this.byDid].map(([did, e]) => ({
      did,
      uri: e.uri,
      state: e.sender.state,
      faulted: e.faulted,
      sent: e.sender.counters.sent,
      dropped: e.sender.counters.dropped,
      queued: e.sender.counters.queued,
      errors: e.sender.counters.errors,
      tooLarge: e.sender.counters.tooLarge,
      overMtu: e.sender.counters.overMtu,
    }));
  }

  /**
   * Periodic health check: long-down stream senders and new send errors (UDP: ICMP unreachable) fault. A fault
   * clears once a check period saw reports sent without a new error and nothing is queued, so a destination
   * that is down while traffic is sparse does not flap.
   */
  check(): void {
    const now = this.opts.clock.now();
    for (const [did, e] of this.byDid) {
      const { errors, sent, queued } = e.sender.counters;
      const newErrors = errors - e.errorsSeen;
      const newSent = sent - e.sentSeen;
      e.errorsSeen = errors;
      e.sentSeen = sent;
      if (e.sender.state === 'down') {
        e.downSince ??= now;
        if (now - e.downSince >= this.downFaultMs)
          this.fault(did, e, `${e.uri} unreachable for ${Math.round((now - e.downSince) / 1000)} s`);
        continue;
      }
      const wasDown = e.downSince !== undefined;
      e.downSince = undefined;
      if (newErrors > 0) this.fault(did, e, `${newErrors} send error(s) to ${e.uri}`);
      else if (e.faulted && !e.consumerProblem && queued === 0 && (newSent > 0 || wasDown))
        this.clear(did, e, 'delivery resumed');
    }
  }

  /**
   * Closes every sender after giving queued reports up to `drainMs` to go out; reports still queued then are
   * logged with their count per destination (never dropped silently).
   */
  async close(drainMs: number = DELIVERY_TIMERS.shutdownDrainMs): Promise<void> {
    const all = [...this.byDid];
    this.byDid.clear();
    await Promise.all(
      all.map(async ([did, e]) => {
        if (e.sender.counters.queued > 0 && e.sender.drain) await e.sender.drain(drainMs);
        const left = e.sender.counters.queued;
        if (left > 0)
          this.opts.logger.warn(
            { did, uri: e.uri, queued: left },
            'shutting down with reports still queued for this destination: not delivered',
          );
        await this.closeEntry(did, e);
      }),
    );
  }

  private fault(did: string, e: Entry, reason: string): void {
    if (e.faulted || this.byDid.get(did) !== e) return;
    e.faulted = true;
    this.opts.events.fault(did, reason);
  }

  private clear(did: string, e: Entry, reason: string): void {
    if (!e.faulted || this.byDid.get(did) !== e) return;
    e.faulted = false;
    this.opts.events.clear(did, reason);
  }

  private async closeEntry(did: string, e: Entry): Promise<void> {
    try {
      await e.sender.close();
    } catch (err) {
      this.opts.logger.warn({ did, err }, 'closing the STM sender failed');
    }
  }
}
