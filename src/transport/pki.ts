/**
 * The lab PKI: a CA and per-identity certificates for X1 peers (ETSI TS 103 221-1 asks for
 * mutually authenticated TLS; the X1 identifier travels in the Subject). Every certificate carries the
 * identity twice in its Subject, as UID (RFC 4519, OID 0.9.2342.19200300.100.1.1) and as CN, so that either
 * attribute can be configured as the identity source. Keys are EC P-256 (RFC 9325 section 4.2 suites use
 * ECDSA). Certificates serve both ends of a TLS connection (serverAuth + clientAuth): an NE and an ADMF each
 * listen and connect.
 *
 * {@link createCa}, {@link issueCertificate} and {@link createCrl} work in memory; {@link initPki} writes a
 * directory of them for a lab.
 */
import { LixError } from '../lib/errors.js';
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** Wire-level constants of the lab PKI. */
export const PKI = {
  uidOid: '0.9.2342.19200300.100.1.1',
  keyAlgorithm: { name: 'ECDSA', namedCurve: 'P-256' },
  signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  defaultDays: 365,
  /** The lab CA outlives the certificates it issues. */
  defaultCaDays: 3650,
  defaultCrlDays: 30,
  serialBytes: 16,
  /** Names every lab certificate answers to, so that a loopback lab needs no extra configuration. */
  loopbackNames: ['localhost', '127.0.0.1', '::1'],
  dayMs: 86_400_000,
  /** Back-dating of notBefore, so that a peer whose clock is slightly behind accepts a fresh certificate. */
  clockSkewMs: 300_000,
} as const;

/** An identity must be usable as a file name and an X1 identifier; anything else is refused. */
const IDENTITY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Refusal of a bad PKI request (bad identity, missing CA key, ...). */
export class PkiError extends LixError<'pki'> {
  constructor(message: string) {
    super('pki', message);
  }
}

/** Validity window of a certificate or CRL. Absent fields fall back to `now` and `days`. */
export interface Validity {
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly days?: number;
}

/** A certificate and its private key, in memory. The key never leaves except through {@link keyPem}. */
export interface Issued {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

/** A certificate authority able to issue certificates and CRLs. */
export interface CertificateAuthority extends Issued {
  readonly name: string;
}

/** What to put into a leaf certificate. */
export interface LeafRequest extends Validity {
  /** The X1 identity: UID and CN. */
  readonly identity: string;
  /** UID values: default `[identity]`; `[]` for none (CN only); two for an ambiguous Subject (tests). */
  readonly uids?: readonly string[];
  /** CN value; default `identity`. */
  readonly cn?: string;
  /** Extra subjectAltName entries (DNS names or IP addresses) besides the loopback names. */
  readonly altNames?: readonly string[];
}

/** Summary of a certificate, for printing and expiry checks. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Throws {@link PkiError} unless `id` is a usable identity. */
export function assertIdentity(id: string): void {
  if (!IDENTITY_RE.test(id))
    throw new PkiError(`identity ${JSON.stringify(id)} must match ${IDENTITY_RE.source}`);
}

function window(v: Validity, now: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = v.notBefore ?? new Date(now.getTime() - PKI.clockSkewMs);
  const notAfter = v.notAfter ?? new Date(now.getTime() + (v.days ?? PKI.defaultDays) * PKI.dayMs);
  if (notAfter <= notBefore) throw new PkiError('notAfter must be after notBefore');
  return { notBefore, notAfter };
}

function newSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(PKI.serialBytes));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and of full length
  return Buffer.from(bytes).toString('hex');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(PKI.keyAlgorithm, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function subjectName(uids: readonly string[], cn: string): x509.Name {
  const rdns: x509.JsonNameParams = uids.map((u) => ({ [PKI.uidOid]: [{ utf8String: u }] }));
  rdns.push({ CN: [cn] });
  return new x509.Name(rdns, { UID: PKI.uidOid });
}

/** Makes a self-signed CA (basicConstraints CA, keyCertSign + cRLSign). */
export async function createCa(name: string, validity: Validity = {}): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const { notBefore, notAfter } = window(validity, new Date());
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(),
    name: new x509.Name([{ CN: [name] }]),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: PKI.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { name, cert, keys };
}

