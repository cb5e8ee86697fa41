/**
 * S6a Authentication-Information Request and Answer (TS 29.272 §5.2.3.1, §7.2.5-§7.2.6) of the synthetic
 * traffic: the MME asks the HSS for E-UTRAN and UTRAN/GERAN vectors; the answer carries one E-UTRAN vector
 * (RAND, XRES, AUTN, KASME), one UTRAN vector (RAND, XRES, AUTN, CK, IK) and one GERAN vector (RAND, SRES,
 * Kc), so that the probe's key masking has every kind of S6a key to mask. The key material comes from the
 * generator's seeded random numbers (it is not derived from any subscriber key). Pure.
 */
import { avp, DIAMETER, grouped, origin, uint, utf8, type Peer } from './gen-diameter.js';

/** S6a authentication: command, AVP codes (TS 29.272 Table 7.3.1-1) and sizes. */
export const S6A_AUTH = {
  cmd: 318,
  avp: {
    requestedEutranAuthenticationInfo: 1408,
    requestedUtranGeranAuthenticationInfo: 1409,
    numberOfRequestedVectors: 1410,
    immediateResponsePreferred: 1412,
    authenticationInfo: 1413,
    eutranVector: 1414,
    utranVector: 1415,
    geranVector: 1416,
    itemNumber: 1419,
    rand: 1447,
    xres: 1448,
    autn: 1449,
    kasme: 1450,
    kc: 1453,
    sres: 1454,
    confidentialityKey: 625,
    integrityKey: 626,
  },
  bytes: { rand: 16, xres: 8, autn: 16, kasme: 32, ck: 16, ik: 16, kc: 8, sres: 4 },
} as const;

const A = S6A_AUTH.avp;
const N = S6A_AUTH.bytes;
const G = DIAMETER.vendor3gpp;

export interface S6aAir {
  readonly sessionId: string;
  readonly imsi: string;
  /** Visited PLMN ID, 3 bytes (TS 29.272 §7.3.9). */
  readonly plmn: Uint8Array;
}

/**
 * AIR and AIA AVPs (TS 29.272 §7.2.5-§7.2.6); `random(n)` gives `n` octets of (seeded) key material.
 */
export function s6aAuthenticationInformation(
  x: S6aAir,
  client: Peer,
  server: Peer,
  random: (n: number) => Uint8Array,
): [Uint8Array[], Uint8Array[]] {
  const head = [utf8(DIAMETER.avp.sessionId, x.sessionId), uint(DIAMETER.avp.authSessionState, 1)];
  const requested = (code: number) =>
    grouped(code, [uint(A.numberOfRequestedVectors, 1, G), uint(A.immediateResponsePreferred, 1, G)], G);
  const air = [
    ...head,
    ...origin(client),
    utf8(DIAMETER.avp.destinationRealm, server.realm),
    utf8(DIAMETER.avp.userName, x.imsi),
    requested(A.requestedEutranAuthenticationInfo),
    requested(A.requestedUtranGeranAuthenticationInfo),
    avp(DIAMETER.avp.visitedPlmnId, x.plmn, G),
  ];
  const key = (code: number, n: number) => avp(code, random(n), G);
  const item = uint(A.itemNumber, 1, G);
  const eutran = grouped(
    A.eutranVector,
    [item, key(A.rand, N.rand), key(A.xres, N.xres), key(A.autn, N.autn), key(A.kasme, N.kasme)],
    G,
  );
  const utran = grouped(
    A.utranVector,
    [
      item,
      key(A.rand, N.rand),
      key(A.xres, N.xres),
      key(A.autn, N.autn),
      key(A.confidentialityKey, N.ck),
      key(A.integrityKey, N.ik),
    ],
    G,
  );
  const geran = grouped(A.geranVector, [item, key(A.rand, N.rand), key(A.sres, N.sres), key(A.kc, N.kc)], G);
  const aia = [
    ...head,
    ...origin(server),
    uint(DIAMETER.avp.resultCode, DIAMETER.value.success),
    grouped(A.authenticationInfo, [eutran, utran, geran], G),
  ];
  return [air, aia];
}
