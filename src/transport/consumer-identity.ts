/**
 * The STM Data Consumer's identity (TS 33.501 §5.9.4.2, §17.3): a destination URI may name the identity the
 * consumer's certificate must carry (`?identity=ID`). The certificate names ID when its Subject identity
 * attribute (UID by default, CN when so configured, as for X1) or one of its subjectAltName DNS entries is ID.
 * A certificate that does not is refused before anything is sent.
 */
import { LixError } from '../lib/errors.js';
import { identityFromSubject, type SubjectFields } from './identity.js';
import type { IdentityAttribute } from './tls-options.js';

/** The consumer's certificate does not name the identity the destination expects. */
export class ConsumerIdentityError extends LixError<'consumer-identity'> {
  constructor(
    readonly expected: string,
    readonly names: readonly string[],
  ) {
    const got = names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : 'no identity';
    super(
      'consumer-identity',
      `consumer identity mismatch: expected "${expected}", certificate names ${got}`,
    );
  }
}

/** What the check reads of a certificate (the shape of Node's `PeerCertificate`). */
export interface NamedCertificate {
  readonly subject?: SubjectFields | undefined;
  readonly subjectaltname?: string | undefined;
}

/** The subjectAltName DNS entries of a certificate (`DNS:a, IP Address:…` as Node reports them). */
export function dnsAltNames(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  return subjectaltname
    .split(', ')
    .filter((e) => e.startsWith('DNS:'))
    .map((e) => e.slice('DNS:'.length));
}

/** The names by which a certificate identifies its holder: the Subject identity, then the DNS alt names. */
export function certificateNames(cert: NamedCertificate, attribute: IdentityAttribute = 'uid'): string[] {
  const id = identityFromSubject(cert.subject, attribute);
  return [...(id === undefined ? [] : [id]), ...dnsAltNames(cert.subjectaltname)];
}

/**
 * Why a producer may not send to a collector with an allow-list (TS 33.501 §5.9.4.2: peers identified by
 * their certificates): its certificate names none of `allowed`; undefined when it names one.
 */
export function producerRefusal(
  cert: NamedCertificate,
  allowed: readonly string[],
  attribute: IdentityAttribute = 'uid',
): string | undefined {
  const names = certificateNames(cert, attribute);
  if (allowed.some((id) => names.includes(id))) return undefined;
  return `producer ${names.length > 0 ? names.join(', ') : '(no identity in its certificate)'} is not on the allow-list`;
}

/** A {@link ConsumerIdentityError} when `cert` does not name `expected`, else undefined. */
export function checkConsumerIdentity(
  cert: NamedCertificate,
  expected: string,
  attribute: IdentityAttribute = 'uid',
): ConsumerIdentityError | undefined {
  const names = certificateNames(cert, attribute);
  return names.includes(expected) ? undefined : new ConsumerIdentityError(expected, names);
}
