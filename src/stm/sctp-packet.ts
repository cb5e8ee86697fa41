/**
 * The SCTP part of a synthesised IP packet (RFC 9260): a common header and one DATA chunk carrying a whole
 * user message (flags B and E set), with the CRC32c checksum of Appendix A, so that a captured message that
 * came over SCTP is written as a packet Wireshark dissects as SCTP and then as SIP or Diameter. Pure, no I/O.
 */

/** Sizes and values of RFC 9260 §3 used here. */
export const SCTP = {
  commonHeader: 12,
  dataChunkHeader: 16,
  dataChunkType: 0,
  /** U=0, B=1, E=1: an unfragmented, ordered user message (§3.3.1). */
  dataFlagsWhole: 0x03,
  checksumOffset: 8,
  /** Chunks are padded to a multiple of 4 bytes (§3.2). */
  chunkAlign: 4,
  /** Payload protocol identifiers (IANA SCTP PPID registry). */
  ppid: { unspecified: 0, diameter: 46 },
} as const;

/** CRC32c (Castagnoli, reflected polynomial 0x82F63B78), RFC 9260 Appendix A. */
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface SctpSegmentSpec {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
  /** Payload protocol identifier (default 0, unspecified). */
  readonly ppid?: number;
  /** Transmission sequence number of the chunk (default 1). */
  readonly tsn?: number;
  readonly streamId?: number;
  readonly streamSeq?: number;
  /** Verification tag of the association (default 0: unknown). */
  readonly verificationTag?: number;
}

/** Bytes an SCTP packet adds around a payload of `n` bytes (headers and padding). */
export function sctpOverhead(n: number): number {
  return (
    SCTP.commonHeader + SCTP.dataChunkHeader + ((SCTP.chunkAlign - (n % SCTP.chunkAlign)) % SCTP.chunkAlign)
  );
}

/** One SCTP packet: common header + one DATA chunk with the whole payload; checksum filled in. */
export function buildSctpSegment(spec: SctpSegmentSpec): Uint8Array {
  const n = spec.payload.length;
  const out = new Uint8Array(n + sctpOverhead(n));
  const v = new DataView(out.buffer);
  v.setUint16(0, spec.srcPort);
  v.setUint16(2, spec.dstPort);
  v.setUint32(4, (spec.verificationTag ?? 0) >>> 0);
  const c = SCTP.commonHeader;
  out[c] = SCTP.dataChunkType;
  out[c + 1] = SCTP.dataFlagsWhole;
  v.setUint16(c + 2, SCTP.dataChunkHeader + n);
  v.setUint32(c + 4, (spec.tsn ?? 1) >>> 0);
  v.setUint16(c + 8, spec.streamId ?? 0);
  v.setUint16(c + 10, spec.streamSeq ?? 0);
  v.setUint32(c + 12, (spec.ppid ?? SCTP.ppid.unspecified) >>> 0);
  out.set(spec.payload, c + SCTP.dataChunkHeader);
  // The checksum is stored little-endian as computed over the packet with a zero checksum field (App. A).
  v.setUint32(SCTP.checksumOffset, crc32c(out), true);
  return out;
}
