/**
 * Diameter messages (RFC 6733 §3-4) of the synthetic traffic: Cx User-Authorization (TS 29.228 §6.1.1,
 * TS 29.229 §6.1.1-6.1.2) with User-Name = IMPI and Public-Identity = IMPU, and S6a Update-Location
 * (TS 29.272 §7.2.3-7.2.4) with User-Name = IMSI, the IMEI in Terminal-Information and the MSISDN in
 * Subscription-Data. AVPs are encoded with their vendor IDs and padded to 32 bits. Pure.
 */
import { allocBytes, encodeUtf8, viewOf } from '../../stm/bin.js';

/** Wire constants: header flags, command codes, application IDs, AVP codes and values. */
export const DIAMETER = {
  version: 1,
  headerBytes: 20,
  avpHeader: 8,
  vendorIdBytes: 4,
  flags: { request: 0x80, proxiable: 0x40 },
  avpFlags: { vendor: 0x80, mandatory: 0x40 },
  vendor3gpp: 10415,
  app: { cx: 16777216, s6a: 16777251 },
  cmd: { userAuthorization: 300, updateLocation: 316 },
  avp: {
    userName: 1,
    authApplicationId: 258,
    vendorSpecificApplicationId: 260,
    sessionId: 263,
    originHost: 264,
    vendorId: 266,
    resultCode: 268,
    authSessionState: 277,
    destinationRealm: 283,
    originRealm: 296,
    experimentalResult: 297,
    experimentalResultCode: 298,
    // 3GPP (vendor 10415)
    visitedNetworkIdentifier: 600,
    publicIdentity: 601,
    serverName: 602,
    msisdn: 701,
    ratType: 1032,
    subscriptionData: 1400,
    terminalInformation: 1401,
    imei: 1402,
    softwareVersion: 1403,
    ulrFlags: 1405,
    ulaFlags: 1406,
    visitedPlmnId: 1407,
  },
  value: {
    noStateMaintained: 1,
    success: 2001,
    firstRegistration: 2001,
    ratEutran: 1004,
    /** ULR-Flags: S6a/S6d-Indicator (TS 29.272 §7.3.7). */
    ulrS6aIndicator: 0x02,
    /** ULA-Flags: Separation Indication clear, MME registered for SMS off: value 1 = bit 0. */
    ulaFlags: 0x01,
  },
} as const;

const A = DIAMETER.avp;
const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** One AVP (RFC 6733 §4.1); `vendor` adds the V bit and Vendor-ID. */
export function avp(code: number, data: Uint8Array, vendor = 0, mandatory = true): Uint8Array {
  const head = DIAMETER.avpHeader + (vendor ? DIAMETER.vendorIdBytes : 0);
  const len = head + data.length;
  const out = allocBytes(len + pad4(len));
  const v = viewOf(out);
  v.setUint32(0, code);
  v.setUint32(4, len);
  out[4] = (vendor ? DIAMETER.avpFlags.vendor : 0) | (mandatory ? DIAMETER.avpFlags.mandatory : 0);
  if (vendor) v.setUint32(8, vendor);
  out.set(data, head);
  return out;
}

/** The parts one after another, in slab memory (the generator's encoders share it). */
export const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = allocBytes(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
};
const u32 = (n: number) => {
  const b = allocBytes(4);
  viewOf(b).setUint32(0, n >>> 0);
  return b;
};
/** AVP helpers: UTF8String, Unsigned32 and Grouped. */
export const utf8 = (code: number, s: string, vendor = 0) => avp(code, encodeUtf8(s), vendor);
export const uint = (code: number, n: number, vendor = 0) => avp(code, u32(n), vendor);
export const grouped = (code: number, avps: readonly Uint8Array[], vendor = 0) =>
  avp(code, concat(avps), vendor);
const G = DIAMETER.vendor3gpp;

/** TBCD digits (TS 29.002 §17.7.8; used by the MSISDN AVP, TS 29.329 §6.3.2). */
export function tbcd(digits: string): Uint8Array {
  const out = allocBytes(Math.ceil(digits.length / 2));
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    out[i >> 1]! |= i % 2 === 0 ? d : d << 4;
  }
  if (digits.length % 2) out[out.length - 1]! |= 0xf0;
  return out;
}

