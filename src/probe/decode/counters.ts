/**
 * What the decoding stage counts (DESIGN.md "Probe": every rejection is counted, never silent). The reason
 * tables are closed `as const` lists so the per-reason maps stay small whatever the traffic.
 */
import type { AppProtocol } from '../messages.js';

/** Why a frame, segment, chunk or message was rejected as damaged or over a limit. */
export const MALFORMED_REASONS = [
  /** IP header damaged (parseIpPacket refused it), or IPv6 extension headers cut short. */
  'ip-header',
  /** A fragment overlaps another with different extent (RFC 5722; the whole datagram is dropped). */
  'fragment-overlap',
  /** Fragments add up to more than 65535 bytes, or more fragments than the limit. */
  'fragment-too-large',
  'tcp-header',
  /** A TCP stream's bytes do not frame as SIP or Diameter where a message should start. */
  'tcp-framing',
  /** A stream closed (FIN) with part of a message still buffered. */
  'tcp-truncated',
  'sctp-header',
  'sctp-chunk',
  /** SCTP fragments that do not form a message (E without B, TSN hole, B twice). */
  'sctp-reassembly',
  /** A message larger than the `maxMessageBytes` option. */
  'message-too-large',
  /** A GTPv2-C header whose length does not fit the datagram (3GPP TS 29.274 §5.5.1). */
  'gtpv2-length',
  /** A bug: an exception no stage expected (counted so that decode() never throws). */
  'internal',
] as const;
export type MalformedReason = (typeof MALFORMED_REASONS)[number];

/** Why IP traffic that is not damaged was not passed on (not SIP, Diameter or GTPv2-C). */
export const IGNORED_REASONS = [
  /** An IP protocol other than UDP, TCP or SCTP (ICMP, ESP, GRE ...). */
  'ip-protocol',
  /** GTP-U on UDP 2152 (user plane). */
  'gtp-u',
  /** Any other UDP datagram (RTP, RTCP, DNS, HEP ...). */
  'udp-other',
  /** TCP segment bytes that belong to no recognised message (other protocols, waiting for a message start). */
  'tcp-other',
  /** SCTP chunks other than DATA / I-DATA (INIT, SACK, HEARTBEAT ...). */
  'sctp-control',
  /** SCTP user messages of S1AP (PPID 18), M3UA (3), NGAP (60). */
  'sctp-s1ap',
  'sctp-m3ua',
  'sctp-ngap',
  /** Other SCTP user messages. */
  'sctp-other',
] as const;
export type IgnoredReason = (typeof IGNORED_REASONS)[number];

/** The counters of {@link PacketDecoder}, read-only to its users. */
export interface DecodeCounters {
  /** Frames given to decode(). */
  readonly frames: number;
  /** Frames that carry no IPv4/IPv6 packet (ARP, LLDP, unknown link types). */
  readonly nonIp: number;
  /** Rejections of every reason; the sum of {@link malformedByReason}. */
  readonly malformed: number;
  readonly malformedByReason: ReadonlyMap<MalformedReason, number>;
  /** IP fragments received (and held until their datagram completes). */
  readonly fragments: number;
  /** Datagrams reassembled from fragments. */
  readonly reassembled: number;
  /** Datagrams dropped incomplete after `fragmentTimeoutMicros`. */
  readonly fragmentTimeouts: number;
  /** Datagrams dropped incomplete because `maxReassemblies` was reached. */
  readonly fragmentEvictions: number;
  /** TCP segments seen (with or without payload). */
  readonly tcpSegments: number;
  /** TCP segments (or parts) whose bytes had already been taken: retransmissions and duplicates. */
  readonly tcpRetransmissions: number;
  /** Holes in a TCP stream given up on (loss in the capture): the bytes around were skipped. */
  readonly tcpGaps: number;
  /** TCP directions forgotten after `tcpIdleMicros`. */
  readonly tcpStreamsExpired: number;
  /** TCP directions forgotten because `maxTcpStreams` was reached. */
  readonly tcpStreamEvictions: number;
  /** SCTP chunks seen, of every type. */
  readonly sctpChunks: number;
  /** Fragmented SCTP user messages dropped incomplete after `sctpPartialMicros`. */
  readonly sctpPartialsExpired: number;
  /** Fragmented SCTP user messages dropped because `maxSctpPartials` was reached. */
  readonly sctpPartialEvictions: number;
  /** Messages passed on, per protocol. */
  readonly messages: Readonly<Record<AppProtocol, number>>;
  /** Datagrams, segments and SCTP chunks/messages not passed on; the sum of {@link ignoredByReason}. */
  readonly ignored: number;
  readonly ignoredByReason: ReadonlyMap<IgnoredReason, number>;
}

type Numeric = {
  -readonly [K in keyof DecodeCounters as DecodeCounters[K] extends number ? K : never]: number;
};

/** The mutable set the stages bump; handed out as {@link DecodeCounters}. */
export class CounterSet implements DecodeCounters {
  frames = 0;
  nonIp = 0;
  malformed = 0;
  readonly malformedByReason = new Map<MalformedReason, number>();
  fragments = 0;
  reassembled = 0;
  fragmentTimeouts = 0;
  fragmentEvictions = 0;
  tcpSegments = 0;
  tcpRetransmissions = 0;
  tcpGaps = 0;
  tcpStreamsExpired = 0;
  tcpStreamEvictions = 0;
  sctpChunks = 0;
  sctpPartialsExpired = 0;
  sctpPartialEvictions = 0;
  readonly messages: Record<AppProtocol, number> = { sip: 0, diameter: 0, gtpv2: 0 };
  ignored = 0;
  readonly ignoredByReason = new Map<IgnoredReason, number>();

  add(name: keyof Numeric, n = 1): void {
    this[name] += n;
  }

  countMalformed(reason: MalformedReason): void {
    this.malformed++;
    this.malformedByReason.set(reason, (this.malformedByReason.get(reason) ?? 0) + 1);
  }

  countIgnored(reason: IgnoredReason): void {
    this.ignored++;
    this.ignoredByReason.set(reason, (this.ignoredByReason.get(reason) ?? 0) + 1);
  }

  countMessage(protocol: AppProtocol): void {
    this.messages[protocol]++;
  }
}
