/**
 * The collector's sockets: UDP (one report per datagram), TCP and mutual TLS (EEP streams, de-framed by the
 * header's total length), SCTP (userland, root only). Streams are bounded: at most `maxConnections` at once
 * and `maxPerAddress` from one address (conn-guard.ts), an idle timeout, and a connection that sends only
 * garbage for too long is closed. A TCP stream is pending until its first valid report, a TLS stream until
 * its mutual TLS handshake is done: a pending stream is closed after `pendingMs` and is the one evicted when
 * the listener is full; an established stream never is.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createNetServer, isIP, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../lib/logger.js';
import { ConnGuard, type Admission, type ConnRefusal } from '../transport/conn-guard.js';
import { listenSctp } from '../transport/sctp.js';
import { formatStmUri, type StmUri } from '../stm/uri.js';
import { serverTlsOptions, type IdentityAttribute, type TlsMaterial } from '../transport/tls-options.js';
import { producerRefusal } from '../transport/consumer-identity.js';
import type { DtlsServerCounters } from '../transport/dtls/server.js';

/** Receives what the sockets deliver. */
export interface InputHandler {
  datagram(listener: StmUri, remote: string, data: Uint8Array): void;
  /** A new stream from `remote`; returns its byte sink. */
  stream(listener: StmUri, remote: string): StreamInput;
  /** A connection refused or closed before it was established; `code` when the guard did it. */
  refused(listener: StmUri, remote: string, reason: string, code?: ConnRefusal): void;
  connected(listener: StmUri): void;
  disconnected(listener: StmUri, remote: string, reason: string): void;
}

export interface StreamInput {
  /** False when the stream is hopeless (only garbage for too long): the listener closes it. */
  push(data: Uint8Array): boolean;
  end(): void;
  /** Valid reports received so far. */
  reports(): number;
}

export interface ListenerLimits {
  readonly maxConnections: number;
  /** Streams at once from one IPv4 address or IPv6 /64. */
  readonly maxPerAddress: number;
  /** A stream still pending (no valid report over TCP, TLS handshake unfinished) this long is closed. */
  readonly pendingMs: number;
  readonly idleMs: number;
  /** UDP receive buffer requested (the kernel may cap it at net.core.rmem_max). */
  readonly udpRecvBuffer: number;
}

export interface Listener {
  /** The URI with the port actually bound (port 0 resolved). */
  readonly uri: StmUri;
  /** DTLS listeners: handshake, authentication and replay counters. */
  readonly dtls?: () => DtlsServerCounters;
  close(): Promise<void>;
  /**
   * TCP and TLS only: stop accepting and close every stream with `reason` (the collector cannot store), so
   * that senders see the destination down; {@link Listener.resume} listens again on the same port.
   */
  pause?(reason: string): void;
  resume?(): Promise<void>;
}

const REFUSAL_TEXT: Record<ConnRefusal, string> = {
  per_address: 'too many connections from this address',
  total: 'too many connections',
  pending_timeout: 'no report (or no TLS handshake) in time',
  evicted: 'evicted (listener full) while pending',
};

const remoteOf = (addr: string | undefined, port: number | undefined) =>
  `${addr?.includes(':') ? `[${addr}]` : (addr ?? '?')}:${port ?? 0}`;

function bound(u: StmUri, port: number): StmUri {
  return { ...u, port, text: formatStmUri(u.scheme, u.host, port) };
}

