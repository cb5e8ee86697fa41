/**
 * IMS AKA registration material of the synthetic traffic (TS 33.203 §6.1, TS 24.229 §5.4.1): the S-CSCF's
 * Cx Multimedia-Auth Request/Answer with the HSS (TS 29.229 §6.1.7-§6.1.8; the answer's SIP-Auth-Data-Item
 * carries RAND || AUTN, XRES, CK and IK), the 401 challenge to the P-CSCF (nonce = base64(RAND || AUTN),
 * RFC 3310 §3.2, with `ik` and `ck`, TS 24.229 §7.2A.1) and the REGISTER answering it (`response`). Key
 * material comes from the generator's seeded random numbers. Pure.
 */
import { avp, DIAMETER, grouped, origin, uint, utf8, type Peer } from './gen-diameter.js';

/** Cx authentication: command, AVP codes (TS 29.229 Table 6.3.1) and sizes. */
export const CX_AUTH = {
  cmd: 303,
  scheme: 'Digest-AKAv1-MD5',
  algorithm: 'AKAv1-MD5',
  avp: {
    vendorSpecificApplicationId: 260,
    vendorId: 266,
    authApplicationId: 258,
    sipNumberAuthItems: 607,
    sipAuthenticationScheme: 608,
    sipAuthenticate: 609,
    sipAuthorization: 610,
    sipAuthDataItem: 612,
    sipItemNumber: 613,
    confidentialityKey: 625,
    integrityKey: 626,
  },
  bytes: { rand: 16, autn: 16, xres: 8, ck: 16, ik: 16, response: 16 },
} as const;

const A = CX_AUTH.avp;
const G = DIAMETER.vendor3gpp;

/** One IMS AKA authentication vector (TS 33.203 §6.1) and the digest response the UE's REGISTER carries. */
export interface AkaVector {
  readonly rand: Uint8Array;
  readonly autn: Uint8Array;
  readonly xres: Uint8Array;
  readonly ck: Uint8Array;
  readonly ik: Uint8Array;
  /** RFC 3310 response (an MD5 digest with XRES as the password): here random octets of its size. */
  readonly response: Uint8Array;
}

/** A vector from `random(n)` octets. */
export function akaVector(random: (n: number) => Uint8Array): AkaVector {
  const n = CX_AUTH.bytes;
  return {
    rand: random(n.rand),
    autn: random(n.autn),
    xres: random(n.xres),
    ck: random(n.ck),
    ik: random(n.ik),
    response: random(n.response),
  };
}

const joined = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The AKA nonce (RFC 3310 §3.2): base64 of RAND || AUTN (no server data). */
export const akaNonce = (v: AkaVector): string => Buffer.from(joined(v.rand, v.autn)).toString('base64');

export interface CxMar {
  readonly sessionId: string;
  readonly impi: string;
  readonly impu: string;
  readonly scscfName: string;
}

/** MAR and MAA AVPs (TS 29.229 §6.1.7-§6.1.8), the answer with one SIP-Auth-Data-Item of `v`. */
export function cxMultimediaAuth(
  x: CxMar,
  v: AkaVector,
  client: Peer,
  server: Peer,
): [Uint8Array[], Uint8Array[]] {
  const head = [
    utf8(DIAMETER.avp.sessionId, x.sessionId),
    grouped(A.vendorSpecificApplicationId, [uint(A.vendorId, G), uint(A.authApplicationId, DIAMETER.app.cx)]),
    uint(DIAMETER.avp.authSessionState, DIAMETER.value.noStateMaintained),
  ];
  const who = [utf8(DIAMETER.avp.userName, x.impi), utf8(DIAMETER.avp.publicIdentity, x.impu, G)];
  const scheme = utf8(A.sipAuthenticationScheme, CX_AUTH.scheme, G);
  const mar = [
    ...head,
    ...origin(client),
    utf8(DIAMETER.avp.destinationRealm, server.realm),
    ...who,
    grouped(A.sipAuthDataItem, [scheme], G),
    uint(A.sipNumberAuthItems, 1, G),
    utf8(DIAMETER.avp.serverName, x.scscfName, G),
  ];
  const maa = [
    ...head,
    ...origin(server),
    uint(DIAMETER.avp.resultCode, DIAMETER.value.success),
    ...who,
    uint(A.sipNumberAuthItems, 1, G),
    grouped(
      A.sipAuthDataItem,
      [
        uint(A.sipItemNumber, 1, G),
        scheme,
        avp(A.sipAuthenticate, joined(v.rand, v.autn), G),
        avp(A.sipAuthorization, v.xres, G),
        avp(A.confidentialityKey, v.ck, G),
        avp(A.integrityKey, v.ik, G),
      ],
      G,
    ),
  ];
  return [mar, maa];
}

/** The WWW-Authenticate header of the S-CSCF's 401 to the P-CSCF (TS 24.229 §5.4.1.2.1, §7.2A.1). */
export function akaChallenge(realm: string, v: AkaVector): string {
  return (
    `WWW-Authenticate: Digest realm="${realm}", nonce="${akaNonce(v)}", algorithm=${CX_AUTH.algorithm}, ` +
    `qop="auth", ik="${hex(v.ik)}", ck="${hex(v.ck)}"`
  );
}

/** The Authorization header of the REGISTER answering the challenge (RFC 3310 §3.3, RFC 3261 §22.4). */
export function akaCredentials(impi: string, realm: string, v: AkaVector, cnonce: string): string {
  return (
    `Authorization: Digest username="${impi}", realm="${realm}", uri="sip:${realm}", ` +
    `nonce="${akaNonce(v)}", response="${hex(v.response)}", algorithm=${CX_AUTH.algorithm}, ` +
    `qop=auth, nc=00000001, cnonce="${cnonce}"`
  );
}
