/** DTLS test helpers: credentials from a test PKI identity's files. */
import { readFileSync } from 'node:fs';
import { dtlsCredentials } from '../../src/transport/dtls/credentials.js';
import type { DtlsCredentials } from '../../src/transport/dtls/session.js';
import type { TlsConfig } from '../../src/transport/tls-options.js';

/** The DTLS credentials of a test PKI identity (`pki.tls('ne-1')`). */
export function dtlsCredsOf(t: TlsConfig): DtlsCredentials {
  return dtlsCredentials({
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: readFileSync(t.caFile),
  });
}
