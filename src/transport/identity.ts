/**
 * The X1 identity of a TLS peer. ETSI TS 103 221-1 identifies the ADMF and each NE by the
 * certificate it presents; lix reads the identity from one Subject attribute (UID by default, CN when so
 * configured) and trusts it only when the TLS stack verified the certificate chain.
 *
 * Also certificate expiry facts, so that the NE can warn before its own or its peer's certificate expires.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { IdentityAttribute } from './tls-options.js';

/** Subject attribute names as Node reports them (OpenSSL short names). */
export const SUBJECT_KEYS = { uid: 'UID', cn: 'CN' } as const satisfies Record<IdentityAttribute, string>;

/** The shape of `PeerCertificate.subject`: a repeated attribute becomes an array. */
export type SubjectFields = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The identity in `subject` under `attribute`: undefined when absent, empty, or present more than once
 * (two UIDs are ambiguous, and an ambiguous identity is no identity).
 */
export function identityFromSubject(
  subject: SubjectFields | undefined,
  attribute: IdentityAttribute = 'uid',
): string | undefined {
  const value = subject?.[SUBJECT_KEYS[attribute]];
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return value;
}

/** A socket that may or may not be TLS (the insecure test mode serves plain TCP). */
type MaybeTlsSocket = Partial<Pick<TLSSocket, 'authorized' | 'getPeerCertificate'>>;

function verifiedPeerCertificate(socket: MaybeTlsSocket): PeerCertificate | undefined {
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  return cert && Object.keys(cert).length > 0 ? cert : undefined;
}

/**
 * The peer's X1 identity, only from a socket whose peer certificate the TLS stack verified
 * (`authorized === true`); undefined for plain sockets, unverified peers and ambiguous subjects.
 */
export function peerIdentity(
  socket: MaybeTlsSocket,
  attribute: IdentityAttribute = 'uid',
): string | undefined {
  const cert = verifiedPeerCertificate(socket);
  return cert ? identityFromSubject(cert.subject as SubjectFields, attribute) : undefined;
}

/** When a certificate stops being valid. */
export interface CertificateExpiry {
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Expiry of a verified peer's certificate, or undefined when the peer is not verified. */
export function peerCertificateExpiry(socket: MaybeTlsSocket): CertificateExpiry | undefined {
  const cert = verifiedPeerCertificate(socket);
  if (!cert) return undefined;
  return {
    subject: Object.entries(cert.subject as SubjectFields)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
      .join(', '),
    notBefore: new Date(cert.valid_from),
    notAfter: new Date(cert.valid_to),
  };
}

/** Expiry of our own certificate (the first certificate of a PEM file's contents). */
export function certificateExpiry(pem: string | Buffer): CertificateExpiry {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}

/** Whole days from `now` until `notAfter` (negative once expired). */
export function daysUntil(notAfter: Date, now: number): number {
  const dayMs = 86_400_000;
  return Math.floor((notAfter.getTime() - now) / dayMs);
}
