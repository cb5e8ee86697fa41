/**
 * The X1 HTTPS server (ETSI TS 103 221-1 transport: HTTPS, mutual TLS): HTTP/1.1 over mutually authenticated TLS,
 * persistent connections, `POST` to one path. It moves bytes only: the X1 layer gets the body and the
 * verified peer identity and returns the body to send. HTTP status codes are used for HTTP-level faults
 * only (404, 405, 413, 415); X1 errors travel as 200 with an X1 error response.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { X1_CONNECTION_DEFAULTS } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { certificateExpiry, peerIdentity, type CertificateExpiry } from './identity.js';
import { zeroRefusals, type ConnRefusalCounts } from './conn-guard.js';
import { limitX1Connections, type X1ConnLimits } from './x1-conn-limits.js';
import {
  loadTlsMaterial,
  serverTlsOptions,
  TlsFileWatcher,
  type TlsConfig,
  type TlsMaterial,
} from './tls-options.js';

/** What the X1 layer receives. */
export interface X1ServerRequest {
  readonly body: Buffer;
  /** The verified peer's identity (UID or CN of its certificate); undefined without one (or in plain HTTP). */
  readonly peerIdentity: string | undefined;
  readonly remoteAddress: string;
  readonly contentType: string | undefined;
}

/**
 * What the X1 layer answers: sent as 200 with a Content-Length, or in chunks as the pieces come (a bulk
 * answer), each written when the previous one has gone to the peer.
 */
export interface X1ServerResponse {
  readonly body: Buffer | string | AsyncIterable<string | Uint8Array>;
  /** Default `application/xml; charset=utf-8`. */
  readonly contentType?: string;
}

export type X1Handler = (req: X1ServerRequest) => Promise<X1ServerResponse>;

/** Server-side limits against slow or idle peers. */
export interface X1ServerTimeouts {
  /** Whole TLS handshake: a connection that has not authenticated by then is closed. */
  readonly handshakeMs: number;
  /** From connection or previous response until the request headers are complete. */
  readonly headersMs: number;
  /** Until the whole request (headers and body) is received. */
  readonly requestMs: number;
  /** Idle time of a persistent connection between requests. */
  readonly keepAliveMs: number;
  /** How often Node checks the header and request timeouts. */
  readonly checkIntervalMs: number;
  /** How long {@link X1Server.close} lets requests in progress finish before cutting connections. */
  readonly closeGraceMs: number;
}

/** Defaults of the server; every one is configurable. */
export const X1_SERVER_DEFAULTS = {
  path: '/X1/NE',
  maxBodyBytes: 1 << 20,
  maxConnections: X1_CONNECTION_DEFAULTS.maxConnections,
  /** Connections at once from one IPv4 address or IPv6 /64 (conn-guard.ts). */
  maxConnectionsPerAddress: X1_CONNECTION_DEFAULTS.maxConnectionsPerAddress,
  /** Warnings a remote address can cause per minute before they are summarised (log-limiter.ts). */
  warningsPerMinute: 10,
  contentType: 'application/xml; charset=utf-8',
  /** The fault answers carry a short text body. */
  faultContentType: 'text/plain; charset=utf-8',
  acceptedMediaTypes: ['application/xml', 'text/xml'],
  timeouts: {
    handshakeMs: 5_000,
    headersMs: 10_000,
    requestMs: 30_000,
    keepAliveMs: 60_000,
    checkIntervalMs: 1_000,
    closeGraceMs: 5_000,
  } satisfies X1ServerTimeouts,
} as const;

/** HTTP statuses this server sends (RFC 9110 section 15). */
export const HTTP_STATUS = {
  ok: 200,
  notFound: 404,
  methodNotAllowed: 405,
  contentTooLarge: 413,
  unsupportedMediaType: 415,
  internalError: 500,
} as const;

