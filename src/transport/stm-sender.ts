/**
 * STM report senders (DESIGN.md "STM reports"): {@link createStmSender} turns a destination URI into a sender
 * of the right encoding and transport. Its types live in stm-sender-base.ts and are re-exported here; the report and its encodings are pure code under src/stm.
 */
import { systemClock } from '../lib/clock.js';
import { EEP_HEADER_BYTES, EEP_MAX_MESSAGE_BYTES } from '../stm/eep.js';
import { eepEncoder, grePcapngEncoder, type ReportEncoder } from '../stm/report-encode.js';
import { tcpConnector, tlsConnector } from './stm-net.js';
import { UDP_MAX_PAYLOAD } from '../stm/report.js';
import {
  STM_DEFAULTS,
  type StmSender,
  type StmSenderFactory,
  type StmSenderOptions,
  type StmSenderSettings,
} from './stm-sender-base.js';
import { StreamStmSender, type StreamConnector } from './stm-stream.js';
import { UdpStmSender } from './stm-udp.js';
import { parseStmUri, StmUriError, type StmUri } from '../stm/uri.js';
import { loadSctp, sctpConnector } from './sctp.js';
import { loadTlsMaterial } from './tls-options.js';
import { dtlsConnector, dtlsMaxMessage } from './stm-dtls.js';

export * from './stm-sender-base.js';

function encoderFor(u: StmUri, opts: StmSenderOptions): ReportEncoder {
  const v6 = u.host.includes(':');
  const udpMax = v6 ? UDP_MAX_PAYLOAD.ipv6 : UDP_MAX_PAYLOAD.ipv4;
  if (u.encoding === 'gre-pcapng')
    return grePcapngEncoder(u.transport === 'dtls' ? dtlsMaxMessage(udpMax) : udpMax);
  const max =
    u.transport === 'udp' ? udpMax : u.transport === 'dtls' ? dtlsMaxMessage(udpMax) : EEP_MAX_MESSAGE_BYTES;
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
  if (!opts.tls) throw new StmUriError(u.text, `${u.scheme} needs TLS material (certificate, key, CA)`);
  const attribute = opts.tls.identityAttribute;
  const expected =
    u.identity === undefined ? undefined : { identity: u.identity, ...(attribute && { attribute }) };
  const material = loadTlsMaterial(opts.tls);
  if (u.transport === 'dtls') return dtlsConnector(u, material, expected);
  return tlsConnector(u.host, u.port, material, expected);
}

/**
 * A sender for a destination URI: `eep+udp`, `eep+tcp`, `eep+tls` (mutual TLS, `opts.tls` required),
 * `eep+dtls` and `gre-pcapng+dtls` (DTLS 1.2 packed to the path MTU `?mtu=`, `opts.tls` required),
 * `?identity=ID` on `eep+tls`: the consumer's certificate
 * must name ID, else a destination fault with nothing sent), `eep+sctp` (userland SCTP, root only: throws SctpUnavailableError where raw sockets are refused) or
 * `gre-pcapng+udp`. `?id=EEP1` (URI) or `opts.eep.protocolId` picks the EEP protocol ID. Throws
 * {@link StmUriError} for a URI it cannot use.
 */
export function createStmSender(uri: string, opts: StmSenderOptions): StmSender {
  const u = parseStmUri(uri);
  if (u.port === 0) throw new StmUriError(uri, 'port 0 is not a destination');
  const encoder = encoderFor(u, opts);
  if (u.transport === 'udp') return new UdpStmSender(u, encoder, opts.logger);
  // eep+dtls and gre-pcapng+dtls: a DTLS association driven like a stream (stm-dtls.ts).
  return new StreamStmSender(uri, connectorFor(u, opts), encoder, {
    logger: opts.logger,
    clock: opts.clock ?? systemClock,
    ...(opts.queueLimit !== undefined && { queueLimit: opts.queueLimit }),
    ...(opts.backoff !== undefined && { backoff: opts.backoff }),
  });
}

/** The real senders, with the process's settings (TLS material for `eep+tls`, queue limit, back-off). */
export function stmSenders(settings: StmSenderSettings = {}): StmSenderFactory {
  return {
    settings,
    create: (uri, deps) => createStmSender(uri, { ...settings, ...deps }),
    unusable(uri) {
      if (uri.startsWith('eep+tls:') && !settings.tls) return 'eep+tls needs the NE to run with TLS material';
      if (/^(eep|gre-pcapng)\+dtls:/.test(uri) && !settings.tls)
        return 'DTLS destinations need the NE to run with TLS material';
      if (uri.startsWith('eep+sctp:')) {
        try {
          loadSctp();
        } catch (err) {
          return `SCTP is not available on this NE: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
      return undefined;
    },
  };
}
