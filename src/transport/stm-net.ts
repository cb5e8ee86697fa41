/**
 * TCP and mutual-TLS connectors for the stream STM sender (`eep+tcp`, `eep+tls`). TLS uses the project's
 * RFC 9325 profile (tls-options.ts) and verifies the collector's certificate against the CA and its name.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { StreamConnection, StreamConnector, StreamHandlers } from './stm-stream.js';
import { clientTlsOptions, type TlsMaterial } from './tls-options.js';

function wire(socket: Socket | TLSSocket, h: StreamHandlers, connectEvent: string): StreamConnection {
  let reason = 'closed by peer';
  socket.setNoDelay(true);
  socket.once(connectEvent, () => h.connected());
  socket.on('drain', () => h.drain());
  socket.on('error', (e) => (reason = e.message));
  // The consumer sends nothing back; whatever it sends is read and ignored so the window stays open.
  socket.on('data', () => undefined);
  socket.once('close', () => h.closed(reason));
  return {
    write: (b) => socket.write(b),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}

export function tcpConnector(host: string, port: number): StreamConnector {
  return { connect: (h) => wire(netConnect({ host, port }), h, 'connect') };
}

export function tlsConnector(host: string, port: number, material: TlsMaterial): StreamConnector {
  const opts = clientTlsOptions(material);
  return {
    connect: (h) => wire(tlsConnect({ ...opts, host, port, servername: sni(host) }), h, 'secureConnect'),
  };
}

/** SNI must be a host name, never an address literal (RFC 6066 §3). */
function sni(host: string): string | undefined {
  return /^[\d.]+$/.test(host) || host.includes(':') ? undefined : host;
}
