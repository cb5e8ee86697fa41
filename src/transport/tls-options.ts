/**
 * The TLS profile of X1 (ETSI TS 103 221-1: HTTPS with mutual authentication), following the
 * recommendations of RFC 9325 (BCP 195). Node's defaults are not enough: they allow CBC suites, client
 * renegotiation and session tickets and check no CRL, so every option is set here explicitly.
 *
 * Files are read through {@link loadTlsMaterial} and turned into options for `node:https` servers and
 * agents; {@link TlsFileWatcher} notices replaced files so that a server or client can reload them without
 * a restart.
 */
import { LixError } from '../lib/errors.js';
import { constants } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** Which Subject attribute of a peer certificate carries the X1 identity. */
export type IdentityAttribute = 'uid' | 'cn';

/** Where the TLS material of one X1 endpoint lives. */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA certificate(s) that issue peer certificates (PEM, one file, may hold several). */
  readonly caFile: string;
  /** CRL file(s) (PEM); when given, every peer certificate must be covered by a current CRL. */
  readonly crlFile?: string | readonly string[];
  /** Default `uid`. */
  readonly identityAttribute?: IdentityAttribute;
}

/** The profile itself (RFC 9325 sections 3.1, 3.4, 3.5, 4.1, 4.2, 4.2.1). */
export const TLS_PROFILE = {
  /** RFC 9325 section 3.1.1: TLS 1.2 is the floor, TLS 1.3 is preferred (OpenSSL picks the highest). */
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  /** RFC 8446 section 9.1 mandatory and RFC 9325 recommended TLS 1.3 suites (all AEAD). */
  tls13Suites: ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
  /** RFC 9325 section 4.2: forward secrecy (ECDHE) and AEAD only for TLS 1.2. */
  tls12Suites: [
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ],
  /** RFC 9325 section 4.2.1 and RFC 8422: X25519 first, then the NIST curves. */
  ecdhCurve: 'X25519:P-256:P-384',
  /**
   * No renegotiation at all (RFC 9325 section 3.5 allows only the secure kind; X1 needs none), no session
   * tickets (RFC 9325 section 3.4: tickets weaken forward secrecy), no compression (section 3.3), the
   * server's suite order.
   */
  secureOptions:
    constants.SSL_OP_NO_RENEGOTIATION |
    constants.SSL_OP_NO_TICKET |
    constants.SSL_OP_NO_COMPRESSION |
    constants.SSL_OP_CIPHER_SERVER_PREFERENCE,
  /** Polling period of {@link TlsFileWatcher} (stat-based: survives editors and atomic renames). */
  watchIntervalMs: 2_000,
} as const;

/** The cipher string for OpenSSL: TLS 1.3 names are passed in the same string (Node splits them). */
export const TLS_CIPHERS = [...TLS_PROFILE.tls13Suites, ...TLS_PROFILE.tls12Suites].join(':');

/** The TLS files could not be read or do not form a usable context (key mismatch, bad PEM, ...). */
export class TlsConfigError extends LixError<'tls-config'> {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('tls-config', message, options);
  }
}

/** The file contents of a {@link TlsConfig}. Holds a private key: never log it. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
  readonly crl?: readonly Buffer[];
}

function crlFiles(cfg: TlsConfig): readonly string[] {
  if (cfg.crlFile === undefined) return [];
  return typeof cfg.crlFile === 'string' ? [cfg.crlFile] : cfg.crlFile;
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new TlsConfigError(`cannot read ${what} ${file}: ${reason}`);
  }
}

/**
 * Reads the files of `cfg` and checks that they form a valid secure context (key matches certificate,
 * PEM parses). Throws {@link TlsConfigError} otherwise; the message names files, never key bytes.
 */
