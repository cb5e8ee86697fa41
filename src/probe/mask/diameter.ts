/**
 * Key masking in Diameter (RFC 6733 §4): the AVPs that carry keys, authentication vectors or digest secrets
 * are found by (vendor, code), at the top level and inside the grouped AVPs that hold them, walked
 * recursively; their data is overwritten with the filler, the AVP headers, lengths and padding stay. The
 * table of masked AVPs, with their clauses, is in docs/probe.md ("Key masking").
 */
import { runMasker, unsafe, type MaskEdit, type MaskOutcome } from './edit.js';

const VENDOR_3GPP = 10415;

/** Diameter framing (RFC 6733 §3, §4.1). */
const FRAME = {
  version: 1,
  headerBytes: 20,
  avpHeaderBytes: 8,
  vendorIdBytes: 4,
  avpFlagVendor: 0x80,
  padTo: 4,
  /** Grouped AVPs nest at most this deep (deeper is refused as unsafe). */
  maxDepth: 16,
} as const;

/**
 * AVPs whose data is key material: `[vendor, code]`, vendor 0 for IETF AVPs. Codes from the AVP tables of
 * TS 29.272 (Table 7.3.1-1, S6a/S6d), TS 29.229 (Table 6.3.1, Cx; reused by SWx, TS 29.273 §8.2.3), RFC 4590,
 * RFC 4072 and RFC 4004.
 */
export const KEY_AVPS = {
  /** TS 29.272: in E-UTRAN-, UTRAN- and GERAN-Vector. */
  rand: [VENDOR_3GPP, 1447],
  xres: [VENDOR_3GPP, 1448],
  autn: [VENDOR_3GPP, 1449],
  kasme: [VENDOR_3GPP, 1450],
  kc: [VENDOR_3GPP, 1453],
  sres: [VENDOR_3GPP, 1454],
  /** TS 29.272: RAND || AUTS of a resynchronisation (in the AIR). */
  reSynchronizationInfo: [VENDOR_3GPP, 1411],
  /** TS 29.229: RAND || AUTN (AKA), in SIP-Auth-Data-Item. */
  sipAuthenticate: [VENDOR_3GPP, 609],
  /** TS 29.229: XRES, or RAND || AUTS in a resynchronisation. */
  sipAuthorization: [VENDOR_3GPP, 610],
  /** TS 29.229 (CK; CK' in SWx); also in the UTRAN-Vector of TS 29.272. */
  confidentialityKey: [VENDOR_3GPP, 625],
  /** TS 29.229 (IK; IK' in SWx); also in the UTRAN-Vector. */
  integrityKey: [VENDOR_3GPP, 626],
  /** RFC 4590 §3.17 (H(A1), a password equivalent), in SIP-Digest-Authenticate (TS 29.229). */
  digestHa1: [0, 121],
  /** RFC 4072 §4.1.3: the EAP MSK (STa, SWa, SWm; TS 29.273). */
  eapMasterSessionKey: [0, 464],
  /** RFC 4004 §7.10: a mobility security association's key. */
  mipSessionKey: [0, 343],
} as const satisfies Record<string, readonly [number, number]>;

/** Grouped AVPs that hold key AVPs; they are walked, recursively. */
export const KEY_CONTAINERS = {
  /** TS 29.272 (AIR): they hold Re-Synchronization-Info. */
  requestedEutranAuthenticationInfo: [VENDOR_3GPP, 1408],
  requestedUtranGeranAuthenticationInfo: [VENDOR_3GPP, 1409],
  /** TS 29.272 (AIA) and its vectors. */
  authenticationInfo: [VENDOR_3GPP, 1413],
  eutranVector: [VENDOR_3GPP, 1414],
  utranVector: [VENDOR_3GPP, 1415],
  geranVector: [VENDOR_3GPP, 1416],
  /** TS 29.229 (MAR/MAA), also SWx (TS 29.273). */
  sipAuthDataItem: [VENDOR_3GPP, 612],
  sipDigestAuthenticate: [VENDOR_3GPP, 635],
  /** RFC 4004 §7.5-§7.9 and RFC 5778: mobility security associations. */
  mipMnToFaMsa: [0, 325],
  mipFaToMnMsa: [0, 326],
  mipFaToHaMsa: [0, 328],
  mipHaToFaMsa: [0, 329],
  mipMnToHaMsa: [0, 331],
  mipHaToMnMsa: [0, 332],
  mipMnHaMsa: [0, 492],
} as const satisfies Record<string, readonly [number, number]>;

/** Codes by vendor ID (small integers: the lookups stay on the fast path). */
const byVendor = (t: Record<string, readonly [number, number]>) => {
  const m = new Map<number, Set<number>>();
  for (const [v, c] of Object.values(t)) {
    const codes = m.get(v) ?? new Set<number>();
    codes.add(c);
    m.set(v, codes);
  }
  return m;
};
const KEYS = byVendor(KEY_AVPS);
const CONTAINERS = byVendor(KEY_CONTAINERS);

const u24 = (b: Uint8Array, o: number) => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
const u32 = (b: Uint8Array, o: number) =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** Masks the key AVPs among the AVPs in `[start, end)` of the message, descending into key containers. */
function walk(b: Uint8Array, start: number, end: number, depth: number, e: MaskEdit): void {
  let o = start;
  while (o < end) {
    if (end - o < FRAME.avpHeaderBytes) unsafe(`truncated AVP header at octet ${o}`);
    const code = u32(b, o);
    const len = u24(b, o + 5);
    const vendorFlag = (b[o + 4]! & FRAME.avpFlagVendor) !== 0;
    const head = FRAME.avpHeaderBytes + (vendorFlag ? FRAME.vendorIdBytes : 0);
    if (len < head) unsafe(`AVP ${code} at octet ${o}: length ${len} below its header size`);
    if (o + len > end) unsafe(`AVP ${code} at octet ${o} runs past its container`);
    const vendor = vendorFlag ? u32(b, o + FRAME.avpHeaderBytes) : 0;
    if (KEYS.get(vendor)?.has(code)) e.fill(o + head, o + len);
    else if (CONTAINERS.get(vendor)?.has(code)) {
      if (depth >= FRAME.maxDepth) unsafe('grouped AVPs nested too deep');
      walk(b, o + head, o + len, depth + 1, e);
    }
    // The last AVP's padding may be missing at the end of its container (tolerated, as by the inspector).
    o = Math.min(end, o + len + ((FRAME.padTo - (len % FRAME.padTo)) % FRAME.padTo));
  }
}

/**
 * Masks the keys of one Diameter message (see {@link KEY_AVPS}, {@link KEY_CONTAINERS}). `unsafe` when the
 * header or the AVP framing, at the top level or inside a key container, cannot be read: a key AVP could
 * then be anywhere.
 */
export function maskDiameter(payload: Uint8Array): MaskOutcome {
  return runMasker(payload, (e) => {
    if (payload.length < FRAME.headerBytes) unsafe('shorter than the 20-octet header');
    if (payload[0] !== FRAME.version) unsafe(`version ${payload[0]} is not 1`);
    const len = u24(payload, 1);
    if (len !== payload.length) unsafe(`length field ${len} but ${payload.length} octets`);
    walk(payload, FRAME.headerBytes, len, 0, e);
  });
}