export interface X1ServerOptions {
  /** Required unless `insecurePlainHttp`. */
  readonly tls?: TlsConfig;
  readonly listen: { readonly host: string; readonly port: number };
  readonly path?: string;
  readonly maxBodyBytes?: number;
  /** In all; at the cap, the oldest connection still in its TLS handshake is closed to admit a new one. */
  readonly maxConnections?: number;
  readonly maxConnectionsPerAddress?: number;
  readonly warningsPerMinute?: number;
  readonly handler: X1Handler;
  readonly logger: Logger;
  /** Plain HTTP, no authentication: for tests only, logged loudly. */
  readonly insecurePlainHttp?: boolean;
  readonly timeouts?: Partial<X1ServerTimeouts>;
  /** Reload the TLS files when they change (polling interval in ms, or `true` for the default). */
  readonly watchTlsFiles?: boolean | number;
}

/** Counters of the server, for status and tests. */
export interface X1ServerStats {
  connections: number;
  tlsRejections: number;
  requests: number;
  httpFaults: number;
  /** Request body bytes read (a refused body is read no further than the limit). */
  bodyBytes: number;
  /** Connections refused or closed before authenticating, by reason (`pending_timeout`: TLS handshake). */
  connectionsRefused: ConnRefusalCounts;
  /** Warnings not logged by the per-address rate limit. */
  warningsSuppressed: number;
}

export interface X1Server {
  address(): AddressInfo;
  /** Re-reads the TLS files and serves them to new connections; throws TlsConfigError and keeps the old ones. */
  reload(): void;
  /** Our certificate's validity (undefined in plain HTTP). */
  ownCertificate(): CertificateExpiry | undefined;
  stats(): Readonly<X1ServerStats>;
  /** Stops listening, closes idle persistent connections, lets requests in progress finish (grace period). */
  close(): Promise<void>;
}

/**
 * True for `application/xml` or `text/xml`, optionally with `charset=utf-8` (any case, quoted or not).
 * Any other charset is refused: X1 is UTF-8 (X1 errors travel inside a 200).
 */
export function isAcceptedMediaType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type = '', ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (!(X1_SERVER_DEFAULTS.acceptedMediaTypes as readonly string[]).includes(type)) return false;
  return params.every((p) => {
    if (p === '') return true;
    const [name, value = ''] = p.split('=', 2).map((s) => s.trim());
    return name !== 'charset' || value.replace(/^"(.*)"$/, '$1') === 'utf-8';
  });
}

/** Why a request is refused before its body is read, or undefined when it may proceed. */
function precheck(
  req: IncomingMessage,
  path: string,
  maxBody: number,
): { status: number; extra?: object } | undefined {
  const pathname = (req.url ?? '').split('?', 1)[0];
  if (pathname !== path) return { status: HTTP_STATUS.notFound };
  if (req.method !== 'POST') return { status: HTTP_STATUS.methodNotAllowed, extra: { Allow: 'POST' } };
  if (!isAcceptedMediaType(req.headers['content-type'])) return { status: HTTP_STATUS.unsupportedMediaType };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBody) return { status: HTTP_STATUS.contentTooLarge };
  return undefined;
}

/** Answers an HTTP-level fault and closes the connection, so no unread body is ever drained. */
function sendFault(res: ServerResponse, status: number, extra: object = {}): void {
  const body = Buffer.from(`${status} ${http.STATUS_CODES[status] ?? ''}\n`);
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    ...extra,
    'Content-Type': X1_SERVER_DEFAULTS.faultContentType,
    'Content-Length': body.length,
    Connection: 'close',
  });
  res.end(body);
}

/** Bytes of an answer in pieces that may wait in the socket before the producer waits for the peer. */
const PIECES_IN_FLIGHT_BYTES = 1 << 20;

/** Resolves when the response can take more (drain) or is gone (close). */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes an answer that comes in pieces with chunked transfer coding: one piece in flight at a time, so that
 * a slow reader holds the producer back instead of filling memory. A peer that goes away stops the producer
 * (its iterator is returned, releasing what it reads from).
 */
