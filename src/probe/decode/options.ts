/**
 * Limits of the probe's decoding stage (DESIGN.md "Probe"): every piece of state the decoder holds between
 * frames is bounded by one of these, and every bound that bites is counted (see `counters.ts`).
 */

const SECOND = 1_000_000n;
const KIB = 1024;

/** Bounds and timers of {@link PacketDecoder}; every field has a named default in {@link DEFAULT_DECODE_OPTIONS}. */
export interface DecodeOptions {
  /** IP fragments of a datagram not completed within this time are dropped (RFC 791 §3.2, RFC 8200 §4.5). */
  readonly fragmentTimeoutMicros: bigint;
  /** Datagrams under reassembly at once; the oldest is evicted beyond it. */
  readonly maxReassemblies: number;
  /** Fragments of one datagram; more drops the datagram. */
  readonly maxFragmentsPerDatagram: number;
  /** A TCP direction without a segment for this long is forgotten. */
  readonly tcpIdleMicros: bigint;
  /** TCP directions followed at once; the least recently used is evicted beyond it. */
  readonly maxTcpStreams: number;
  /** Out-of-order TCP bytes held per direction; beyond it the missing bytes are declared lost (a gap). */
  readonly maxHeldBytes: number;
  /** Out-of-order TCP segments held per direction. */
  readonly maxHeldSegments: number;
  /** A hole in a TCP stream still open after this long (frame time) is declared lost. */
  readonly tcpReorderMicros: bigint;
  /** Largest message taken from a stream or reassembled from SCTP chunks; larger is malformed. */
  readonly maxMessageBytes: number;
  /** Fragmented SCTP user messages are dropped when not completed within this time. */
  readonly sctpPartialMicros: bigint;
  /** SCTP user messages under reassembly at once; the oldest is evicted beyond it. */
  readonly maxSctpPartials: number;
  /**
   * When set, `decode()` calls `expire()` itself with the latest frame time once this much frame time has
   * passed since the last sweep; 0n turns it off (the caller then calls `expire()`).
   */
  readonly autoExpireMicros: bigint;
}

export const DEFAULT_DECODE_OPTIONS: DecodeOptions = {
  fragmentTimeoutMicros: 30n * SECOND,
  maxReassemblies: 1024,
  maxFragmentsPerDatagram: 256,
  tcpIdleMicros: 300n * SECOND,
  maxTcpStreams: 16_384,
  maxHeldBytes: 64 * KIB,
  maxHeldSegments: 64,
  tcpReorderMicros: 2n * SECOND,
  maxMessageBytes: 256 * KIB,
  sctpPartialMicros: 30n * SECOND,
  maxSctpPartials: 4096,
  autoExpireMicros: SECOND,
};
