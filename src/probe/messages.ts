/**
 * The probe's shared vocabulary (DESIGN.md "Probe"): frames from a packet source, signalling messages
 * recovered from them, the identities and session keys found in a message, and the counters every stage
 * keeps. Pure types; the stages live in `decode/`, `proto/`, `match/`, `sources/` and `probe.ts`:
 *
 *   source → Frame → decode (link, IP defragmentation, UDP / TCP stream / SCTP DATA) → ProbeMessage
 *          → inspect (SIP, Diameter, GTPv2-C) → Inspection → match (index per identity kind, sessions)
 *          → XIDs → delivery (STM senders of the task's X2 destinations) + task counters
 */
import type { Flow } from '../stm/flow.js';

/** One captured link-layer frame ({@link CapturedPacket} of `stm/capture-stream.ts` is one). */
export interface Frame {
  /** pcap/pcapng LINKTYPE of `data` (Ethernet 1, raw IP 101, Linux SLL 113, SLL2 276, IPv4 228, IPv6 229). */
  readonly linkType: number;
  /** Capture time, microseconds since the epoch. */
  readonly timestampMicros: bigint;
  readonly data: Uint8Array;
}

/** Signalling protocols the probe understands. */
export type AppProtocol = 'sip' | 'diameter' | 'gtpv2';

/** IANA protocol numbers of the transports a message can come on. */
export const IP_PROTO = { tcp: 6, udp: 17, sctp: 132 } as const;

/** One whole signalling message (a TCP stream or SCTP user message reassembled; one UDP datagram). */
export interface ProbeMessage extends Flow {
  /** Time of the frame that completed the message. */
  readonly timestampMicros: bigint;
  readonly ipVersion: 4 | 6;
  // ipProtocol is one of IP_PROTO: 6, 17 or 132.
  readonly protocol: AppProtocol;
  /** Exactly one message: one SIP request/response, one Diameter message, one GTPv2-C message. */
  readonly payload: Uint8Array;
  /** SCTP payload protocol identifier of the DATA chunk(s), when carried over SCTP. */
  readonly sctpPpid?: number;
}

/** Identity kinds found in signalling; X1 target kinds map onto these (gpsiMsisdn → e164Number, ...). */
export type IdentityKind = 'sipUri' | 'telUri' | 'e164Number' | 'impu' | 'impi' | 'imsi' | 'imei';

/** One identity in normalised form (see `proto/identity.ts`), so that equal identities are equal strings. */
export interface Identity {
  readonly kind: IdentityKind;
  readonly value: string;
}

/** What the protocol inspectors find in one message. */
export interface Inspection {
  /** Identities the message carries, normalised, without duplicates. */
  readonly identities: readonly Identity[];
  /**
   * Keys that name the message's session (SIP Call-ID, Diameter Session-Id, GTP-C TEIDs and the
   * request/response sequence): a message whose key is known belongs to the tasks that matched earlier
   * messages of the session; every key of a matched message joins that session.
   */
  readonly sessionKeys: readonly string[];
  /** True when this message ends the session (answered BYE, STR/STA, Delete Session Response ...). */
  readonly endsSession: boolean;
}
