/**
 * The key fields of the GTPv2-C MM Context IEs (TS 29.274 §8.38, Figures 8.38-1 to 8.38-8): the fixed keys
 * (Kc, CK, IK, KASME), the authentication vectors (triplets, quintuplets, quadruplets: every field but their
 * length octets), the Next Hop (NH) and, in an EPS security context, the old KASME and old NH. Flags, counts,
 * length octets and everything after the keys keep their values, so a dissector still walks the IE.
 */
import { unsafe, type MaskEdit } from './edit.js';

/** MM Context IE types (TS 29.274 Table 8.1-1). */
export const MM_CONTEXT = {
  gsmKeyAndTriplets: 103,
  umtsKeyUsedCipherAndQuintuplets: 104,
  gsmKeyUsedCipherAndQuintuplets: 105,
  umtsKeyAndQuintuplets: 106,
  epsSecurityContextAndQuadruplets: 107,
  umtsKeyQuadrupletsAndQuintuplets: 108,
} as const;

/** Sizes (octets) and flag bits of §8.38. */
const F = {
  flagsBytes: 3,
  kc: 8,
  ck: 16,
  ik: 16,
  kasme: 32,
  nh: 32,
  ncc: 1,
  rand: 16,
  sres: 4,
  drx: 2,
  nasCounts: 6,
  ambr: 8,
  accessRestriction: 1,
  oldContextFlags: 1,
  /** Octet 5: NHI (EPS), DRXI. */
  nhi: 0x10,
  drxi: 0x08,
  /** Octet 6: number of triplets/quintuplets in bits 8-6, quadruplets in bits 5-3, UAMB RI, OSCI. */
  countShift: 5,
  quadShift: 2,
  quadMask: 0x07,
  uambri: 0x02,
  osci: 0x01,
  /** Octet 7 of the EPS security context: SAMB RI. */
  sambri: 0x80,
  /** The old security context's flags octet: NHI_old. */
  nhiOld: 0x80,
} as const;

/** A reader over the IE's value that masks as it goes; running past the IE fails as unsafe. */
class Cursor {
  constructor(
    private readonly b: Uint8Array,
    public o: number,
    private readonly end: number,
    private readonly e: MaskEdit,
    private readonly what: string,
  ) {}

  private need(n: number, field: string): void {
    if (this.o + n > this.end) unsafe(`${this.what}: ${field} runs past the IE`);
  }

  octet(field: string): number {
    this.need(1, field);
    return this.b[this.o++]!;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.o += n;
  }

  mask(n: number, field: string): void {
    this.need(n, field);
    if (n > 0) this.e.fill(this.o, this.o + n);
    this.o += n;
  }

  /** A length octet (kept) and the field it announces (masked, or skipped when `keep`). */
  lengthPrefixed(field: string, keep = false): void {
    const n = this.octet(`length of ${field}`);
    if (keep) this.skip(n, field);
    else this.mask(n, field);
  }
}

function triplets(c: Cursor, n: number): void {
  for (let i = 0; i < n; i++) {
    c.mask(F.rand, 'triplet RAND');
    c.mask(F.sres, 'triplet SRES');
    c.mask(F.kc, 'triplet Kc');
  }
}

/** Authentication Quintuplet (Figure 8.38-7): RAND, XRES length, XRES, CK, IK, AUTN length, AUTN. */
function quintuplets(c: Cursor, n: number): void {
  for (let i = 0; i < n; i++) {
    c.mask(F.rand, 'quintuplet RAND');
    c.lengthPrefixed('quintuplet XRES');
    c.mask(F.ck, 'quintuplet CK');
    c.mask(F.ik, 'quintuplet IK');
    c.lengthPrefixed('quintuplet AUTN');
  }
}

/** Authentication Quadruplet (Figure 8.38-8): RAND, XRES length, XRES, AUTN length, AUTN, KASME. */
function quadruplets(c: Cursor, n: number): void {
  for (let i = 0; i < n; i++) {
    c.mask(F.rand, 'quadruplet RAND');
    c.lengthPrefixed('quadruplet XRES');
    c.lengthPrefixed('quadruplet AUTN');
    c.mask(F.kasme, 'quadruplet KASME');
  }
}

/**
 * EPS Security Context and Quadruplets (Figure 8.38-5): KASME, quadruplets, quintuplets, NH (with NHI), and
 * when OSCI is set the old security context after the access restriction data: old KASME and old NH.
 */
function epsSecurityContext(c: Cursor, o5: number, o6: number, o7: number): void {
  c.skip(F.nasCounts, 'NAS downlink and uplink counts');
  c.mask(F.kasme, 'KASME');
  quadruplets(c, (o6 >> F.quadShift) & F.quadMask);
  quintuplets(c, o6 >> F.countShift);
  if (o5 & F.drxi) c.skip(F.drx, 'DRX parameter');
  if (o5 & F.nhi) {
    c.mask(F.nh, 'NH');
    c.skip(F.ncc, 'NCC');
  }
  if (!(o6 & F.osci)) return;
  if (o7 & F.sambri) c.skip(F.ambr, 'subscribed UE AMBR');
  if (o6 & F.uambri) c.skip(F.ambr, 'used UE AMBR');
  c.lengthPrefixed('UE network capability', true);
  c.lengthPrefixed('MS network capability', true);
  c.lengthPrefixed('MEI', true);
  c.skip(F.accessRestriction, 'access restriction data');
  const old = c.octet('old security context flags');
  c.mask(F.kasme, 'old KASME');
  if (old & F.nhiOld) c.mask(F.nh, 'old NH');
}

/** Whether an IE type is an MM Context. */
export function isMmContext(type: number): boolean {
  return type >= MM_CONTEXT.gsmKeyAndTriplets && type <= MM_CONTEXT.umtsKeyQuadrupletsAndQuintuplets;
}

/**
 * Masks the key fields of the MM Context IE of `type` whose value is `[start, end)` of `b`.
 *
 * @throws UnsafeToMask when a key field runs past the IE.
 */
export function maskMmContext(type: number, b: Uint8Array, start: number, end: number, e: MaskEdit): void {
  const c = new Cursor(b, start, end, e, `MM Context IE ${type}`);
  const o5 = c.octet('flags');
  const o6 = c.octet('flags');
  const o7 = c.octet('flags');
  const count = o6 >> F.countShift;
  const M = MM_CONTEXT;
  switch (type) {
    case M.gsmKeyAndTriplets:
      c.mask(F.kc, 'Kc');
      triplets(c, count);
      return;
    case M.gsmKeyUsedCipherAndQuintuplets:
      c.mask(F.kc, 'Kc');
      quintuplets(c, count);
      return;
    case M.umtsKeyUsedCipherAndQuintuplets:
    case M.umtsKeyAndQuintuplets:
      c.mask(F.ck, 'CK');
      c.mask(F.ik, 'IK');
      quintuplets(c, count);
      return;
    case M.umtsKeyQuadrupletsAndQuintuplets:
      c.mask(F.ck, 'CK');
      c.mask(F.ik, 'IK');
      quadruplets(c, (o6 >> F.quadShift) & F.quadMask);
      quintuplets(c, count);
      return;
    case M.epsSecurityContextAndQuadruplets:
      epsSecurityContext(c, o5, o6, o7);
      return;
    default:
      unsafe(`IE ${type} is not an MM Context`);
  }
}
