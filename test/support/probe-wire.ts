/**
 * Hand-built signalling for the probe's inspector and matcher tests and bench: SIP text (RFC 3261), Diameter
 * messages and AVPs (RFC 6733 §3, §4), GTPv2-C messages and IEs (TS 29.274 §5, §8). Test helper only; it
 * shares no code with `src/probe/proto/` so the two check each other.
 */
import { parseIpv4 } from '../../src/stm/ip.js';
import type { AppProtocol, ProbeMessage } from '../../src/probe/messages.js';
import { concatBytes as concat } from '../../src/stm/pcapng.js';

export { concat };

const enc = new TextEncoder();

export interface Endpoints {
  readonly src?: string;
  readonly dst?: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly ipProtocol?: number;
}

/** A ProbeMessage around `payload` (IPv4 unless an address has a colon). */
export function probeMessage(protocol: AppProtocol, payload: Uint8Array, e: Endpoints = {}): ProbeMessage {
  const src = e.src ?? '10.0.0.1';
  return {
    timestampMicros: 0n,
    ipVersion: src.includes(':') ? 6 : 4,
    ipProtocol: e.ipProtocol ?? (protocol === 'diameter' ? 6 : 17),
    srcAddress: src,
    dstAddress: e.dst ?? '10.0.0.2',
    srcPort: e.sport ?? (protocol === 'gtpv2' ? 2123 : protocol === 'sip' ? 5060 : 3868),
    dstPort: e.dport ?? (protocol === 'gtpv2' ? 2123 : protocol === 'sip' ? 5060 : 3868),
    protocol,
    payload,
  };
}

// ---------------------------------------------------------------------------------------------------------
// SIP

/** A SIP message from its start line and header lines (CRLF line ends, empty body unless given). */
export function sipText(startLine: string, headers: readonly string[], body = ''): Uint8Array {
  const h = [...headers, `Content-Length: ${enc.encode(body).length}`];
  return enc.encode(`${startLine}\r\n${h.join('\r\n')}\r\n\r\n${body}`);
}

export interface SipParties {
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly cseq?: string;
}

export function sipInvite(ruri: string, p: SipParties, extra: readonly string[] = []): Uint8Array {
  return sipText(`INVITE ${ruri} SIP/2.0`, [
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1',
    'Max-Forwards: 70',
    `From: ${p.from};tag=a1`,
    `To: ${p.to}`,
    `Call-ID: ${p.callId}`,
    `CSeq: ${p.cseq ?? '1 INVITE'}`,
    ...extra,
  ]);
}

export function sipResponse(status: number, p: SipParties, extra: readonly string[] = []): Uint8Array {
  return sipText(`SIP/2.0 ${status} Whatever`, [
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1',
    `From: ${p.from};tag=a1`,
    `To: ${p.to};tag=b2`,
    `Call-ID: ${p.callId}`,
    `CSeq: ${p.cseq ?? '1 INVITE'}`,
    ...extra,
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Diameter

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** One AVP (RFC 6733 §4.1), padded; `vendor` sets the V flag. */
export function avp(code: number, data: Uint8Array | string | number, vendor?: number): Uint8Array {
  const bytes =
    typeof data === 'string'
      ? enc.encode(data)
      : typeof data === 'number'
        ? Uint8Array.of(data >>> 24, (data >>> 16) & 255, (data >>> 8) & 255, data & 255)
        : data;
  const head = vendor === undefined ? 8 : 12;
  const len = head + bytes.length;
  const out = new Uint8Array(len + pad4(len));
  const v = new DataView(out.buffer);
  v.setUint32(0, code);
  v.setUint32(4, len);
  out[4] = vendor === undefined ? 0x40 : 0xc0;
  if (vendor !== undefined) v.setUint32(8, vendor);
  out.set(bytes, head);
  return out;
}

/** A grouped AVP. */
export const group = (code: number, avps: readonly Uint8Array[], vendor?: number) =>
  avp(code, concat(avps), vendor);

export interface DiameterHead {
  readonly command: number;
  readonly request: boolean;
  readonly app?: number;
}

/** A Diameter message (RFC 6733 §3). */
export function diameter(h: DiameterHead, avps: readonly Uint8Array[]): Uint8Array {
  const body = concat(avps);
  const out = new Uint8Array(20 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length);
  out[0] = 1;
  v.setUint32(4, h.command);
  out[4] = h.request ? 0x80 : 0;
  v.setUint32(8, h.app ?? 0);
  v.setUint32(12, 0x1234);
  v.setUint32(16, 0x5678);
  out.set(body, 20);
  return out;
}

/** TBCD digits (TS 29.002 §17.7.8): low nibble first, 0xF filler. */
export function tbcd(digits: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(digits.length / 2));
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    out[i >> 1]! |= i % 2 === 0 ? d : d << 4;
  }
  if (digits.length % 2 === 1) out[out.length - 1]! |= 0xf0;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// GTPv2-C

/** One IE (TS 29.274 §8.2.1). */
export function ie(type: number, value: Uint8Array, instance = 0): Uint8Array {
  const out = new Uint8Array(4 + value.length);
  out[0] = type;
  new DataView(out.buffer).setUint16(1, value.length);
  out[3] = instance;
  out.set(value, 4);
  return out;
}

/** An F-TEID IE (§8.22) with an IPv4 address. */
export function fteid(iface: number, teid: number, ipv4: string, instance = 0): Uint8Array {
  const v = new Uint8Array(9);
  v[0] = 0x80 | iface;
  new DataView(v.buffer).setUint32(1, teid);
  v.set(parseIpv4(ipv4)!, 5);
  return ie(87, v, instance);
}

export interface GtpHead {
  readonly type: number;
  readonly teid?: number;
  readonly seq: number;
  readonly piggyback?: boolean;
}

/** A GTPv2-C message (§5.1); TEID present when `teid` is given. */
export function gtpv2(h: GtpHead, ies: readonly Uint8Array[]): Uint8Array {
  const body = concat(ies);
  const head = h.teid === undefined ? 8 : 12;
  const out = new Uint8Array(head + body.length);
  const v = new DataView(out.buffer);
  out[0] = 0x40 | (h.teid === undefined ? 0 : 0x08) | (h.piggyback ? 0x10 : 0);
  out[1] = h.type;
  v.setUint16(2, out.length - 4);
  let o = 4;
  if (h.teid !== undefined) {
    v.setUint32(4, h.teid);
    o = 8;
  }
  out[o] = (h.seq >> 16) & 255;
  out[o + 1] = (h.seq >> 8) & 255;
  out[o + 2] = h.seq & 255;
  out.set(body, head);
  return out;
}
