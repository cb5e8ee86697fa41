/**
 * Raw IP packets for STM: builds an IPv4 (RFC 791) or IPv6 (RFC 8200) packet around a UDP (RFC 768) or TCP
 * (RFC 9293) segment, so that a collector can write an EEP report as a packet Wireshark dissects, and parses
 * captured frames (Ethernet, Linux SLL/SLL2, raw IP) back into addresses, ports and payload. Pure, no I/O.
 */
import { LixError } from '../lib/errors.js';
import type { Flow } from './flow.js';
import { allocBytes, UINT16_MAX, viewOf } from './bin.js';
import { foldChecksum, internetChecksum, onesSum } from './gre.js';
import { formatIpv4, formatIpv6, IPV6_BYTES, parseIp } from './ip.js';
import { LINKTYPE } from './pcapng-tables.js';
import { buildSctpSegment, sctpOverhead } from './sctp-packet.js';

/** IANA protocol numbers and header sizes used here. */
export const PACKET = {
  tcp: 6,
  udp: 17,
  sctp: 132,
  ipv4Header: 20,
  ipv6Header: 40,
  udpHeader: 8,
  tcpHeader: 20,
  ttl: 64,
  /** Largest IPv4 total length (16-bit field). */
  maxIpv4: 0xffff,
  /** Largest IPv6 payload length without a jumbogram. */
  maxIpv6Payload: 0xffff,
  tcpWindow: 0xffff,
  tcpPshAck: 0x18,
} as const;

/** EtherTypes (IEEE 802) of the frames {@link ipOfFrame} walks. */
export const ETHERTYPE = { ipv4: 0x0800, ipv6: 0x86dd, vlan: 0x8100, qinq: 0x88a8 } as const;
const ETHERNET_HEADER = 14;
const VLAN_TAG = 4;
const SLL_HEADER = 16;
const SLL2_HEADER = 20;
/** IPv6 extension headers skipped while looking for the transport (RFC 8200 §4). */
const IPV6_EXT = { hopByHop: 0, routing: 43, fragment: 44, destOpts: 60 } as const;
const IPV4_FLAG_MF = 0x2000;
const IPV4_OFFSET_MASK = 0x1fff;

export class PacketError extends LixError<'bad-packet'> {
  constructor(message: string) {
    super('bad-packet', message);
  }
}

/**
 * A packet to synthesise. `ipProtocol`: UDP (17), TCP (6) or SCTP (132, one DATA chunk with the whole
 * payload); another protocol number is carried with the payload right after the IP header.
 */
export interface PacketSpec extends Flow {
  readonly payload: Uint8Array;
  /** TCP sequence number of the first payload byte (default 1). */
  readonly tcpSeq?: number;
  /** SCTP payload protocol identifier (default 0). */
  readonly sctpPpid?: number;
}

/**
 * Address texts already parsed, to their bytes (read, never written): a collector builds a packet per report from
 * the few addresses of its NEs' traffic. Cleared when full.
 */
const ADDRESSES = new Map<string, Uint8Array>();
const ADDRESSES_MAX = 4096;

function address(text: string): Uint8Array {
  let a = ADDRESSES.get(text);
  if (a !== undefined) return a;
  a = parseIp(text);
  if (!a) throw new PacketError(`not an IP address: ${text}`);
  if (ADDRESSES.size >= ADDRESSES_MAX) ADDRESSES.clear();
  ADDRESSES.set(text, a);
  return a;
}

/**
 * Checksum over the IPv4/IPv6 pseudo-header and the segment (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1), summed
 * without building the pseudo-header: its words are the addresses, the protocol and the segment length.
 */
function pseudoChecksum(src: Uint8Array, dst: Uint8Array, proto: number, segment: Uint8Array): number {
  const len = segment.length;
  return foldChecksum(
    onesSum(segment, onesSum(dst, onesSum(src)) + proto + (len >>> 16) + (len & UINT16_MAX)),
  );
}

/** Writes the UDP or TCP header and the payload of `spec` at `seg` (sized for them) and its checksum. */
function writeUdpOrTcp(spec: PacketSpec, src: Uint8Array, dst: Uint8Array, seg: Uint8Array): void {
  const proto = spec.ipProtocol;
  const v = viewOf(seg);
  v.setUint16(0, spec.srcPort);
  v.setUint16(2, spec.dstPort);
  if (proto === PACKET.udp) v.setUint16(4, seg.length);
  else {
    v.setUint32(4, (spec.tcpSeq ?? 1) >>> 0);
    v.setUint32(8, 1);
    seg[12] = (PACKET.tcpHeader / 4) << 4;
    seg[13] = PACKET.tcpPshAck;
    v.setUint16(14, PACKET.tcpWindow);
  }
  const hdr = proto === PACKET.udp ? PACKET.udpHeader : PACKET.tcpHeader;
  seg.set(spec.payload, hdr);
  const sum = pseudoChecksum(src, dst, proto, seg);
  // RFC 768: a computed UDP checksum of zero is sent as all ones.
  v.setUint16(proto === PACKET.udp ? 6 : 16, sum === 0 && proto === PACKET.udp ? 0xffff : sum);
}

