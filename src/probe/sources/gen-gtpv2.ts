/**
 * GTPv2-C messages (TS 29.274) of the synthetic traffic on S11 (MME ↔ SGW): Create Session Request
 * (§7.2.1, IMSI, MSISDN, MEI, Sender F-TEID ...), Create Session Response (§7.2.2, Cause, Sender F-TEID,
 * PAA, Bearer Context), Delete Session Request and Response (§7.2.9), addressed by TEID. Pure.
 */
import { allocBytes, viewOf } from '../../stm/bin.js';
import { parseIp } from '../../stm/ip.js';
import { concat, tbcd } from './gen-diameter.js';

/** Wire constants (TS 29.274 §5.1, §6.1, §8). */
export const GTPV2 = {
  /** Version 2, T (TEID present) flag. */
  flagsWithTeid: 0x48,
  headerBytes: 12,
  /** Octets of the header counted before the Length field's coverage starts. */
  lengthExcluded: 4,
  ieHeader: 4,
  msg: {
    createSessionRequest: 32,
    createSessionResponse: 33,
    deleteSessionRequest: 36,
    deleteSessionResponse: 37,
  },
  ie: {
    imsi: 1,
    cause: 2,
    apn: 71,
    ebi: 73,
    mei: 75,
    msisdn: 76,
    paa: 79,
    bearerQos: 80,
    ratType: 82,
    servingNetwork: 83,
    fteid: 87,
    bearerContext: 93,
    pdnType: 99,
  },
  cause: { requestAccepted: 16 },
  rat: { eutran: 6 },
  pdnIpv4: 1,
  /** F-TEID: V4 flag and interface types (§8.22). */
  fteidV4: 0x80,
  iface: { s1uSgw: 1, s5s8PgwGtpc: 7, s11Mme: 10, s11S4Sgw: 11 },
  defaultBearer: 5,
  qci: 9,
  /** Bearer QoS: PCI, PL, PVI (§8.15), then QCI and four 5-octet bit rates. */
  qosArp: 0x24,
  qosRateBytes: 20,
  sequenceMask: 0xffffff,
} as const;

const I = GTPV2.ie;

/** One IE (§8.2.1): type, length, spare/instance, value. */
export function ie(type: number, value: Uint8Array, instance = 0): Uint8Array {
  const out = allocBytes(GTPV2.ieHeader + value.length);
  out[0] = type;
  viewOf(out).setUint16(1, value.length);
  out[3] = instance & 0x0f;
  out.set(value, GTPV2.ieHeader);
  return out;
}

/** F-TEID (§8.22) with an IPv4 address. */
export function fteid(iface: number, teid: number, address: string, instance = 0): Uint8Array {
  const ip = parseIp(address);
  if (!ip || ip.length !== 4) throw new RangeError(`F-TEID needs an IPv4 address, not ${address}`);
  const v = allocBytes(9);
  v[0] = GTPV2.fteidV4 | iface;
  viewOf(v).setUint32(1, teid >>> 0);
  v.set(ip, 5);
  return ie(I.fteid, v, instance);
}

/** APN in DNS label form (TS 23.003 §9.1). */
function apn(name: string): Uint8Array {
  return concat(name.split('.').map((l) => Uint8Array.of(l.length, ...new TextEncoder().encode(l))));
}

/** A message with TEID (§5.1): `teid` 0 in a first request. */
export function gtpv2Message(
  type: number,
  teid: number,
  sequence: number,
  ies: readonly Uint8Array[],
): Uint8Array {
  const body = concat(ies);
  const out = allocBytes(GTPV2.headerBytes + body.length);
  const v = viewOf(out);
  out[0] = GTPV2.flagsWithTeid;
  out[1] = type;
  v.setUint16(2, out.length - GTPV2.lengthExcluded);
  v.setUint32(4, teid >>> 0);
  v.setUint32(8, (sequence & GTPV2.sequenceMask) << 8);
  out.set(body, GTPV2.headerBytes);
  return out;
}

export interface GtpSession {
  readonly imsi: string;
  readonly msisdn: string;
  readonly imei: string;
  /** Serving network PLMN, 3 bytes (§8.18). */
  readonly plmn: Uint8Array;
  readonly apn: string;
  readonly mmeTeid: number;
  readonly sgwTeid: number;
  readonly sgwUserTeid: number;
  readonly mmeAddress: string;
  readonly sgwAddress: string;
  readonly ueAddress: string;
}

function bearerQos(): Uint8Array {
  const v = allocBytes(2 + GTPV2.qosRateBytes);
  v[0] = GTPV2.qosArp;
  v[1] = GTPV2.qci;
  return ie(I.bearerQos, v);
}

function paa(address: string): Uint8Array {
  const ip = parseIp(address) ?? new Uint8Array(4);
  return ie(I.paa, Uint8Array.of(GTPV2.pdnIpv4, ...ip));
}

/** Create Session Request (§7.2.1) and Response (§7.2.2). */
export function createSession(s: GtpSession, sequence: number): [Uint8Array, Uint8Array] {
  const request = gtpv2Message(GTPV2.msg.createSessionRequest, 0, sequence, [
    ie(I.imsi, tbcd(s.imsi)),
    ie(I.msisdn, tbcd(s.msisdn)),
    ie(I.mei, tbcd(s.imei)),
    ie(I.servingNetwork, s.plmn),
    ie(I.ratType, Uint8Array.of(GTPV2.rat.eutran)),
    fteid(GTPV2.iface.s11Mme, s.mmeTeid, s.mmeAddress),
    fteid(GTPV2.iface.s5s8PgwGtpc, 0, s.sgwAddress, 1),
    ie(I.apn, apn(s.apn)),
    ie(I.pdnType, Uint8Array.of(GTPV2.pdnIpv4)),
    paa('0.0.0.0'),
    ie(I.bearerContext, concat([ie(I.ebi, Uint8Array.of(GTPV2.defaultBearer)), bearerQos()])),
  ]);
  const cause = ie(I.cause, Uint8Array.of(GTPV2.cause.requestAccepted, 0));
  const response = gtpv2Message(GTPV2.msg.createSessionResponse, s.mmeTeid, sequence, [
    cause,
    fteid(GTPV2.iface.s11S4Sgw, s.sgwTeid, s.sgwAddress),
    paa(s.ueAddress),
    ie(
      I.bearerContext,
      concat([
        ie(I.ebi, Uint8Array.of(GTPV2.defaultBearer)),
        cause,
        fteid(GTPV2.iface.s1uSgw, s.sgwUserTeid, s.sgwAddress),
      ]),
    ),
  ]);
  return [request, response];
}

/** Delete Session Request (§7.2.9.1, to the SGW's TEID) and Response (§7.2.10.1, to the MME's). */
export function deleteSession(s: GtpSession, sequence: number): [Uint8Array, Uint8Array] {
  const request = gtpv2Message(GTPV2.msg.deleteSessionRequest, s.sgwTeid, sequence, [
    ie(I.ebi, Uint8Array.of(GTPV2.defaultBearer)),
  ]);
  const response = gtpv2Message(GTPV2.msg.deleteSessionResponse, s.mmeTeid, sequence, [
    ie(I.cause, Uint8Array.of(GTPV2.cause.requestAccepted, 0)),
  ]);
  return [request, response];
}
