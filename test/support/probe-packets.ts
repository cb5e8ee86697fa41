/**
 * Hand-built packets for the probe's decode tests: TCP segments with any flags, SCTP packets with any
 * chunks (RFC 9260 §3), IPv4/IPv6 fragments (RFC 791, RFC 8200 §4.5) and raw-IP frames. Test helper only.
 */
import { buildIpPacket, PACKET } from '../../src/stm/packet.js';
import { parseIp } from '../../src/stm/ip.js';
import type { Frame } from '../../src/probe/messages.js';

export const RAW_IP = 101;
export const TCP = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10 } as const;
export const ascii = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

export function frame(data: Uint8Array, timestampMicros = 1_000_000n, linkType = RAW_IP): Frame {
  return { linkType, timestampMicros, data };
}

export interface Ends {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
}

export const V4: Ends = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 5060 };
export const V6: Ends = { src: '2001:db8::1', dst: '2001:db8::2', sport: 40000, dport: 5060 };

export const reverse = (e: Ends): Ends => ({ src: e.dst, dst: e.src, sport: e.dport, dport: e.sport });

export function udp(e: Ends, payload: Uint8Array): Uint8Array {
  return buildIpPacket({
    ipProtocol: PACKET.udp,
    srcAddress: e.src,
    dstAddress: e.dst,
    srcPort: e.sport,
    dstPort: e.dport,
    payload,
  });
}

/** A TCP segment with sequence number `seq` and the given flags (default PSH|ACK). */
export function tcp(
  e: Ends,
  seq: number,
  payload: Uint8Array,
  flags: number = TCP.psh | TCP.ack,
): Uint8Array {
  const p = buildIpPacket({
    ipProtocol: PACKET.tcp,
    srcAddress: e.src,
    dstAddress: e.dst,
    srcPort: e.sport,
    dstPort: e.dport,
    payload,
    tcpSeq: seq >>> 0,
  });
  const l4 = e.src.includes(':') ? 40 : 20;
  p[l4 + 13] = flags; // the checksum no longer matches; the decoder does not check it
  return p;
}

/** An IPv4 or IPv6 packet around an arbitrary transport segment `l4` of protocol `proto`. */
export function ipWrap(e: Ends, proto: number, l4: Uint8Array): Uint8Array {
  const src = parseIp(e.src)!;
  const dst = parseIp(e.dst)!;
  const v6 = src.length === 16;
  const head = v6 ? 40 : 20;
  const out = new Uint8Array(head + l4.length);
  const v = new DataView(out.buffer);
  if (v6) {
    v.setUint32(0, 0x60000000);
    v.setUint16(4, l4.length);
    out[6] = proto;
    out[7] = 64;
    out.set(src, 8);
    out.set(dst, 24);
  } else {
    out[0] = 0x45;
    v.setUint16(2, out.length);
    out[8] = 64;
    out[9] = proto;
    out.set(src, 12);
    out.set(dst, 16);
  }
  out.set(l4, head);
  return out;
}

export interface DataSpec {
  readonly tsn: number;
  readonly data: Uint8Array;
  readonly flags?: number;
  readonly sid?: number;
  readonly ssn?: number;
  readonly ppid?: number;
}

export const SCTP_FLAGS = { end: 1, begin: 2, unordered: 4, whole: 3 } as const;

function chunk(type: number, flags: number, body: Uint8Array): Uint8Array {
  const len = 4 + body.length;
  const out = new Uint8Array(Math.ceil(len / 4) * 4);
  out[0] = type;
  out[1] = flags;
  new DataView(out.buffer).setUint16(2, len);
  out.set(body, 4);
  return out;
}

/** A DATA chunk (RFC 9260 §3.3.1), padded. */
export function dataChunk(d: DataSpec): Uint8Array {
  const body = new Uint8Array(12 + d.data.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, d.tsn >>> 0);
  v.setUint16(4, d.sid ?? 0);
  v.setUint16(6, d.ssn ?? 0);
  v.setUint32(8, d.ppid ?? 0);
  body.set(d.data, 12);
  return chunk(0, d.flags ?? SCTP_FLAGS.whole, body);
}

/** An I-DATA chunk (RFC 8260 §2.1): `ppidOrFsn` is the PPID when B is set, else the FSN. */
export function iDataChunk(
  tsn: number,
  flags: number,
  mid: number,
  ppidOrFsn: number,
  data: Uint8Array,
): Uint8Array {
  const body = new Uint8Array(16 + data.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, tsn);
  v.setUint32(8, mid);
  v.setUint32(12, ppidOrFsn);
  body.set(data, 16);
  return chunk(64, flags, body);
}

