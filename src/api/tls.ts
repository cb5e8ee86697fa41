/**
 * TLS for the ADMF's REST API: a server certificate only (operators authenticate with the bearer token, no
 * client certificate is asked for), with X1's profile (TLS 1.2+, AEAD and ECDHE only, no renegotiation, no
 * tickets: src/transport/tls-options.ts). Also tells a loopback address from one reachable beyond the host.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { profileOptions, TlsConfigError } from '../transport/tls-options.js';

/** The REST API's certificate and private key. */
export interface ApiTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The configuration keys that give the REST API TLS (docs/admf.md). */
export interface ApiTlsConfig {
  readonly id: string;
  /** `<dir>/<id>.pem` and `<dir>/<id>.key`, as `lix pki init` writes them. */
  readonly apiTlsDir?: string | undefined;
  readonly apiCertFile?: string | undefined;
  readonly apiKeyFile?: string | undefined;
}

/** The REST API's TLS files, or undefined when it serves plain HTTP. */
export function apiTlsFiles(c: ApiTlsConfig): ApiTlsFiles | undefined {
  if (c.apiCertFile !== undefined && c.apiKeyFile !== undefined)
    return { certFile: c.apiCertFile, keyFile: c.apiKeyFile };
  if (c.apiTlsDir === undefined) return undefined;
  return { certFile: join(c.apiTlsDir, `${c.id}.pem`), keyFile: join(c.apiTlsDir, `${c.id}.key`) };
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TlsConfigError(`REST API ${what} ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Server options for the REST API from its files: the certificate (with its chain, if the file holds one),
 * the key and the profile; no client certificate. Throws {@link TlsConfigError} naming the files (never key
 * bytes) when they cannot be read or do not match.
 */
export function apiTlsOptions(f: ApiTlsFiles): SecureContextOptions & { requestCert: false } {
  const options = {
    cert: read(f.certFile, 'certificate'),
    key: read(f.keyFile, 'private key'),
    ...profileOptions(),
    requestCert: false as const,
  };
  try {
    createSecureContext(options);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new TlsConfigError(`unusable REST API TLS files (${f.certFile}, ${f.keyFile}): ${reason}`);
  }
  return options;
}

/** Whether `host` is reachable from this host only: `localhost`, 127.0.0.0/8, `::1` (or `::ffff:127.x`). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^(0+:){7}0*1$/.test(h);
  return false;
}