/** The transport header's length for `proto` when this module writes it in place (UDP, TCP), else undefined. */
function inPlaceHeader(proto: number): number | undefined {
  return proto === PACKET.udp ? PACKET.udpHeader : proto === PACKET.tcp ? PACKET.tcpHeader : undefined;
}

/** An SCTP segment, or the bare payload of another protocol (built apart, then copied into the packet). */
function otherSegment(spec: PacketSpec): Uint8Array {
  const { ipProtocol: proto, payload } = spec;
  if (proto !== PACKET.sctp) return payload;
  const { srcPort, dstPort, sctpPpid } = spec;
  return buildSctpSegment({ srcPort, dstPort, payload, ...(sctpPpid !== undefined && { ppid: sctpPpid }) });
}

/** Largest payload {@link buildIpPacket} accepts for the given addresses and protocol. */
export function maxPayload(srcAddress: string, ipProtocol: number): number {
  const l4 =
    ipProtocol === PACKET.udp
      ? PACKET.udpHeader
      : ipProtocol === PACKET.tcp
        ? PACKET.tcpHeader
        : ipProtocol === PACKET.sctp
          ? sctpOverhead(0) + 3
          : 0;
  return srcAddress.includes(':') ? PACKET.maxIpv6Payload - l4 : PACKET.maxIpv4 - PACKET.ipv4Header - l4;
}

/**
 * One IPv4 or IPv6 packet (family from the address text); throws {@link PacketError} when it cannot fit. Built in
 * one allocation, headers and payload written in place.
 */
export function buildIpPacket(spec: PacketSpec): Uint8Array {
  const src = address(spec.srcAddress);
  const dst = address(spec.dstAddress);
  if (src.length !== dst.length) throw new PacketError('source and destination are of different families');
  if (spec.payload.length > maxPayload(spec.srcAddress, spec.ipProtocol))
    throw new PacketError(`payload of ${spec.payload.length} bytes does not fit in one IP packet`);
  const hdr = inPlaceHeader(spec.ipProtocol);
  const other = hdr === undefined ? otherSegment(spec) : undefined;
  const segLength = other?.length ?? hdr! + spec.payload.length;
  const v6 = src.length === IPV6_BYTES;
  const ipHeader = v6 ? PACKET.ipv6Header : PACKET.ipv4Header;
  const out = allocBytes(ipHeader + segLength);
  const v = viewOf(out);
  if (v6) {
    v.setUint32(0, 0x60000000);
    v.setUint16(4, segLength);
    out[6] = spec.ipProtocol;
    out[7] = PACKET.ttl;
    out.set(src, 8);
    out.set(dst, 24);
  } else {
    out[0] = 0x45;
    v.setUint16(2, out.length);
    out[8] = PACKET.ttl;
    out[9] = spec.ipProtocol;
    out.set(src, 12);
    out.set(dst, 16);
    v.setUint16(10, internetChecksum(out.subarray(0, PACKET.ipv4Header)));
  }
  if (other) out.set(other, ipHeader);
  else writeUdpOrTcp(spec, src, dst, out.subarray(ipHeader));
  return out;
}

/**
 * The packets that carry `spec`: one, except a TCP payload too large for one packet, which is cut into
 * consecutive segments (as a TCP sender would). A UDP payload too large for IP throws {@link PacketError}.
 */
export function buildIpPackets(spec: PacketSpec): Uint8Array[] {
  const max = maxPayload(spec.srcAddress, spec.ipProtocol);
  if (spec.payload.length <= max || spec.ipProtocol !== PACKET.tcp) return [buildIpPacket(spec)];
  const out: Uint8Array[] = [];
  const seq0 = spec.tcpSeq ?? 1;
  for (let off = 0; off < spec.payload.length; off += max) {
    const payload = spec.payload.subarray(off, off + max);
    out.push(buildIpPacket({ ...spec, payload, tcpSeq: (seq0 + off) >>> 0 }));
  }
  return out;
}

/** What {@link parseIpPacket} found. */
export interface ParsedPacket extends Flow {
  readonly ipVersion: 4 | 6;
  // Ports are 0 when the protocol has none (or this is a non-first fragment).
  /** The UDP/TCP payload (empty for a bare TCP ACK). */
  readonly payload: Uint8Array;
  /** True for an IP fragment: the transport header may be missing and the payload incomplete. */
  readonly fragment: boolean;
}

