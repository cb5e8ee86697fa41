/**
 * GRE (RFC 2784) as carried in UDP (GRE-in-UDP, RFC 8086 §3: the GRE header starts the UDP payload). We send
 * the 4-byte header without flags; on receipt we also accept the optional checksum (RFC 2784 §2.5) and the
 * key and sequence number fields of RFC 2890 §2.
 */
import { LixError } from '../lib/errors.js';
import { copyBytes, isUint, plainView, UINT16_MAX, viewOf } from './bin.js';

/** GRE protocol types (EtherTypes). 0x88B5 is IEEE 802 "local experimental": a configurable project value. */
export const GRE_PROTOCOL = { pcapng: 0x88b5, ipv4: 0x0800, ipv6: 0x86dd } as const;
/** RFC 8086 §3.1: the GRE-in-UDP destination port. */
export const GRE_UDP_PORT = 4754;

/** Bits of the first 16-bit word (RFC 2784 §2, RFC 2890 §2). */
export const GRE_FLAGS = {
  checksum: 0x8000,
  /** Bit 1: routing present in RFC 1701, not supported (RFC 2784 §2.3 says discard). */
  routing: 0x4000,
  key: 0x2000,
  sequence: 0x1000,
  /** Bit 4: strict source route in RFC 1701. */
  strictRoute: 0x0800,
  /** Bit 5: first recursion-control bit in RFC 1701 (bits 6-12 are ignored on receipt). */
  recursion: 0x0400,
  version: 0x0007,
} as const;

const BASE_BYTES = 4;
const OPTION_BYTES = 4;

export const GRE_DECODE_REASONS = ['truncated', 'bad-version', 'bad-flags', 'bad-checksum'] as const;
export type GreDecodeReason = (typeof GRE_DECODE_REASONS)[number];

export class GreDecodeError extends LixError<GreDecodeReason> {
  constructor(
    readonly reason: GreDecodeReason,
    message: string,
  ) {
    super(reason, `GRE ${reason}: ${message}`);
  }
}

export interface GrePacket {
  readonly protocolType: number;
  readonly payload: Uint8Array;
  readonly checksumPresent: boolean;
  readonly key?: number;
  readonly sequence?: number;
}

/** RFC 2784 §2: C = 0, reserved = 0, version 0, then the protocol type; the payload follows. */
export function encodeGre(protocolType: number, payload: Uint8Array): Uint8Array {
  if (!isUint(protocolType, UINT16_MAX)) throw new RangeError('GRE protocol type must be a uint16');
  const out = new Uint8Array(BASE_BYTES + payload.length);
  out[2] = protocolType >> 8;
  out[3] = protocolType & 0xff;
  out.set(payload, BASE_BYTES);
  return out;
}

/**
 * The one's-complement sum (RFC 1071), not yet folded, of the 16-bit words of `b` added to `sum`; an odd last
 * byte is padded with zero.
 */
export function onesSum(b: Uint8Array, sum = 0): number {
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length % 2) sum += b[b.length - 1]! << 8;
  return sum;
}

/** Folds a {@link onesSum} to 16 bits and complements it: the Internet checksum. */
export function foldChecksum(sum: number): number {
  while (sum > UINT16_MAX) sum = (sum & UINT16_MAX) + (sum >>> 16);
  return ~sum & UINT16_MAX;
}

/** The Internet checksum (RFC 1071) of `b`: one's complement of the one's-complement sum of 16-bit words. */
export function internetChecksum(b: Uint8Array): number {
  return foldChecksum(onesSum(b));
}

/**
 * Decodes a GRE packet. Throws {@link GreDecodeError}: version ≠ 0, RFC 1701 routing/strict-route/recursion
 * bits set (RFC 2784 §2.3), a header longer than the packet, or a checksum that does not verify.
 */
export function decodeGre(buf: Uint8Array): GrePacket {
  buf = plainView(buf);
  if (buf.length < BASE_BYTES) throw new GreDecodeError('truncated', `${buf.length} bytes`);
  const v = viewOf(buf);
  const flags = v.getUint16(0);
  if ((flags & GRE_FLAGS.version) !== 0)
    throw new GreDecodeError('bad-version', `version ${flags & GRE_FLAGS.version}`);
  if (flags & (GRE_FLAGS.routing | GRE_FLAGS.strictRoute | GRE_FLAGS.recursion)) {
    throw new GreDecodeError('bad-flags', `RFC 1701 bits set (0x${flags.toString(16)})`);
  }
  const checksumPresent = (flags & GRE_FLAGS.checksum) !== 0;
  const hasKey = (flags & GRE_FLAGS.key) !== 0;
  const hasSeq = (flags & GRE_FLAGS.sequence) !== 0;
  const header = BASE_BYTES + OPTION_BYTES * (Number(checksumPresent) + Number(hasKey) + Number(hasSeq));
  if (buf.length < header)
    throw new GreDecodeError('truncated', `header of ${header} bytes, packet of ${buf.length}`);
  if (checksumPresent && internetChecksum(buf) !== 0)
    throw new GreDecodeError('bad-checksum', 'checksum does not verify');
  let off = BASE_BYTES + (checksumPresent ? OPTION_BYTES : 0);
  const key = hasKey ? v.getUint32(off) : undefined;
  if (hasKey) off += OPTION_BYTES;
  const sequence = hasSeq ? v.getUint32(off) : undefined;
  return {
    protocolType: v.getUint16(2),
    payload: copyBytes(buf, header, buf.length),
    checksumPresent,
    ...(key !== undefined && { key }),
    ...(sequence !== undefined && { sequence }),
  };
}