/** A control chunk of `type` with a small body (SACK 3, HEARTBEAT 4 ...). */
export function controlChunk(type: number, body = new Uint8Array(12)): Uint8Array {
  return chunk(type, 0, body);
}

/** An SCTP packet (common header with a zero checksum, then the chunks) inside IP. */
export function sctp(e: Ends, chunks: readonly Uint8Array[]): Uint8Array {
  const len = 12 + chunks.reduce((n, c) => n + c.length, 0);
  const l4 = new Uint8Array(len);
  const v = new DataView(l4.buffer);
  v.setUint16(0, e.sport);
  v.setUint16(2, e.dport);
  v.setUint32(4, 0x01020304);
  let at = 12;
  for (const c of chunks) {
    l4.set(c, at);
    at += c.length;
  }
  return ipWrap(e, 132, l4);
}

/** An IPv4 packet cut into fragments of `size` bytes of payload (a multiple of 8), identification `id`. */
export function fragmentV4(packet: Uint8Array, size: number, id = 0x1234): Uint8Array[] {
  const ihl = (packet[0]! & 0x0f) * 4;
  const body = packet.subarray(ihl);
  const out: Uint8Array[] = [];
  for (let off = 0; off < body.length; off += size) {
    const part = body.subarray(off, off + size);
    const f = new Uint8Array(ihl + part.length);
    f.set(packet.subarray(0, ihl), 0);
    f.set(part, ihl);
    const v = new DataView(f.buffer);
    v.setUint16(2, f.length);
    v.setUint16(4, id);
    v.setUint16(6, (off + size < body.length ? 0x2000 : 0) | (off / 8));
    out.push(f);
  }
  return out;
}

/** An IPv6 packet (no extension headers) cut into fragments with Fragment headers, identification `id`. */
export function fragmentV6(packet: Uint8Array, size: number, id = 0xabcdef01): Uint8Array[] {
  const next = packet[6]!;
  const body = packet.subarray(40);
  const out: Uint8Array[] = [];
  for (let off = 0; off < body.length; off += size) {
    const part = body.subarray(off, off + size);
    const f = new Uint8Array(48 + part.length);
    f.set(packet.subarray(0, 40), 0);
    const v = new DataView(f.buffer);
    v.setUint16(4, 8 + part.length);
    f[6] = 44;
    f[40] = next;
    v.setUint16(42, off | (off + size < body.length ? 1 : 0));
    v.setUint32(44, id);
    f.set(part, 48);
    out.push(f);
  }
  return out;
}

/** A SIP request with a body and the Content-Length header written as `lengthHeader`. */
export function sipRequest(method: string, body = '', lengthHeader = 'Content-Length'): Uint8Array {
  return ascii(
    `${method} sip:bob@example.com SIP/2.0\r\n` +
      'Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n' +
      'From: <sip:alice@example.com>;tag=1928301774\r\nTo: <sip:bob@example.com>\r\n' +
      `Call-ID: a84b4c76e66710\r\nCSeq: 314159 ${method}\r\n${lengthHeader}: ${body.length}\r\n\r\n${body}`,
  );
}

export function sipResponse(code: number, reason: string, body = ''): Uint8Array {
  return ascii(
    `SIP/2.0 ${code} ${reason}\r\nVia: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n` +
      `Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
}

/** A Diameter message (RFC 6733 §3) of `avpBytes` zero bytes after the header. */
export function diameter(command: number, request: boolean, avpBytes = 12, hopByHop = 1): Uint8Array {
  const out = new Uint8Array(20 + avpBytes);
  const v = new DataView(out.buffer);
  v.setUint32(0, (1 << 24) | out.length);
  v.setUint32(4, ((request ? 0x80 : 0) << 24) | command);
  v.setUint32(8, 16777251);
  v.setUint32(12, hopByHop);
  v.setUint32(16, hopByHop);
  return out;
}

/** A GTPv2-C message (3GPP TS 29.274 §5.1) with a TEID and `body` bytes of IEs. */
export function gtpv2(type: number, body = 4, piggyback = false): Uint8Array {
  const out = new Uint8Array(12 + body);
  const v = new DataView(out.buffer);
  out[0] = 0x48 | (piggyback ? 0x10 : 0);
  out[1] = type;
  v.setUint16(2, out.length - 4);
  v.setUint32(4, 0x11223344);
  v.setUint32(8, 0x00000100);
  return out;
}

export const concatBytes = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