function transport(
  base: Omit<ParsedPacket, 'srcPort' | 'dstPort' | 'payload'>,
  l4: Uint8Array,
  first: boolean,
): ParsedPacket {
  const v = new DataView(l4.buffer, l4.byteOffset, l4.byteLength);
  const p = base.ipProtocol;
  if (first && p === PACKET.udp && l4.length >= PACKET.udpHeader) {
    const len = Math.min(Math.max(v.getUint16(4), PACKET.udpHeader), l4.length);
    return { ...base, srcPort: v.getUint16(0), dstPort: v.getUint16(2), payload: l4.subarray(8, len) };
  }
  if (first && p === PACKET.tcp && l4.length >= PACKET.tcpHeader) {
    const off = (l4[12]! >> 4) * 4;
    if (off < PACKET.tcpHeader || off > l4.length) throw new PacketError('bad TCP data offset');
    return { ...base, srcPort: v.getUint16(0), dstPort: v.getUint16(2), payload: l4.subarray(off) };
  }
  if (first && (p === PACKET.udp || p === PACKET.tcp)) throw new PacketError('transport header cut short');
  return { ...base, srcPort: 0, dstPort: 0, payload: l4 };
}

function parseIpv4(b: Uint8Array): ParsedPacket {
  const ihl = (b[0]! & 0x0f) * 4;
  if (ihl < PACKET.ipv4Header || b.length < ihl) throw new PacketError('IPv4 header cut short');
  const total = Math.min((b[2]! << 8) | b[3]!, b.length);
  if (total < ihl) throw new PacketError('IPv4 total length below header length');
  const frag = (b[6]! << 8) | b[7]!;
  const offset = frag & IPV4_OFFSET_MASK;
  const base = {
    ipVersion: 4 as const,
    ipProtocol: b[9]!,
    srcAddress: formatIpv4(b, 12),
    dstAddress: formatIpv4(b, 16),
    fragment: offset !== 0 || (frag & IPV4_FLAG_MF) !== 0,
  };
  return transport(base, b.subarray(ihl, total), offset === 0);
}

function parseIpv6(b: Uint8Array): ParsedPacket {
  if (b.length < PACKET.ipv6Header) throw new PacketError('IPv6 header cut short');
  const end = Math.min(PACKET.ipv6Header + ((b[4]! << 8) | b[5]!), b.length);
  let next = b[6]!;
  let off = PACKET.ipv6Header;
  let fragment = false;
  let first = true;
  for (;;) {
    if (next === IPV6_EXT.fragment) {
      if (off + 8 > end) throw new PacketError('IPv6 fragment header cut short');
      fragment = true;
      first = (((b[off + 2]! << 8) | b[off + 3]!) & 0xfff8) === 0;
      next = b[off]!;
      off += 8;
    } else if (next === IPV6_EXT.hopByHop || next === IPV6_EXT.routing || next === IPV6_EXT.destOpts) {
      if (off + 2 > end) throw new PacketError('IPv6 extension header cut short');
      const len = (b[off + 1]! + 1) * 8;
      next = b[off]!;
      off += len;
      if (off > end) throw new PacketError('IPv6 extension header cut short');
    } else break;
  }
  const base = {
    ipVersion: 6 as const,
    ipProtocol: next,
    srcAddress: formatIpv6(b, 8),
    dstAddress: formatIpv6(b, 24),
    fragment,
  };
  return transport(base, b.subarray(off, end), first);
}

/** Parses an IPv4 or IPv6 packet with its UDP/TCP header; throws {@link PacketError} on damage. */
export function parseIpPacket(buf: Uint8Array): ParsedPacket {
  if (buf.length < 1) throw new PacketError('empty packet');
  const version = buf[0]! >> 4;
  if (version === 4) return parseIpv4(buf);
  if (version === 6) return parseIpv6(buf);
  throw new PacketError(`IP version ${version}`);
}

function etherPayload(frame: Uint8Array, typeAt: number): Uint8Array | undefined {
  let off = typeAt;
  for (;;) {
    if (frame.length < off + 2) return undefined;
    const type = (frame[off]! << 8) | frame[off + 1]!;
    if (type === ETHERTYPE.vlan || type === ETHERTYPE.qinq) off += VLAN_TAG;
    else if (isIpType(type)) return frame.subarray(off + 2);
    else return undefined;
  }
}

const isIpType = (t: number) => t === ETHERTYPE.ipv4 || t === ETHERTYPE.ipv6;

/** The IP packet inside a frame of the given link type, or undefined when it carries no IPv4/IPv6. */
export function ipOfFrame(linkType: number, frame: Uint8Array): Uint8Array | undefined {
  switch (linkType) {
    case LINKTYPE.raw:
    case LINKTYPE.ipv4:
    case LINKTYPE.ipv6:
      return frame;
    case LINKTYPE.ethernet:
      return etherPayload(frame, ETHERNET_HEADER - 2);
    case LINKTYPE.linuxSll:
      return frame.length >= SLL_HEADER ? etherPayload(frame, SLL_HEADER - 2) : undefined;
    case LINKTYPE.linuxSll2:
      return frame.length >= SLL2_HEADER && isIpType((frame[0]! << 8) | frame[1]!)
        ? frame.subarray(SLL2_HEADER)
        : undefined;
    default:
      return undefined;
  }
}

/** IP version of an address text. */
export function ipVersionOf(text: string): 4 | 6 {
  return text.includes(':') ? 6 : 4;
}
