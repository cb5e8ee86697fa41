/**
 * The probe's options, counters, timers and what it needs from the NE (its host), apart from the probe itself.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { EEP_PROTOCOL_TYPES } from '../stm/eep.js';
import type { NeStore } from '../store/ne-store.js';
import type { StmSenderFactory } from '../transport/stm-sender-base.js';
import type { DecodeOptions } from './decode/decoder.js';
import type { PacketSource } from './sources/source.js';
import type { AppProtocol } from './messages.js';

/** EEP captured-protocol type of each protocol (SIP from HEP's table; Diameter and GTPv2-C project values). */
export const EEP_PROTOCOL_TYPE_OF: Readonly<Record<AppProtocol, number>> = {
  sip: EEP_PROTOCOL_TYPES.sip,
  diameter: EEP_PROTOCOL_TYPES.diameter,
  gtpv2: EEP_PROTOCOL_TYPES.gtpv2c,
};

/** Named timers of the probe (ms). */
export const PROBE_TIMERS = {
  /** How often task counters are written and destination health is checked. */
  counterFlushMs: 1_000,
  /** How often a progress line with the counters is logged. */
  progressLogMs: 60_000,
} as const;

export interface ProbeOptions {
  readonly neId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Where frames come from; without one the probe only takes frames given to `Probe.feed`. */
  readonly source?: PacketSource;
  readonly decoder?: Partial<DecodeOptions>;
  /** Makes each destination's STM sender (`stmSenders()` of transport/stm-sender.ts in a daemon). */
  readonly senders: StmSenderFactory;
  readonly counterFlushMs?: number;
  /**
   * Mask keys and authentication vectors in every delivered message (default true, TS 33.501);
   * false delivers them as captured and is logged as a warning at start.
   */
  readonly maskKeys?: boolean;
  /** A capture-drop fault clears after this long without new drops (default CAPTURE_HEALTH.quietMs). */
  readonly captureQuietMs?: number;
  /**
   * Worker threads that inspect, match, mask and deliver, each for the sessions sharded to it (docs/probe.md
   * "Threads"); `senders` must then carry its `settings` (`stmSenders()`). 1 (the default here; `lix ne`
   * defaults to the cores available) keeps the whole data plane in the caller's thread.
   */
  readonly workers?: number;
  /** Messages handed to one worker and not yet processed, at most (default POOL_DEFAULTS.queueLimit). */
  readonly workerQueueLimit?: number;
  /** A stream destination down this long is a fault (default DELIVERY_TIMERS.downFaultMs). */
  readonly downFaultMs?: number;
}

/** What the message stage counts; the probe adds frames and hand-off drops (see `ProbeCounters`). */
export interface MessageCounters {
  messages: number;
  /** Messages whose SIP/Diameter/GTPv2-C could not be read (counted and skipped). */
  malformed: number;
  /** Messages that belonged to at least one task. */
  matched: number;
  /** Reports handed to destinations' senders. */
  reports: number;
  /** Deliveries that named a DID this NE does not have (counted, logged once per DID). */
  noDestination: number;
  /** Messages whose inspection (or, counted by the probe, a frame's decoding) threw unexpectedly (a bug; counted, never fatal). */
  internalErrors: number;
}

/** Message counters at zero. */
export const newMessageCounters = (): MessageCounters => ({
  messages: 0,
  malformed: 0,
  matched: 0,
  reports: 0,
  noDestination: 0,
  internalErrors: 0,
});

/** What the probe counted (the decoder, index and sources count their own); with workers, their sum. */
export interface ProbeCounters extends MessageCounters {
  frames: number;
  /** Messages dropped at the hand-off to a worker whose queue was full (workers only). */
  queueFull: number;
  /** Messages lost in a worker thread that died before processing them (workers only). */
  workerFailed: number;
  /** Worker threads that died and were replaced. */
  workerRestarts: number;
}

/** Scope of an issue, as the NE's IssueReporter takes it. */
export type IssueScope = { kind: 'task' | 'destination' | 'ne'; id: string };

/**
 * What the NE hands the probe (its `DataPlaneHost`, matched by shape: the probe does not import the NE): the
 * store for task counters and delivery status, and the issue reporter for ReportDestinationIssue.
 */
export interface ProbeHost {
  readonly store: Pick<NeStore, 'addInterceptCounters' | 'setDestinationDeliveryStatus'>;
  readonly issues: {
    warn(scope: IssueScope, text: string): void;
    fault(scope: IssueScope, fault: { errorCode: number; errorDescription: string }): void;
    clear(scope: IssueScope, code: number, text: string): void;
  };
}
