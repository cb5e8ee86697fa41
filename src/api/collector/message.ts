/**
 * One captured frame of a collector file as the API shows it: addresses, protocol, a summary line, and the
 * detail (SIP text, Diameter and GTPv2-C fields). The frame is decoded on its own: link layer → IP → UDP,
 * TCP segment or the first SCTP DATA chunk → SIP, Diameter or GTPv2-C by the probe's classifiers
 * (src/probe/decode/classify.ts). A frame that carries none of them is not listed.
 */
import { classifySctp, classifyStreamStart, classifyUdp } from '../../probe/decode/classify.js';
import { ipOfFrame, PACKET, parseIpPacket } from '../../stm/packet.js';
import type { PacketClass } from '../../collector/capture-index.js';
import { describeDiameter } from './diameter-describe.js';
import { describeGtpv2 } from './gtpv2-describe.js';
import { u16, u32, type Field } from './fields.js';

export const PROTOCOLS = ['sip', 'diameter', 'gtpv2'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
/** Protocol codes kept in the file index (0: not a signalling message). */
export const PROTOCOL_CODE: Readonly<Record<Protocol, number>> = { sip: 1, diameter: 2, gtpv2: 3 };

/** SCTP common header and DATA chunk layout (RFC 9260 §3.1, §3.3.1). */
const SCTP = { common: 12, chunkHeader: 4, dataHeader: 16, data: 0, ppidAt: 12 } as const;

/** What a frame carries. */
export interface Carried {
  readonly src: string;
  readonly dst: string;
  readonly protocol: Protocol;
  readonly payload: Uint8Array;
}

const endpoint = (addr: string, port: number) =>
  addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;

function firstSctpData(l4: Uint8Array): { ppid: number; data: Uint8Array } | undefined {
  for (let o = SCTP.common; o + SCTP.chunkHeader <= l4.length;) {
    const len = u16(l4, o + 2);
    if (len < SCTP.chunkHeader || o + len > l4.length) return undefined;
    if (l4[o] === SCTP.data && len >= SCTP.dataHeader)
      return { ppid: u32(l4, o + SCTP.ppidAt), data: l4.subarray(o + SCTP.dataHeader, o + len) };
    o += len + ((4 - (len % 4)) % 4);
  }
  return undefined;
}

/** The signalling message a frame carries, or undefined. Never throws. */
export function carried(linkType: number, frame: Uint8Array): Carried | undefined {
  try {
    const ip = ipOfFrame(linkType, frame);
    if (!ip) return undefined;
    const p = parseIpPacket(ip);
    if (p.fragment || p.payload.length === 0) return undefined;
    let payload = p.payload;
    let srcPort = p.srcPort;
    let dstPort = p.dstPort;
    let kind: string | undefined;
    if (p.ipProtocol === PACKET.udp) kind = classifyUdp(srcPort, dstPort, payload);
    else if (p.ipProtocol === PACKET.tcp) kind = classifyStreamStart(srcPort, dstPort, payload);
    else if (p.ipProtocol === PACKET.sctp && payload.length >= SCTP.common) {
      srcPort = u16(payload, 0);
      dstPort = u16(payload, 2);
      const d = firstSctpData(payload);
      if (!d) return undefined;
      payload = d.data;
      kind = classifySctp(d.ppid, srcPort, dstPort, payload);
    }
    if (kind !== 'sip' && kind !== 'diameter' && kind !== 'gtpv2') return undefined;
    return {
      src: endpoint(p.srcAddress, srcPort),
      dst: endpoint(p.dstAddress, dstPort),
      protocol: kind,
      payload,
    };
  } catch {
    return undefined;
  }
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const SIP_HEAD_MAX = 8192;

/** The SIP start line and Call-ID of a message (RFC 3261 §7.1-7.3, §20.8, compact form `i`). */
export function sipHead(payload: Uint8Array): { line: string; callId?: string } {
  const head = latin1(payload.subarray(0, SIP_HEAD_MAX));
  const end = head.indexOf('\r\n\r\n');
  const lines = (end < 0 ? head : head.slice(0, end)).split('\r\n');
  let callId: string | undefined;
  for (const l of lines.slice(1)) {
    const m = /^(?:call-id|i)[ \t]*:[ \t]*(.*?)[ \t]*$/i.exec(l);
    if (m) {
      callId = m[1];
      break;
    }
  }
  return { line: lines[0] ?? '', ...(callId && { callId }) };
}

/** The index classifier: protocol code and (SIP) Call-ID of a frame. */
export function classifyFrame(linkType: number, frame: Uint8Array): PacketClass {
  const c = carried(linkType, frame);
  if (!c) return { protocol: 0 };
  if (c.protocol !== 'sip') return { protocol: PROTOCOL_CODE[c.protocol] };
  const callId = sipHead(c.payload).callId;
  return { protocol: PROTOCOL_CODE.sip, ...(callId !== undefined && { key: callId }) };
}

/** A message summary as the API answers it. */
export interface Summary {
  readonly id: string;
  readonly time: string;
  readonly src: string;
  readonly dst: string;
  readonly protocol: Protocol;
  readonly summary: string;
  readonly callId?: string;
}

export type Detail =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'fields'; readonly fields: readonly Field[] };

/** Summary and detail of a carried message; binary messages that do not decode say so in the summary. */
export function describe(c: Carried): { summary: string; callId?: string; detail: Detail } {
  if (c.protocol === 'sip') {
    const h = sipHead(c.payload);
    return {
      summary: h.line,
      ...(h.callId !== undefined && { callId: h.callId }),
      detail: { kind: 'text', text: new TextDecoder().decode(c.payload) },
    };
  }
  try {
    const d = c.protocol === 'diameter' ? describeDiameter(c.payload) : describeGtpv2(c.payload);
    return { summary: d.summary, detail: { kind: 'fields', fields: d.fields } };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { summary: `${c.protocol} (undecodable: ${why})`, detail: { kind: 'fields', fields: [] } };
  }
}

/** Microseconds since the epoch as ISO 8601 UTC with microseconds. */
export function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(Math.floor(micros % 1000)).padStart(3, '0')}Z`;
}