async function sendPieces(
  res: ServerResponse,
  contentType: string,
  pieces: AsyncIterable<string | Uint8Array>,
): Promise<void> {
  res.writeHead(HTTP_STATUS.ok, { 'Content-Type': contentType });
  for await (const piece of pieces) {
    if (res.destroyed) break;
    if (piece.length === 0) continue;
    res.write(typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
    if (res.writableLength > PIECES_IN_FLIGHT_BYTES) await writable(res);
  }
  if (!res.destroyed) res.end();
}

/** Reads the body up to `max` bytes; resolves undefined (and stops reading) when it is larger. */
function readBody(req: IncomingMessage, max: number, stats: X1ServerStats): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      stats.bodyBytes += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

interface Resolved {
  readonly path: string;
  readonly maxBody: number;
  readonly identityOf: (socket: Socket) => string | undefined;
}

function createRequestListener(o: X1ServerOptions, r: Resolved, stats: X1ServerStats) {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    const refused = precheck(req, r.path, r.maxBody);
    if (refused) {
      stats.httpFaults++;
      return sendFault(res, refused.status, refused.extra);
    }
    const body = await readBody(req, r.maxBody, stats);
    if (body === undefined) {
      stats.httpFaults++;
      return sendFault(res, HTTP_STATUS.contentTooLarge);
    }
    const answer = await o.handler({
      body,
      peerIdentity: r.identityOf(req.socket),
      remoteAddress: req.socket.remoteAddress ?? '',
      contentType: req.headers['content-type'],
    });
    const contentType = answer.contentType ?? X1_SERVER_DEFAULTS.contentType;
    if (typeof answer.body !== 'string' && !Buffer.isBuffer(answer.body))
      return sendPieces(res, contentType, answer.body);
    const out = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
    res.writeHead(HTTP_STATUS.ok, { 'Content-Type': contentType, 'Content-Length': out.length });
    res.end(out);
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((err: unknown) => {
      o.logger.error({ err, remoteAddress: req.socket.remoteAddress }, 'X1 request failed');
      if (!res.headersSent) sendFault(res, HTTP_STATUS.internalError);
      else res.destroy();
    });
  };
}

function identityResolver(o: X1ServerOptions): (socket: Socket) => string | undefined {
  if (o.insecurePlainHttp) return () => undefined;
  const attribute = o.tls?.identityAttribute ?? 'uid';
  const cache = new WeakMap<Socket, string | undefined>();
  return (socket) => {
    if (!cache.has(socket))
      cache.set(socket, peerIdentity(socket as Parameters<typeof peerIdentity>[0], attribute));
    return cache.get(socket);
  };
}

/** The connection caps are the guard's (x1-conn-limits.ts): Node's `maxConnections` would refuse before it. */
function applyTimeouts(server: http.Server, t: X1ServerTimeouts): void {
  server.headersTimeout = t.headersMs;
  server.requestTimeout = t.requestMs;
  server.keepAliveTimeout = t.keepAliveMs;
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Counts and logs refused handshakes with the reason: OpenSSL's error, or the certificate verification
 * result (`authorizationError`, e.g. CERT_HAS_EXPIRED, CERT_REVOKED), which Node reports only on the socket.
 * The peer address is taken when the TCP connection arrives, as the TLS socket has lost it by then.
 */
function logTlsRefusals(server: http.Server, limits: X1ConnLimits, stats: X1ServerStats): void {
  const addresses = new WeakMap<object, string | undefined>();
  server.on('connection', (raw: Socket) => addresses.set(raw, raw.remoteAddress));
  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
    const raw = (socket as TLSSocket & { _parent?: object })._parent;
    if (limits.closedByGuard(raw)) return;
    stats.tlsRejections++;
    if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') limits.handshakeTimedOut();
    const remoteAddress = socket.remoteAddress ?? (raw && addresses.get(raw));
    const verify = socket.authorizationError ?? undefined; // null until verification ran
    const code = verify === undefined ? err.code : String(verify);
    const reason = verify === undefined ? err.message : `certificate verification failed: ${String(verify)}`;
    limits.warn(remoteAddress, { remoteAddress, code, reason }, 'TLS handshake refused');
  });
}

/**
 * Keeps Node's HTTP parser on its JavaScript read path for this connection. On the native path (the parser
 * consuming the TLS stream directly) a pipelined request that arrives while a large answer drains pauses
 * the parser, the bytes already decrypted are still fed to it, and it fails with `HPE_PAUSED`: the
 * connection is destroyed mid-batch (measured: 35 of 800 pipelined 50-message containers lost). A `data`
 * listener makes Node unconsume the stream; `socket.pause()` then really stops the bytes until the answer
 * has drained. The listener itself does nothing: the parser still gets every byte.
 */
