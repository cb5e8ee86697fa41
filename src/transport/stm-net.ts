/**
 * TCP and mutual-TLS connectors for the stream STM sender (`eep+tcp`, `eep+tls`). TLS uses the project's
 * RFC 9325 profile (tls-options.ts) and verifies the collector's certificate against the CA and its name.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { SubjectFields } from './identity.js';
import {
  CLOSED_BY_PEER,
  type StreamConnection,
  type StreamConnector,
  type StreamHandlers,
} from './stm-stream.js';
import { clientTlsOptions, type IdentityAttribute, type TlsMaterial } from './tls-options.js';
import { checkConsumerIdentity, ConsumerIdentityError } from './consumer-identity.js';

/**
 * With TLS 1.3 the client finishes its handshake before the server has checked the client certificate, and
 * our profile has no session tickets, so nothing tells the client it was accepted. A refusal arrives as an
 * alert within a round trip: the connection counts as up only after this settling time, reports wait in the
 * queue meanwhile, and so none is lost to a refused certificate.
 */
export const TLS_SETTLE_MS = 250;

function wire(
  socket: Socket | TLSSocket,
  h: StreamHandlers,
  connectEvent: string,
  settleMs = 0,
): StreamConnection {
  let reason = CLOSED_BY_PEER;
  let refused = false;
  let closed = false;
  socket.setNoDelay(true);
  socket.once(connectEvent, () => {
    if (settleMs === 0) return h.connected();
    setTimeout(() => closed || h.connected(), settleMs).unref();
  });
  socket.once('close', () => (closed = true));
  socket.on('drain', () => h.drain());
  socket.on('error', (e) => {
    reason = e.message;
    refused ||= e instanceof ConsumerIdentityError;
  });
  // The consumer sends nothing back; whatever it sends is read and ignored so the window stays open.
  socket.on('data', () => undefined);
  socket.once('close', () => h.closed(reason, refused));
  // Reports written in one turn of the event loop leave in one writev: a syscall per report was the largest
  // single cost of the probe's delivery (bench probe.e2e).
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return {
    write: (b) => {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      return socket.write(b);
    },
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}

export function tcpConnector(host: string, port: number): StreamConnector {
  return { connect: (h) => wire(netConnect({ host, port }), h, 'connect') };
}

/** The consumer identity a TLS destination expects (`?identity=`) and the Subject attribute that carries it. */
export interface ExpectedIdentity {
  readonly identity: string;
  readonly attribute?: IdentityAttribute;
}

/**
 * Mutual TLS to `host:port`. With `expected`, the consumer's certificate must name that identity
 * (consumer-identity.ts) instead of the host name; otherwise the handshake fails before anything is sent and
 * the sender raises a destination fault.
 */
export function tlsConnector(
  host: string,
  port: number,
  material: TlsMaterial,
  expected?: ExpectedIdentity,
): StreamConnector {
  const opts = {
    ...clientTlsOptions(material),
    ...(expected && {
      checkServerIdentity: (_host: string, cert: PeerCertificate) =>
        checkConsumerIdentity(
          { subject: cert.subject as SubjectFields, subjectaltname: cert.subjectaltname },
          expected.identity,
          expected.attribute,
        ),
    }),
  };
  return {
    connect: (h) =>
      wire(tlsConnect({ ...opts, host, port, servername: sni(host) }), h, 'secureConnect', TLS_SETTLE_MS),
  };
}

/** SNI must be a host name, never an address literal (RFC 6066 §3). */
function sni(host: string): string | undefined {
  return /^[\d.]+$/.test(host) || host.includes(':') ? undefined : host;
}
