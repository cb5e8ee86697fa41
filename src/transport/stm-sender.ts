/**
 * STM report senders (DESIGN.md "STM reports"): {@link createStmSender} turns a destination URI into a sender
 * of the right encoding and transport. Types live in stm-report.ts and are re-exported here.
 */
import { systemClock } from '../lib/clock.js';
import { EEP_HEADER_BYTES, EEP_MAX_MESSAGE_BYTES } from '../stm/eep.js';
import { eepEncoder, grePcapngEncoder, type ReportEncoder } from './stm-encode.js';
import { tcpConnector, tlsConnector } from './stm-net.js';
import { STM_DEFAULTS, UDP_MAX_PAYLOAD, type StmSender, type StmSenderOptions } from './stm-report.js';
import { StreamStmSender, type StreamConnector } from './stm-stream.js';
import { UdpStmSender } from './stm-udp.js';
import { parseStmUri, StmUriError, type StmUri } from './stm-uri.js';
import { sctpConnector } from './sctp.js';
import { loadTlsMaterial } from './tls-options.js';

export * from './stm-report.js';
export { parseStmUri, StmUriError, STM_SCHEMES, type StmUri, type StmScheme } from './stm-uri.js';
export { StmTooLargeError } from './stm-encode.js';

function encoderFor(u: StmUri, opts: StmSenderOptions): ReportEncoder {
  const v6 = u.host.includes(':');
  const udpMax = v6 ? UDP_MAX_PAYLOAD.ipv6 : UDP_MAX_PAYLOAD.ipv4;
  if (u.encoding === 'gre-pcapng') return grePcapngEncoder(udpMax);
  const max = u.transport === 'udp' ? udpMax : EEP_MAX_MESSAGE_BYTES;
  const id = opts.eep?.protocolId ?? u.protocolId;
  return eepEncoder(
    id,
    opts.eep?.captureAgentId ?? STM_DEFAULTS.captureAgentId,
    Math.max(max, EEP_HEADER_BYTES),
  );
}

function connectorFor(u: StmUri, opts: StmSenderOptions): StreamConnector {
  if (u.transport === 'tcp') return tcpConnector(u.host, u.port);
  if (u.transport === 'sctp') return sctpConnector(u.host, u.port);
  if (!opts.tls) throw new StmUriError(u.text, 'eep+tls needs TLS material (certificate, key, CA)');
  return tlsConnector(u.host, u.port, loadTlsMaterial(opts.tls));
}

/**
 * A sender for a destination URI: `eep+udp`, `eep+tcp`, `eep+tls` (mutual TLS, `opts.tls` required),
 * `eep+sctp` (userland SCTP, root only: throws SctpUnavailableError where raw sockets are refused) or
 * `gre-pcapng+udp`. `?id=EEP1` (URI) or `opts.eep.protocolId` picks the EEP protocol ID. Throws
 * {@link StmUriError} for a URI it cannot use.
 */
export function createStmSender(uri: string, opts: StmSenderOptions): StmSender {
  const u = parseStmUri(uri);
  if (u.port === 0) throw new StmUriError(uri, 'port 0 is not a destination');
  const encoder = encoderFor(u, opts);
  if (u.transport === 'udp') return new UdpStmSender(u, encoder, opts.logger);
  return new StreamStmSender(uri, connectorFor(u, opts), encoder, {
    logger: opts.logger,
    clock: opts.clock ?? systemClock,
    ...(opts.queueLimit !== undefined && { queueLimit: opts.queueLimit }),
    ...(opts.backoff !== undefined && { backoff: opts.backoff }),
  });
}
