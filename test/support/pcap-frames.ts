/**
 * Builds raw IPv4/IPv6 packets with UDP or TCP headers (RFC 791, RFC 8200, RFC 768, RFC 9293) for captures
 * that tshark judges, and strips link/IP/UDP headers off captured frames. Test helper only.
 */
import { internetChecksum } from '../../src/stm/gre.js';
import { parseIpv4, parseIpv6 } from '../../src/stm/ip.js';

const PROTO = { tcp: 6, udp: 17 } as const;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
const TCP_HEADER = 20;
const TTL = 64;
export const TCP_FLAGS = { fin: 0x01, syn: 0x02, psh: 0x08, ack: 0x10 } as const;

export interface Flow {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
}

function addr(text: string): Uint8Array {
  const a = text.includes(':') ? parseIpv6(text) : parseIpv4(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
}

/** Checksum of a transport segment with its IPv4 or IPv6 pseudo-header (0 over a segment whose checksum is right). */
export function transportChecksum(
  src: Uint8Array,
  dst: Uint8Array,
  proto: number,
  segment: Uint8Array,
): number {
  const v6 = src.length === 16;
  const pseudo = new Uint8Array((v6 ? 40 : 12) + segment.length);
  const v = new DataView(pseudo.buffer);
  pseudo.set(src, 0);
  pseudo.set(dst, src.length);
  if (v6) {
    v.setUint32(32, segment.length);
    pseudo[39] = proto;
  } else {
    pseudo[9] = proto;
    v.setUint16(10, segment.length);
  }
  pseudo.set(segment, v6 ? 40 : 12);
  return internetChecksum(pseudo);
}

function ipPacket(flow: Flow, proto: number, segment: Uint8Array, checksumAt: number): Uint8Array {
  const src = addr(flow.src);
  const dst = addr(flow.dst);
  const sum = transportChecksum(src, dst, proto, segment);
  new DataView(segment.buffer, segment.byteOffset).setUint16(
    checksumAt,
    sum === 0 && proto === PROTO.udp ? 0xffff : sum,
  );
  if (src.length === 16) {
    const out = new Uint8Array(IPV6_HEADER + segment.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0x60000000);
    v.setUint16(4, segment.length);
    out[6] = proto;
    out[7] = TTL;
    out.set(src, 8);
    out.set(dst, 24);
    out.set(segment, IPV6_HEADER);
    return out;
  }
  const out = new Uint8Array(IPV4_HEADER + segment.length);
  const v = new DataView(out.buffer);
  out[0] = 0x45;
  v.setUint16(2, out.length);
  out[8] = TTL;
  out[9] = proto;
  out.set(src, 12);
  out.set(dst, 16);
  v.setUint16(10, internetChecksum(out.subarray(0, IPV4_HEADER)));
  out.set(segment, IPV4_HEADER);
  return out;
}

/** An IPv4 or IPv6 (by the address text) UDP datagram. */
export function udpPacket(flow: Flow, payload: Uint8Array): Uint8Array {
  const seg = new Uint8Array(UDP_HEADER + payload.length);
  const v = new DataView(seg.buffer);
  v.setUint16(0, flow.sport);
  v.setUint16(2, flow.dport);
  v.setUint16(4, seg.length);
  seg.set(payload, UDP_HEADER);
  return ipPacket(flow, PROTO.udp, seg, 6);
}

/** An IPv4 or IPv6 TCP segment. */
export function tcpPacket(
  flow: Flow,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
): Uint8Array {
  const seg = new Uint8Array(TCP_HEADER + payload.length);
  const v = new DataView(seg.buffer);
  v.setUint16(0, flow.sport);
  v.setUint16(2, flow.dport);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, ack >>> 0);
  seg[12] = (TCP_HEADER / 4) << 4;
  seg[13] = flags;
  v.setUint16(14, 65535);
  seg.set(payload, TCP_HEADER);
  return ipPacket(flow, PROTO.tcp, seg, 16);
}

/**
 * A TCP connection from `flow.src` carrying `segments` (each one TCP segment of payload): handshake first,
 * then the data segments with running sequence numbers.
 */
export function tcpConversation(flow: Flow, segments: readonly Uint8Array[]): Uint8Array[] {
  const back: Flow = { src: flow.dst, dst: flow.src, sport: flow.dport, dport: flow.sport };
  const isn = 1000;
  const risn = 5000;
  const out = [
    tcpPacket(flow, isn, 0, TCP_FLAGS.syn, new Uint8Array(0)),
    tcpPacket(back, risn, isn + 1, TCP_FLAGS.syn | TCP_FLAGS.ack, new Uint8Array(0)),
    tcpPacket(flow, isn + 1, risn + 1, TCP_FLAGS.ack, new Uint8Array(0)),
  ];
  let seq = isn + 1;
  for (const s of segments) {
    out.push(tcpPacket(flow, seq, risn + 1, TCP_FLAGS.psh | TCP_FLAGS.ack, s));
    seq += s.length;
  }
  return out;
}

/** The UDP payload of an IPv4/IPv6 packet after `linkHeader` bytes of link layer (e.g. 14 for Ethernet). */
export function udpPayloadOf(frame: Uint8Array, linkHeader = 0): Uint8Array {
  const ip = frame.subarray(linkHeader);
  const version = ip[0]! >> 4;
  const ipLen = version === 6 ? IPV6_HEADER : (ip[0]! & 0x0f) * 4;
  const proto = version === 6 ? ip[6] : ip[9];
  if (proto !== PROTO.udp) throw new Error(`not UDP (protocol ${proto})`);
  return ip.subarray(ipLen + UDP_HEADER);
}