export interface DiameterHeader {
  readonly command: number;
  readonly application: number;
  readonly request: boolean;
  readonly hopByHop: number;
  readonly endToEnd: number;
}

/** A whole message: header (RFC 6733 §3) and AVPs. */
export function diameterMessage(h: DiameterHeader, avps: readonly Uint8Array[]): Uint8Array {
  const body = concat(avps);
  const out = allocBytes(DIAMETER.headerBytes + body.length);
  const v = viewOf(out);
  v.setUint32(0, out.length);
  out[0] = DIAMETER.version;
  v.setUint32(4, h.command);
  out[4] = DIAMETER.flags.proxiable | (h.request ? DIAMETER.flags.request : 0);
  v.setUint32(8, h.application);
  v.setUint32(12, h.hopByHop >>> 0);
  v.setUint32(16, h.endToEnd >>> 0);
  out.set(body, DIAMETER.headerBytes);
  return out;
}

export interface Peer {
  readonly host: string;
  readonly realm: string;
}

/** Origin-Host and Origin-Realm of a peer. */
export const origin = (p: Peer) => [utf8(A.originHost, p.host), utf8(A.originRealm, p.realm)];
const vsai = (app: number) =>
  grouped(A.vendorSpecificApplicationId, [uint(A.vendorId, G), uint(A.authApplicationId, app)]);

export interface CxUar {
  readonly sessionId: string;
  readonly impi: string;
  readonly impu: string;
  readonly visitedNetwork: string;
  readonly scscfName: string;
}

/** UAR and UAA AVPs (TS 29.229 §6.1.1-6.1.2), in the order of their ABNF. */
export function cxUserAuthorization(x: CxUar, client: Peer, server: Peer): [Uint8Array[], Uint8Array[]] {
  const head = [
    utf8(A.sessionId, x.sessionId),
    vsai(DIAMETER.app.cx),
    uint(A.authSessionState, DIAMETER.value.noStateMaintained),
  ];
  const uar = [
    ...head,
    ...origin(client),
    utf8(A.destinationRealm, server.realm),
    utf8(A.userName, x.impi),
    utf8(A.publicIdentity, x.impu, G),
    utf8(A.visitedNetworkIdentifier, x.visitedNetwork, G),
  ];
  const uaa = [
    ...head,
    ...origin(server),
    grouped(A.experimentalResult, [
      uint(A.vendorId, G),
      uint(A.experimentalResultCode, DIAMETER.value.firstRegistration),
    ]),
    utf8(A.serverName, x.scscfName, G),
  ];
  return [uar, uaa];
}

export interface S6aUlr {
  readonly sessionId: string;
  readonly imsi: string;
  readonly imei: string;
  readonly msisdn: string;
  /** Visited PLMN ID, 3 bytes (TS 29.272 §7.3.9). */
  readonly plmn: Uint8Array;
}

/** ULR and ULA AVPs (TS 29.272 §7.2.3-7.2.4). */
export function s6aUpdateLocation(x: S6aUlr, client: Peer, server: Peer): [Uint8Array[], Uint8Array[]] {
  const head = [utf8(A.sessionId, x.sessionId), uint(A.authSessionState, DIAMETER.value.noStateMaintained)];
  const ulr = [
    ...head,
    ...origin(client),
    utf8(A.destinationRealm, server.realm),
    utf8(A.userName, x.imsi),
    grouped(A.terminalInformation, [utf8(A.imei, x.imei, G), utf8(A.softwareVersion, '01', G)], G),
    uint(A.ratType, DIAMETER.value.ratEutran, G),
    uint(A.ulrFlags, DIAMETER.value.ulrS6aIndicator, G),
    avp(A.visitedPlmnId, x.plmn, G),
  ];
  const ula = [
    ...head,
    ...origin(server),
    uint(A.resultCode, DIAMETER.value.success),
    uint(A.ulaFlags, DIAMETER.value.ulaFlags, G),
    grouped(A.subscriptionData, [avp(A.msisdn, tbcd(x.msisdn), G)], G),
  ];
  return [ulr, ula];
}
