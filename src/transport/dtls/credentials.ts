/**
 * DTLS credentials from the TLS material lix already uses for X1 and `eep+tls` (--tls-dir/--id or
 * --cert/--key/--ca), and the certificate checks on top of the chain: the consumer identity a destination
 * names (`?identity=`) and the producer allow-list of a collector.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { checkConsumerIdentity, producerRefusal, type NamedCertificate } from '../consumer-identity.js';
import type { SubjectFields } from '../identity.js';
import { TlsConfigError, type IdentityAttribute, type TlsMaterial } from '../tls-options.js';
import type { DtlsCredentials } from './session.js';
import { ALERT, DtlsError } from './wire.js';

/** All certificates of a PEM text, in order. */
function pemCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem
    .toString('latin1')
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  return (blocks ?? []).map((b) => new X509Certificate(b));
}

/** Credentials for DTLS: our chain (the certificate file, leaf first), the key, the first CA certificate. */
export function dtlsCredentials(m: TlsMaterial): DtlsCredentials {
  const chain = pemCertificates(m.cert);
  const [ca] = pemCertificates(m.ca);
  const key = createPrivateKey(m.key);
  if (chain.length === 0 || !ca) throw new TlsConfigError('DTLS needs a certificate and a CA certificate');
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new TlsConfigError('DTLS needs an EC P-256 key (ECDSA), as `lix pki init` makes');
  return { chain: chain.map((c) => c.raw), key, ca };
}

/** The Subject of an X509Certificate as fields (`UID=ne-1\nCN=ne-1`; a repeated attribute becomes a list). */
export function subjectFields(cert: X509Certificate): SubjectFields {
  const out: Record<string, string | string[]> = {};
  for (const line of cert.subject.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const k = line.slice(0, i);
    const v = line.slice(i + 1);
    const prev = out[k];
    out[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  return out;
}

function peerView(cert: X509Certificate): NamedCertificate {
  return { subject: subjectFields(cert), subjectaltname: cert.subjectAltName ?? '' };
}

/** A client check: the server's certificate must name `identity` (consumer-identity.ts). */
export function consumerCheck(
  identity: string,
  attribute?: IdentityAttribute,
): (leaf: X509Certificate) => void {
  return (leaf) => {
    const err = checkConsumerIdentity(peerView(leaf), identity, attribute);
    if (err) throw new DtlsError(err.message, ALERT.badCertificate, true);
  };
}

/** A server check: the client's certificate must name one of `allowed` (UID/CN per `attribute`, or DNS SAN). */
export function producerAllowList(
  allowed: readonly string[],
  attribute?: IdentityAttribute,
): (leaf: X509Certificate) => void {
  return (leaf) => {
    const refusal = producerRefusal(peerView(leaf), allowed, attribute);
    if (refusal) throw new DtlsError(refusal, ALERT.accessDenied, true);
  };
}