async function listenUdp(u: StmUri, h: InputHandler, limits: ListenerLimits): Promise<Listener> {
  const sock: UdpSocket = createSocket({ type: isIP(u.host) === 6 ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(u.port, u.host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  try {
    sock.setRecvBufferSize(limits.udpRecvBuffer);
  } catch {
    // the kernel keeps its own limit
  }
  const uri = bound(u, sock.address().port);
  sock.on('message', (msg, rinfo) => h.datagram(uri, remoteOf(rinfo.address, rinfo.port), msg));
  sock.on('error', () => undefined);
  return { uri, close: () => new Promise((resolve) => sock.close(() => resolve())) };
}

/** Wires one stream socket (TCP, TLS or SCTP) to the handler. */
function serveStream(
  uri: StmUri,
  h: InputHandler,
  sock: Socket | NodeJS.ReadWriteStream,
  remote: string,
  destroy: () => void,
  admission?: Admission,
): void {
  h.connected(uri);
  const input = h.stream(uri, remote);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    input.end();
  };
  sock.on('data', (d: Uint8Array) => {
    if (ended) return;
    admission?.activity();
    const ok = input.push(d);
    if (admission && input.reports() > 0) admission.authenticated();
    if (!ok) {
      h.disconnected(uri, remote, 'only garbage received');
      end();
      destroy();
    }
  });
  sock.on('error', () => undefined);
  sock.on('end', end);
  sock.on('close', end);
}

async function listenStream(
  u: StmUri,
  h: InputHandler,
  limits: ListenerLimits,
  tls: TlsMaterial | undefined,
  logger: Logger,
  producers: ProducerPolicy,
): Promise<Listener> {
  const allow = producers.allow && producers.allow.length > 0 ? producers.allow : undefined;
  const server: Server = tls ? createTlsServer(serverTlsOptions(tls)) : createNetServer();
  const byGuard = new WeakSet<object>();
  const guard = new ConnGuard(
    { maxPerAddress: limits.maxPerAddress, maxTotal: limits.maxConnections, pendingMs: limits.pendingMs },
    (code, addr, s) => {
      byGuard.add(s);
      h.refused(uri, remoteOf(addr, s.remotePort), REFUSAL_TEXT[code], code);
    },
  );
  const admissions = new WeakMap<object, Admission>();
  const remotes = new WeakMap<object, string>();
  server.on('connection', (raw: Socket) => {
    remotes.set(raw, remoteOf(raw.remoteAddress, raw.remotePort));
    const a = guard.admit(raw);
    if (a) admissions.set(raw, a);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(u.port, u.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const uri = bound(u, typeof addr === 'object' && addr ? addr.port : u.port);
  /** Open streams and their remote addresses. */
  const open = new Map<Socket, string>();
  let paused = false;
  server.on(tls ? 'secureConnection' : 'connection', (sock: Socket) => {
    if (sock.destroyed) return; // refused by the guard
    const raw = (sock as Socket & { _parent?: object })._parent ?? sock;
    const admission = admissions.get(raw);
    const remote = remoteOf(sock.remoteAddress, sock.remotePort);
    if (tls && allow) {
      const refusal = producerRefusal((sock as TLSSocket).getPeerCertificate(), allow, producers.attribute);
      if (refusal) {
        h.refused(uri, remote, `TLS: ${refusal}`);
        return void sock.destroy();
      }
    }
    if (tls) admission?.authenticated();
    open.set(sock, remote);
    sock.once('close', () => open.delete(sock));
    sock.setTimeout(limits.idleMs, () => {
      h.disconnected(uri, remote, 'idle');
      sock.destroy();
    });
    serveStream(uri, h, sock, remote, () => sock.destroy(), tls ? undefined : admission);
  });
  server.on('tlsClientError', (e: Error, s: Socket) => {
    const raw = (s as Socket & { _parent?: object })._parent;
    if (raw && byGuard.has(raw)) return;
    h.refused(uri, (raw && remotes.get(raw)) ?? remoteOf(s.remoteAddress, s.remotePort), `TLS: ${e.message}`);
  });
  server.on('error', (e) => logger.error({ listener: uri.text, err: e.message }, 'STM listener error'));
  return {
    uri,
    close: () =>
      new Promise((resolve) => {
        for (const s of open.keys()) s.destroy();
        server.close(() => resolve());
      }),
    pause(reason) {
      if (paused) return;
      paused = true;
      server.close();
      for (const [sock, remote] of open) {
        h.disconnected(uri, remote, reason);
        sock.destroy();
      }
    },
    async resume() {
      if (!paused) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(uri.port, uri.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      paused = false;
    },
  };
}

async function listenSctpUri(u: StmUri, h: InputHandler): Promise<Listener> {
  let uri = u;
  const l = await listenSctp(u.host, u.port, (sock) => {
    const remote = remoteOf(sock.remoteAddress, sock.remotePort);
    serveStream(uri, h, sock, remote, () => sock.destroy());
  });
  uri = bound(u, l.port);
  return { uri, close: async () => l.close() };
}

/** Opens the socket(s) of one listen URI. */
/** Who may send over `eep+tls`/`eep+dtls`: identities (UID/CN per `attribute`, or DNS SAN); none = any certificate of the CA. */
export interface ProducerPolicy {
  readonly allow?: readonly string[];
  readonly attribute?: IdentityAttribute;
}

export function listen(
  u: StmUri,
  h: InputHandler,
  limits: ListenerLimits,
  tls: TlsMaterial | undefined,
  logger: Logger,
  producers: ProducerPolicy = {},
): Promise<Listener> {
  if (u.transport === 'udp') return listenUdp(u, h, limits);
  if (u.transport === 'dtls') throw new Error(`${u.text}: eep+dtls listeners are opened by dtls-listener.ts`);
  if (u.transport === 'sctp') return listenSctpUri(u, h);
  if (u.transport === 'tls' && !tls) throw new Error(`${u.text}: eep+tls needs TLS material`);
  return listenStream(u, h, limits, u.transport === 'tls' ? tls : undefined, logger, producers);
}
