/**
 * The STM report and sender interface (DESIGN.md "STM reports"): one sender per destination URI. A report is one
 * captured signalling message; the sender encodes it (EEP, or GRE + PCAPng) and delivers it over UDP, TCP,
 * TLS or SCTP. Stream senders reconnect with back-off and queue while the consumer is away.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { EEP_IP_FAMILY, type EepEventTypeName, type EepMessage, type EepProtocolId } from '../stm/eep.js';
import { buildIpPacket, PACKET } from '../stm/packet.js';
import type { TcpSequencer } from '../stm/tcp-sequencer.js';
import type { TlsConfig } from './tls-options.js';

/** One captured message to deliver. */
export interface StmReport {
  /** The task's XID (EEP correlation ID; PCAPng comment). */
  readonly xid: string;
  /** The NE identifier (EEP node name; PCAPng comment). */
  readonly neId: string;
  readonly timestampMicros: bigint;
  readonly ipVersion: 4 | 6;
  /** IANA protocol number of the captured message's transport (17 UDP, 6 TCP, 132 SCTP). */
  readonly ipProtocol: number;
  readonly srcAddress: string;
  readonly dstAddress: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** EEP captured-protocol type (EEP_PROTOCOL_TYPES). */
  readonly protocolType: number;
  /** The L5 message, e.g. the SIP text. */
  readonly payload: Uint8Array;
  /** The captured IP packet, when there is one (GRE-PCAPng carries it; synthesised when absent). */
  readonly ipPacket?: Uint8Array;
  /** SCTP payload protocol identifier of a message captured over SCTP (kept in a synthesised packet). */
  readonly sctpPpid?: number;
}

export interface StmCounters {
  /** Reports handed to the socket. */
  readonly sent: number;
  /** Reports waiting in the queue now. */
  readonly queued: number;
  /** Reports dropped because the queue was full. */
  readonly dropped: number;
  /** Reports that could not be encoded within the size limit (even gzipped). */
  readonly tooLarge: number;
  /** Send errors (UDP) and encoding errors. */
  readonly errors: number;
}

export interface StmFaultInfo {
  readonly reason: string;
  /** Reports dropped so far in this fault. */
  readonly dropped: number;
}

export interface StmTooLargeInfo {
  readonly xid: string;
  readonly size: number;
  readonly maxSize: number;
}

/** Events of a sender: `fault` (queue overflow), `clear` (delivery resumed), `tooLarge` (per report). */
export interface StmSenderEvents {
  fault: [StmFaultInfo];
  clear: [];
  tooLarge: [StmTooLargeInfo];
}

export interface StmSender {
  /** Encodes and sends (or queues) a report; never throws for a report that cannot be delivered. */
  send(report: StmReport): void;
  readonly counters: StmCounters;
  readonly state: 'up' | 'down';
  readonly uri: string;
  on<K extends keyof StmSenderEvents>(event: K, fn: (...args: StmSenderEvents[K]) => void): this;
  off<K extends keyof StmSenderEvents>(event: K, fn: (...args: StmSenderEvents[K]) => void): this;
  /** Stream senders: resolves once the queue is empty (or `ms` passed); UDP resolves at once. */
  drain?(ms?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface StmSenderOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Reports held while a stream consumer is away (default 10,000). */
  readonly queueLimit?: number;
  /** Mutual TLS material for `eep+tls`. */
  readonly tls?: TlsConfig;
  readonly eep?: { readonly protocolId?: EepProtocolId; readonly captureAgentId?: number };
  /** Back-off of stream reconnects (defaults in {@link STM_TIMERS}). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

/** Named timers of the senders (ms). */
export const STM_TIMERS = {
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  backoffFactor: 2,
  /** ± fraction of random jitter on each back-off delay. */
  backoffJitter: 0.2,
  connectTimeoutMs: 10_000,
  /** How long close() waits for a graceful end before destroying the connection. */
  closeTimeoutMs: 2_000,
} as const;

export const STM_DEFAULTS = { queueLimit: 10_000, captureAgentId: 0 } as const;

/** Sizes of what fits: the largest UDP payload over IPv4 (65535 - 20 - 8) and over IPv6 (65535 - 8). */
export const UDP_MAX_PAYLOAD = { ipv4: 65_507, ipv6: 65_527 } as const;

const MICROS = 1_000_000n;
/** HEP3 event type "recording for lawful interception" (EEP_EVENT_TYPES.interception). */
const INTERCEPTION: EepEventTypeName = 'interception';

/**
 * The EEP message of a report: IP family, protocol, addresses, ports, time, protocol type, capture agent,
 * node name = NE identifier, correlation ID = XID, event type "interception", sequence, payload.
 */
export function reportToEep(
  r: StmReport,
  sequence: number,
  protocolId: EepProtocolId,
  captureAgentId: number,
): EepMessage {
  return {
    protocolId,
    ipFamily: r.ipVersion === 6 ? EEP_IP_FAMILY.ipv6 : EEP_IP_FAMILY.ipv4,
    ipProtocol: r.ipProtocol,
    srcAddress: r.srcAddress,
    dstAddress: r.dstAddress,
    srcPort: r.srcPort,
    dstPort: r.dstPort,
    timestampSec: Number(r.timestampMicros / MICROS),
    timestampUsec: Number(r.timestampMicros % MICROS),
    protocolType: r.protocolType,
    captureAgentId,
    nodeName: r.neId,
    correlationId: r.xid,
    eventType: INTERCEPTION,
    sequence,
    payload: r.payload,
    otherChunks: [],
  };
}

/**
 * The captured IP packet of a report, synthesised from its addresses, ports and payload when absent (TCP
 * payloads numbered consecutively per flow by `seq`, so that a TCP dialog reads as one stream).
 */
export function reportPacket(r: StmReport, seq?: TcpSequencer): Uint8Array {
  return (
    r.ipPacket ??
    buildIpPacket({
      ...(seq && r.ipProtocol === PACKET.tcp && { tcpSeq: seq.take(r, r.payload.length) }),
      ipProtocol: r.ipProtocol,
      srcAddress: r.srcAddress,
      dstAddress: r.dstAddress,
      srcPort: r.srcPort,
      dstPort: r.dstPort,
      payload: r.payload,
      ...(r.sctpPpid !== undefined && { sctpPpid: r.sctpPpid }),
    })
  );
}

/** Counters and events shared by every sender. */
export abstract class SenderBase extends EventEmitter<StmSenderEvents> {
  protected c = { sent: 0, dropped: 0, tooLarge: 0, errors: 0 };
  /** Next sequence number (per destination, uint32, wraps). */
  #seq = 0;

  constructor(
    readonly uri: string,
    protected readonly logger: Logger,
  ) {
    super();
  }

  protected nextSequence(): number {
    const s = this.#seq;
    this.#seq = (this.#seq + 1) >>> 0;
    return s;
  }

  /** A report that does not fit: counted, logged and surfaced as `tooLarge` (the NE makes it a task warning). */
  protected tooLarge(r: StmReport, size: number, maxSize: number): void {
    this.c.tooLarge++;
    this.logger.warn({ uri: this.uri, xid: r.xid, size, maxSize }, 'STM report too large, not sent');
    this.emit('tooLarge', { xid: r.xid, size, maxSize });
  }

  protected encodeError(r: StmReport, e: unknown): void {
    this.c.errors++;
    const reason = e instanceof Error ? e.message : String(e);
    this.logger.warn({ uri: this.uri, xid: r.xid, reason }, 'STM report cannot be encoded');
  }
}
