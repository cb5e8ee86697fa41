/**
 * GTPv2-C Context Request, Response and Acknowledge on S10 (TS 29.274 §7.3.5-§7.3.7) of the synthetic
 * traffic: at a tracking area update to another MME, the new MME fetches the UE's context from the old one.
 * The response carries an MM Context (EPS Security Context and Quadruplets, §8.38, Figure 8.38-5) with
 * KASME, one quadruplet, one quintuplet, NH and an old security context (old KASME, old NH), so that the
 * probe's key masking has every key of it to mask. Key material comes from the generator's seeded random
 * numbers. Pure.
 */
import { allocBytes } from '../../stm/bin.js';
import { concat, tbcd } from './gen-diameter.js';
import { fteid, GTPV2, gtpv2Message, ie } from './gen-gtpv2.js';

/** Message and IE types, F-TEID interface and MM Context field values used here (TS 29.274). */
export const GTPV2_CONTEXT = {
  msg: { contextRequest: 130, contextResponse: 131, contextAcknowledge: 132 },
  ie: { ratType: 82, mmContextEps: 107 },
  /** F-TEID interface type S10 MME GTP-C (§8.22). */
  ifaceS10Mme: 12,
  /** Octet 5: Security Mode "EPS Security Context and Quadruplets" (4) in bits 8-6, NHI, KSI_ASME 1. */
  octet5: (4 << 5) | 0x10 | 0x01,
  /** Octet 6: one quintuplet (bits 8-6), one quadruplet (bits 5-3), OSCI (bit 1). */
  octet6: (1 << 5) | (1 << 2) | 0x01,
  /** Octet 7: used NAS integrity protection EIA2 (bits 7-5), used NAS cipher EEA2 (bits 4-1). */
  octet7: (2 << 4) | 2,
  /** UE network capability (TS 24.301 §9.9.3.34): EEA0-2, EIA0-2. */
  ueNetworkCapability: [0xe0, 0xe0],
  ncc: 2,
  /** Old security context octet: NHI_old, old KSI_ASME 0, old NCC 1. */
  oldContext: 0x80 | 0x01,
  bytes: { rand: 16, xres: 8, autn: 16, kasme: 32, ck: 16, ik: 16, nh: 32, nasCount: 3 },
} as const;

const C = GTPV2_CONTEXT;
const N = C.bytes;

/** One Authentication Quadruplet (Figure 8.38-8) and one Quintuplet (Figure 8.38-7). */
function vectors(random: (n: number) => Uint8Array): Uint8Array[] {
  return [
    random(N.rand),
    Uint8Array.of(N.xres),
    random(N.xres),
    Uint8Array.of(N.autn),
    random(N.autn),
    random(N.kasme),
    random(N.rand),
    Uint8Array.of(N.xres),
    random(N.xres),
    random(N.ck),
    random(N.ik),
    Uint8Array.of(N.autn),
    random(N.autn),
  ];
}

/** MM Context (EPS Security Context and Quadruplets) IE value, Figure 8.38-5. */
export function mmContextEps(imei: string, random: (n: number) => Uint8Array): Uint8Array {
  const counts = allocBytes(2 * N.nasCount);
  counts[2] = 7; // NAS downlink count 7
  counts[5] = 5; // NAS uplink count 5
  const mei = tbcd(imei);
  return concat([
    Uint8Array.of(C.octet5, C.octet6, C.octet7),
    counts,
    random(N.kasme),
    ...vectors(random),
    random(N.nh),
    Uint8Array.of(C.ncc),
    Uint8Array.of(C.ueNetworkCapability.length, ...C.ueNetworkCapability),
    Uint8Array.of(0), // MS network capability: none
    Uint8Array.of(mei.length),
    mei,
    Uint8Array.of(0), // access restriction data: none
    Uint8Array.of(C.oldContext),
    random(N.kasme),
    random(N.nh),
  ]);
}

export interface ContextTransfer {
  readonly imsi: string;
  readonly imei: string;
  readonly oldMmeAddress: string;
  readonly newMmeAddress: string;
  readonly oldMmeTeid: number;
  readonly newMmeTeid: number;
}

/** Context Request (new → old MME), Context Response (old → new) and Context Acknowledge (new → old). */
export function contextTransfer(
  x: ContextTransfer,
  sequence: number,
  random: (n: number) => Uint8Array,
): [Uint8Array, Uint8Array, Uint8Array] {
  const accepted = ie(GTPV2.ie.cause, Uint8Array.of(GTPV2.cause.requestAccepted, 0));
  const request = gtpv2Message(C.msg.contextRequest, 0, sequence, [
    ie(GTPV2.ie.imsi, tbcd(x.imsi)),
    fteid(C.ifaceS10Mme, x.newMmeTeid, x.newMmeAddress),
    ie(C.ie.ratType, Uint8Array.of(GTPV2.rat.eutran)),
  ]);
  const response = gtpv2Message(C.msg.contextResponse, x.newMmeTeid, sequence, [
    accepted,
    ie(GTPV2.ie.imsi, tbcd(x.imsi)),
    ie(C.ie.mmContextEps, mmContextEps(x.imei, random)),
    fteid(C.ifaceS10Mme, x.oldMmeTeid, x.oldMmeAddress),
  ]);
  const ack = gtpv2Message(C.msg.contextAcknowledge, x.oldMmeTeid, sequence, [accepted]);
  return [request, response, ack];
}
