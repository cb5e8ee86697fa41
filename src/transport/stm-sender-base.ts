/**
 * The STM sender interface (DESIGN.md "STM reports"): one sender per destination URI. The sender encodes a
 * report (src/stm/report-encode.ts: EEP, or GRE + PCAPng) and delivers it over UDP, TCP, TLS or SCTP. Stream
 * senders reconnect with back-off and queue while the consumer is away.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { EepProtocolId } from '../stm/eep.js';
import type { StmReport } from '../stm/report.js';
import type { TlsConfig } from './tls-options.js';

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
  /** DTLS: reports sent in a datagram larger than the path MTU (`?mtu=`), which IP fragments; else 0. */
  readonly overMtu: number;
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

/** Sender options that hold for every destination of a process (TLS material, queue limit, EEP IDs). */
export type StmSenderSettings = Omit<StmSenderOptions, 'logger' | 'clock'>;

/**
 * Makes the sender of one destination. Components (the probe) take one injected, so that the transport is
 * chosen by whoever wires the process, and their tests can hand in senders that need no sockets.
 */
export interface StmSenderFactory {
  /** A sender for `uri`; throws for a URI it cannot use. */
  create(uri: string, deps: { readonly logger: Logger; readonly clock: Clock }): StmSender;
  /** Why no sender could ever be made for `uri` here (eep+tls without TLS material, no SCTP), or undefined. */
  unusable(uri: string): string | undefined;
  /**
   * The settings this factory makes its senders with, when another thread can make the same senders from them
   * (`stmSenders(settings)`): the probe's worker threads need them. Test factories have none.
   */
  readonly settings?: StmSenderSettings;
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