function parseInJavaScript(socket: Socket): void {
  socket.on('data', () => undefined);
}

const INSECURE_WARNING =
  'INSECURE: X1 server speaks plain HTTP without authentication (testing only; never in production)';

/**
 * Starts an X1 server and resolves once it listens. With `tls` it requires a client certificate issued by
 * the configured CA (and not revoked, when CRLs are given), using the RFC 9325 profile of tls-options.ts.
 */
export async function createX1Server(o: X1ServerOptions): Promise<X1Server> {
  const t: X1ServerTimeouts = { ...X1_SERVER_DEFAULTS.timeouts, ...o.timeouts };
  const stats: X1ServerStats = {
    connections: 0,
    tlsRejections: 0,
    requests: 0,
    httpFaults: 0,
    bodyBytes: 0,
    connectionsRefused: zeroRefusals(),
    warningsSuppressed: 0,
  };
  const resolved: Resolved = {
    path: o.path ?? X1_SERVER_DEFAULTS.path,
    maxBody: o.maxBodyBytes ?? X1_SERVER_DEFAULTS.maxBodyBytes,
    identityOf: identityResolver(o),
  };
  const listener = createRequestListener(o, resolved, stats);
  const common = { connectionsCheckingInterval: t.checkIntervalMs };
  let material: TlsMaterial | undefined;
  let server: http.Server;
  if (o.insecurePlainHttp) {
    server = http.createServer(common, listener);
    o.logger.warn(INSECURE_WARNING);
  } else {
    if (!o.tls) throw new TypeError('createX1Server: tls is required unless insecurePlainHttp');
    material = loadTlsMaterial(o.tls);
    server = https.createServer(
      { ...common, ...serverTlsOptions(material), handshakeTimeout: t.handshakeMs },
      listener,
    );
  }
  const limits = limitX1Connections(server, {
    maxPerAddress: o.maxConnectionsPerAddress ?? X1_SERVER_DEFAULTS.maxConnectionsPerAddress,
    maxTotal: o.maxConnections ?? X1_SERVER_DEFAULTS.maxConnections,
    warningsPerMinute: o.warningsPerMinute ?? X1_SERVER_DEFAULTS.warningsPerMinute,
    tls: !o.insecurePlainHttp,
    logger: o.logger,
  });
  if (!o.insecurePlainHttp) logTlsRefusals(server, limits, stats);
  server.on(o.insecurePlainHttp ? 'connection' : 'secureConnection', (socket: Socket) => {
    if (socket.destroyed) return; // refused by the guard
    stats.connections++;
    parseInJavaScript(socket);
    if (o.insecurePlainHttp) o.logger.warn({ remoteAddress: socket.remoteAddress }, INSECURE_WARNING);
  });
  applyTimeouts(server, t);
  await listen(server, o.listen.host, o.listen.port);

  const reload = (): void => {
    if (!o.tls || o.insecurePlainHttp) return;
    const next = loadTlsMaterial(o.tls);
    (server as https.Server).setSecureContext(serverTlsOptions(next));
    material = next;
    o.logger.info({ certFile: o.tls.certFile }, 'X1 server TLS material reloaded');
  };
  const watcher =
    o.watchTlsFiles && o.tls && !o.insecurePlainHttp
      ? new TlsFileWatcher(
          o.tls,
          () => {
            try {
              reload();
            } catch (err) {
              o.logger.error({ err }, 'X1 server TLS reload failed; keeping the previous material');
            }
          },
          ...(typeof o.watchTlsFiles === 'number' ? [o.watchTlsFiles] : []),
        )
      : undefined;

  return {
    address: () => server.address() as AddressInfo,
    reload,
    ownCertificate: () => (material ? certificateExpiry(material.cert) : undefined),
    stats: () => ({
      ...stats,
      connectionsRefused: limits.refused(),
      warningsSuppressed: limits.warningsSuppressed(),
    }),
    close: () =>
      closeServer(server, t.closeGraceMs, () => {
        watcher?.close();
        limits.close();
      }),
  };
}

function closeServer(server: http.Server, graceMs: number, before: () => void): Promise<void> {
  before();
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