function altNameEntries(extra: readonly string[]): x509.JsonGeneralNames {
  const all = [...new Set([...PKI.loopbackNames, ...extra])];
  return all.map((n) => (isIP(n) ? { type: 'ip', value: n } : { type: 'dns', value: n }));
}

/** Issues an end-entity certificate for an X1 peer (serverAuth and clientAuth). */
export async function issueCertificate(ca: CertificateAuthority, req: LeafRequest): Promise<Issued> {
  assertIdentity(req.identity);
  const keys = await newKeys();
  const { notBefore, notAfter } = window(req, new Date());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: subjectName(req.uids ?? [req.identity], req.cn ?? req.identity),
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: PKI.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension(altNameEntries(req.altNames ?? []), false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { cert, keys };
}

/** A CRL (RFC 5280 section 5) from `ca` revoking the given hexadecimal serials. */
export async function createCrl(
  ca: CertificateAuthority,
  revokedSerials: readonly string[],
  validity: { thisUpdate?: Date; nextUpdate?: Date } = {},
): Promise<string> {
  const thisUpdate = validity.thisUpdate ?? new Date(Date.now() - PKI.clockSkewMs);
  const nextUpdate = validity.nextUpdate ?? new Date(Date.now() + PKI.defaultCrlDays * PKI.dayMs);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: PKI.signingAlgorithm,
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey)],
    entries: revokedSerials.map((serialNumber) => ({ serialNumber, revocationDate: thisUpdate })),
  });
  return x509.PemConverter.encode(crl.rawData, 'X509 CRL') + '\n'; // RFC 7468 label, which OpenSSL needs
}

/** The certificate as PEM. */
export function certPem(issued: Issued): string {
  return issued.cert.toString('pem') + '\n';
}

/** The private key as PKCS#8 PEM. Callers write it with mode 0600 and never log it. */
export async function keyPem(issued: Issued): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', issued.keys.privateKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

/** Loads a CA (certificate and PKCS#8 key PEM) written earlier, to issue more certificates or CRLs. */
export async function loadCa(certText: string, keyText: string): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(certText);
  const der = x509.PemConverter.decodeFirst(keyText);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, PKI.keyAlgorithm, true, ['sign']);
  const publicKey = await cert.publicKey.export(PKI.keyAlgorithm, ['verify']);
  return { name: cert.subject, cert, keys: { privateKey, publicKey } };
}

/** Subject, issuer, serial and validity of a PEM certificate. */
export function summarize(pem: string | x509.X509Certificate): CertificateSummary {
  const c = typeof pem === 'string' ? new x509.X509Certificate(pem) : pem;
  return {
    subject: new x509.Name(c.subjectName.toArrayBuffer(), { UID: PKI.uidOid }).toString(),
    issuer: c.issuer,
    serial: c.serialNumber,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
  };
}

/** File names inside a PKI directory. */
export const PKI_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key',
  untrustedCert: 'untrusted.pem',
  untrustedKey: 'untrusted.key',
  certSuffix: '.pem',
  keySuffix: '.key',
  keyMode: 0o600,
  certMode: 0o644,
  dirMode: 0o700,
} as const;

/** Options of {@link initPki}. */
export interface InitPkiOptions extends Validity {
  readonly dir: string;
  /** The ADMF identity; `untrusted.pem` carries it too, issued by a CA nobody trusts. */
  readonly admf: string;
  readonly nes: readonly string[];
  /**
   * STM Data Consumers (collectors) for `eep+tls`/`eep+dtls`: their certificates carry the identity that a
   * destination's `?identity=` names (TS 33.501 §5.9.4.2).
   */
  readonly collectors?: readonly string[];
  /** Extra subjectAltName entries for every identity certificate. */
  readonly altNames?: readonly string[];
  /** Replace existing files (a new CA, so every certificate is issued again). */
  readonly force?: boolean;
  readonly caName?: string;
  /** Validity of a new CA in days (default 3650); `notBefore`/`notAfter`/`days` apply to the leaves. */
  readonly caDays?: number;
}

