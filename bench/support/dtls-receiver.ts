/**
 * A DTLS server in its own process for `stm.dtls` (so that decrypting does not compete with the sender being
 * measured): started with the TLS files in LIX_DTLS_TLS (JSON), it sends its port over IPC and runs until
 * disconnected.
 */
import { readFileSync } from 'node:fs';
import { dtlsCredentials } from '../../src/transport/dtls/credentials.js';
import { DtlsServer } from '../../src/transport/dtls/server.js';
import type { TlsConfig } from '../../src/transport/tls-options.js';

const t = JSON.parse(process.env.LIX_DTLS_TLS ?? '{}') as TlsConfig;
const server = await DtlsServer.listen({
  host: '127.0.0.1',
  port: 0,
  creds: dtlsCredentials({
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: readFileSync(t.caFile),
  }),
});
process.send?.({ port: server.port });
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