export function loadTlsMaterial(cfg: TlsConfig): TlsMaterial {
  const crls = crlFiles(cfg).map((f) => read(f, 'CRL'));
  const material: TlsMaterial = {
    cert: read(cfg.certFile, 'certificate'),
    key: read(cfg.keyFile, 'private key'),
    ca: read(cfg.caFile, 'CA certificate'),
    ...(crls.length > 0 && { crl: crls }),
  };
  try {
    createSecureContext(secureContextOptions(material));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new TlsConfigError(
      `unusable TLS material (${cfg.certFile}, ${cfg.keyFile}, ${cfg.caFile}): ${reason}`,
    );
  }
  return material;
}

/** Secure-context options (material + profile), shared by servers, agents and `setSecureContext`. */
export function secureContextOptions(m: TlsMaterial): SecureContextOptions {
  return {
    cert: m.cert,
    key: m.key,
    ca: m.ca,
    ...(m.crl && { crl: [...m.crl] }),
    ...profileOptions(),
  };
}

/**
 * The profile alone (versions, suites, curves, no renegotiation, no tickets), for TLS that is not X1's
 * mutual TLS: the ADMF's REST API (a server certificate only) and its client (a CA only).
 */
export function profileOptions(): SecureContextOptions {
  return {
    minVersion: TLS_PROFILE.minVersion,
    maxVersion: TLS_PROFILE.maxVersion,
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
    ecdhCurve: TLS_PROFILE.ecdhCurve,
    secureOptions: TLS_PROFILE.secureOptions,
  };
}

/** Options for an X1 server: the profile plus a required, verified client certificate. */
export function serverTlsOptions(m: TlsMaterial): SecureContextOptions & {
  requestCert: true;
  rejectUnauthorized: true;
} {
  return { ...secureContextOptions(m), requestCert: true, rejectUnauthorized: true };
}

/** Options for an X1 client: the profile plus server verification against the CA. */
export function clientTlsOptions(m: TlsMaterial): SecureContextOptions & { rejectUnauthorized: true } {
  return { ...secureContextOptions(m), rejectUnauthorized: true };
}

/** Every file a {@link TlsConfig} names. */
export function tlsFiles(cfg: TlsConfig): readonly string[] {
  return [cfg.certFile, cfg.keyFile, cfg.caFile, ...crlFiles(cfg)];
}

type StatListener = (curr: Stats, prev: Stats) => void;

/**
 * One `fs.watchFile` poller per file for the whole process, fanned out to every watcher of that file (a
 * process with many X1 clients on the same TLS files would otherwise stack listeners on one StatWatcher).
 */
const pollers = new Map<string, Set<StatListener>>();

function watch(file: string, intervalMs: number, fn: StatListener): void {
  let set = pollers.get(file);
  if (!set) {
    const listeners = new Set<StatListener>();
    set = listeners;
    pollers.set(file, listeners);
    watchFile(file, { interval: intervalMs, persistent: false }, (curr, prev) => {
      for (const l of listeners) l(curr, prev);
    });
  }
  set.add(fn);
}

function unwatch(file: string, fn: StatListener): void {
  const set = pollers.get(file);
  if (!set?.delete(fn) || set.size > 0) return;
  pollers.delete(file);
  unwatchFile(file);
}

/**
 * Calls `onChange` (once per burst of changes) when any file of `cfg` changes. Polls with `fs.watchFile`
 * because certificate tooling replaces files by rename, which `fs.watch` loses track of.
 */
export class TlsFileWatcher {
  readonly #files: readonly string[];
  readonly #listener: StatListener;

  constructor(cfg: TlsConfig, onChange: () => void, intervalMs: number = TLS_PROFILE.watchIntervalMs) {
    this.#files = tlsFiles(cfg);
    let pending = false;
    this.#listener = (curr, prev) => {
      if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
      if (pending) return;
      pending = true;
      // Let the other files of the same update land (cert and key are usually replaced together).
      setTimeout(() => {
        pending = false;
        onChange();
      }, intervalMs).unref();
    };
    for (const f of this.#files) watch(f, intervalMs, this.#listener);
  }

  close(): void {
    for (const f of this.#files) unwatch(f, this.#listener);
  }
}
