/**
 * The collector's `eep+dtls` listener: a DTLS 1.2 server (src/transport/dtls/server.ts) whose records each
 * carry one EEP message, handed on like UDP datagrams. Producers must present a certificate from the CA and,
 * when an allow-list is configured, name one of its identities. Handshake failures, authentication failures
 * and replayed records are counted apart ({@link DtlsServerCounters}); a failed handshake is also a refusal.
 */
import type { Logger } from '../lib/logger.js';
import { formatStmUri, type StmUri } from '../stm/uri.js';
import { dtlsCredentials, producerAllowList } from '../transport/dtls/credentials.js';
import { DtlsServer, type DtlsPeer, type DtlsServerCounters } from '../transport/dtls/server.js';
import type { TlsMaterial } from '../transport/tls-options.js';
import type { InputHandler, Listener, ProducerPolicy } from './listeners.js';

export interface DtlsListener extends Listener {
  readonly dtls: () => DtlsServerCounters;
}

const remoteOf = (p: DtlsPeer) => `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port}`;

export async function listenDtls(
  u: StmUri,
  h: InputHandler,
  tls: TlsMaterial,
  policy: ProducerPolicy,
  logger: Logger,
  maxPerAddress?: number,
): Promise<DtlsListener> {
  const allow = policy.allow && policy.allow.length > 0 ? policy.allow : undefined;
  const server = await DtlsServer.listen({
    host: u.host,
    port: u.port,
    creds: dtlsCredentials(tls),
    ...(maxPerAddress !== undefined && { maxPerAddress }),
    ...(allow && { check: producerAllowList(allow, policy.attribute) }),
  });
  const uri: StmUri = { ...u, port: server.port, text: formatStmUri(u.scheme, u.host, server.port) };
  server.on('connect', () => h.connected(uri));
  server.on('data', (d, peer) => h.datagram(uri, remoteOf(peer), d));
  server.on('failure', (peer, kind, reason) => {
    h.refused(
      uri,
      remoteOf(peer),
      `DTLS ${kind === 'auth' ? 'authentication' : 'handshake'} failed: ${reason}`,
    );
    logger.debug({ listener: uri.text, remote: remoteOf(peer), kind, reason }, 'DTLS handshake refused');
  });
  return { uri, dtls: () => server.counters, close: () => server.close() };
}
