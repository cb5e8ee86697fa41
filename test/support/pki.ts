/**
 * A throw-away PKI for the tests, minted once per process into a temporary directory (removed at exit) with
 * src/transport/pki.ts. Besides the lab set (CA, ADMF, NEs, untrusted) it holds certificates that tests
 * must see refused or treated specially: expired, not yet valid, revoked (with a CRL), CN only, two UIDs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certPem,
  createCrl,
  initPki,
  issueCertificate,
  keyPem,
  loadCa,
  PKI_FILES,
  writeFileAtomic,
  type CertificateAuthority,
  type LeafRequest,
} from '../../src/transport/pki.js';
import type { IdentityAttribute, TlsConfig } from '../../src/transport/tls-options.js';
import { readFileSync } from 'node:fs';

export const TEST_ADMF = 'admf-1';
export const TEST_NES = ['ne-1', 'ne-2'] as const;
const DAY_MS = 86_400_000;

/** A certificate and key pair on disk. */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Hexadecimal serial number. */
  readonly serial: string;
}

/** Names of the special certificates in {@link TestPki.special}. */
export type SpecialCert = 'expired' | 'notYetValid' | 'revoked' | 'cnOnly' | 'twoUids';

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  /** A CRL from the lab CA that revokes `special.revoked`. */
  readonly crlFile: string;
  readonly admf: string;
  readonly nes: readonly string[];
  /** Certificates of the lab identities and `untrusted` (the ADMF identity from another CA). */
  readonly identities: Readonly<Record<string, CertFiles>>;
  readonly special: Readonly<Record<SpecialCert, CertFiles>>;
  readonly ca: CertificateAuthority;
  /** TlsConfig using the certificate of `name` (a lab identity, `untrusted`, or a special one). */
  tls(name: string, extra?: { crl?: boolean; identityAttribute?: IdentityAttribute }): TlsConfig;
  /** Issues another certificate from the lab CA into `<dir>/<file>.pem|.key`. */
  issue(file: string, req: LeafRequest): Promise<CertFiles>;
}

let cached: Promise<TestPki> | undefined;

/** The per-process test PKI (minted on first use). */
export function getTestPki(): Promise<TestPki> {
  cached ??= mint();
  return cached;
}

async function mint(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'lix-pki-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const init = await initPki({ dir, admf: TEST_ADMF, nes: TEST_NES });
  const ca = await loadCa(readFileSync(init.ca.certFile, 'utf8'), readFileSync(init.ca.keyFile, 'utf8'));
  const identities: Record<string, CertFiles> = {};
  for (const e of init.identities)
    identities[e.identity] = { certFile: e.certFile, keyFile: e.keyFile, serial: e.summary.serial };
  identities.untrusted = {
    certFile: init.untrusted.certFile,
    keyFile: init.untrusted.keyFile,
    serial: init.untrusted.summary.serial,
  };

  /** Everything issued, by file name (tls() finds these too). */
  const issuedByName: Record<string, CertFiles> = {};
  const issue = async (file: string, req: LeafRequest): Promise<CertFiles> => {
    const issued = await issueCertificate(ca, req);
    const certFile = join(dir, `${file}.pem`);
    const keyFile = join(dir, `${file}.key`);
    writeFileAtomic(keyFile, await keyPem(issued), PKI_FILES.keyMode);
    writeFileAtomic(certFile, certPem(issued), PKI_FILES.certMode);
    return (issuedByName[file] = { certFile, keyFile, serial: issued.cert.serialNumber });
  };
  const now = Date.now();
  const special: Record<SpecialCert, CertFiles> = {
    expired: await issue('expired', {
      identity: TEST_ADMF,
      notBefore: new Date(now - 10 * DAY_MS),
      notAfter: new Date(now - DAY_MS),
    }),
    notYetValid: await issue('not-yet-valid', {
      identity: TEST_ADMF,
      notBefore: new Date(now + DAY_MS),
      notAfter: new Date(now + 10 * DAY_MS),
    }),
    revoked: await issue('revoked', { identity: TEST_ADMF }),
    cnOnly: await issue('cn-only', { identity: 'admf-cn', uids: [] }),
    twoUids: await issue('two-uids', { identity: TEST_ADMF, uids: [TEST_ADMF, 'admf-2'] }),
  };
  const crlFile = join(dir, 'crl.pem');
  writeFileAtomic(crlFile, await createCrl(ca, [special.revoked.serial]), PKI_FILES.certMode);

  const all: Record<string, CertFiles> = { ...identities, ...special };
  return {
    dir,
    caFile: init.ca.certFile,
    crlFile,
    admf: TEST_ADMF,
    nes: TEST_NES,
    identities,
    special,
    ca,
    issue,
    tls(name, extra = {}) {
      const files = all[name] ?? issuedByName[name];
      if (!files) throw new Error(`test PKI has no certificate ${name}`);
      return {
        certFile: files.certFile,
        keyFile: files.keyFile,
        caFile: init.ca.certFile,
        ...(extra.crl && { crlFile }),
        ...(extra.identityAttribute && { identityAttribute: extra.identityAttribute }),
      };
    },
  };
}