/** One certificate file (and its key) that {@link initPki} wrote or found. */
export interface PkiFileEntry {
  readonly identity: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly status: 'written' | 'kept';
  readonly summary: CertificateSummary;
}

/** What {@link initPki} wrote or kept. */
export interface InitPkiResult {
  readonly dir: string;
  readonly ca: PkiFileEntry;
  readonly identities: readonly PkiFileEntry[];
  readonly untrusted: PkiFileEntry;
}

/** Writes a file atomically (temporary file + rename) with the given mode, so watchers never see half a file. */
export function writeFileAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

async function writeIssued(certFile: string, keyFile: string, issued: Issued): Promise<void> {
  writeFileAtomic(keyFile, await keyPem(issued), PKI_FILES.keyMode);
  writeFileAtomic(certFile, certPem(issued), PKI_FILES.certMode);
}

function entry(identity: string, certFile: string, keyFile: string, status: PkiFileEntry['status']) {
  return { identity, certFile, keyFile, status, summary: summarize(readFileSync(certFile, 'utf8')) };
}

async function ensureCa(o: InitPkiOptions): Promise<{ ca: CertificateAuthority; entry: PkiFileEntry }> {
  const certFile = join(o.dir, PKI_FILES.caCert);
  const keyFile = join(o.dir, PKI_FILES.caKey);
  if (!o.force && existsSync(certFile)) {
    if (!existsSync(keyFile))
      throw new PkiError(`${certFile} exists without ${PKI_FILES.caKey}: cannot issue; use force`);
    const ca = await loadCa(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8'));
    return { ca, entry: entry(ca.name, certFile, keyFile, 'kept') };
  }
  const ca = await createCa(o.caName ?? 'lix lab CA', { days: o.caDays ?? PKI.defaultCaDays });
  await writeIssued(certFile, keyFile, ca);
  return { ca, entry: entry(ca.name, certFile, keyFile, 'written') };
}

/**
 * Makes (or completes) a lab PKI directory: `ca.pem` + `ca.key`, `<id>.pem` + `<id>.key` for the ADMF, every NE
 * and every collector, and `untrusted.pem` + `untrusted.key` (the ADMF identity issued by a throw-away CA whose
 * certificate is not written). Existing files are kept unless `force`; keys get mode 0600.
 */
export async function initPki(o: InitPkiOptions): Promise<InitPkiResult> {
  const ids = [...new Set([o.admf, ...o.nes, ...(o.collectors ?? [])])];
  ids.forEach(assertIdentity);
  mkdirSync(o.dir, { recursive: true, mode: PKI_FILES.dirMode });
  const { ca, entry: caEntry } = await ensureCa(o);
  const keepLeaves = caEntry.status === 'kept';
  const identities: PkiFileEntry[] = [];
  for (const identity of ids) {
    const certFile = join(o.dir, identity + PKI_FILES.certSuffix);
    const keyFile = join(o.dir, identity + PKI_FILES.keySuffix);
    if (keepLeaves && existsSync(certFile) && existsSync(keyFile)) {
      identities.push(entry(identity, certFile, keyFile, 'kept'));
      continue;
    }
    await writeIssued(certFile, keyFile, await issueCertificate(ca, { ...o, identity }));
    identities.push(entry(identity, certFile, keyFile, 'written'));
  }
  const uCert = join(o.dir, PKI_FILES.untrustedCert);
  const uKey = join(o.dir, PKI_FILES.untrustedKey);
  let untrusted: PkiFileEntry;
  if (!o.force && existsSync(uCert) && existsSync(uKey)) untrusted = entry(o.admf, uCert, uKey, 'kept');
  else {
    const rogue = await createCa('lix untrusted CA', { days: o.caDays ?? PKI.defaultCaDays });
    await writeIssued(uCert, uKey, await issueCertificate(rogue, { ...o, identity: o.admf }));
    untrusted = entry(o.admf, uCert, uKey, 'written');
  }
  return { dir: o.dir, ca: caEntry, identities, untrusted };
}
