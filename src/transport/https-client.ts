/**
 * The X1 HTTPS client (ETSI TS 103 221-1 transport: HTTPS, mutual TLS): `POST` over mutually authenticated TLS with
 * one persistent-connection agent per peer. Bytes in, bytes out: the caller encodes and decodes X1, and
 * compares the peer identity returned with each response against the identity it expects (the TLS layer
 * checks the chain, the CRL and the host name; the X1 layer checks who answered).
 */
import { LixError } from '../lib/errors.js';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from '../lib/logger.js';
import { peerCertificateExpiry, peerIdentity, type CertificateExpiry } from './identity.js';
import {
  clientTlsOptions,
  loadTlsMaterial,
  TlsFileWatcher,
  type IdentityAttribute,
  type TlsConfig,
} from './tls-options.js';

/** Why a request failed. `kind` is the failure family; the subclasses carry details. */
export type X1ClientErrorKind = 'timeout' | 'tls' | 'status' | 'too-large' | 'network' | 'closed';

export class X1ClientError extends LixError<X1ClientErrorKind> {}

/** No complete response within the client's timeout. */
export class X1TimeoutError extends X1ClientError {
  override readonly name = 'X1TimeoutError';
  constructor(readonly timeoutMs: number) {
    super('timeout', `no response within ${timeoutMs} ms`);
  }
}

/** The TLS handshake failed or the peer's certificate was refused (either side). `code` is Node's. */
export class X1TlsError extends X1ClientError {
  override readonly name = 'X1TlsError';
  constructor(
    readonly code: string | undefined,
    message: string,
    cause: unknown,
  ) {
    super('tls', message, { cause });
  }
}

/** The server answered with an HTTP status other than 200 (an HTTP-level fault, not an X1 error). */
export class X1HttpStatusError extends X1ClientError {
  override readonly name = 'X1HttpStatusError';
  constructor(
    readonly status: number,
    readonly body: Buffer,
  ) {
    super('status', `HTTP status ${status}`);
  }
}

/** The response was larger than the client's limit; the connection was dropped. */
export class X1ResponseTooLargeError extends X1ClientError {
  override readonly name = 'X1ResponseTooLargeError';
  constructor(readonly maxBytes: number) {
    super('too-large', `response larger than ${maxBytes} bytes`);
  }
}

/** The connection failed or broke (refused, reset, unreachable). */
export class X1NetworkError extends X1ClientError {
  override readonly name = 'X1NetworkError';
  constructor(
    readonly code: string | undefined,
    message: string,
    cause: unknown,
  ) {
    super('network', message, { cause });
  }
}

/** {@link X1Client.close} was called. */
export class X1ClientClosedError extends X1ClientError {
  override readonly name = 'X1ClientClosedError';
  constructor() {
    super('closed', 'X1 client is closed');
  }
}

/** Our code for a server that closed a fresh connection after the handshake without answering. */
export const PEER_CLOSED = 'ERR_TLS_PEER_CLOSED_AFTER_HANDSHAKE';
const PEER_CLOSED_MESSAGE =
  'TLS failure: the server closed the connection right after the handshake (our certificate refused?)';

/** OpenSSL verification codes (e.g. CERT_HAS_EXPIRED, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, CERT_REVOKED). */
const TLS_CODE_RE = /^(ERR_SSL_|ERR_TLS_)|CERT|CRL|SIGNATURE|ISSUER|^EPROTO$/;

/** Turns a request error into the typed error family. */
export function classifyRequestError(err: unknown): X1ClientError {
  if (err instanceof X1ClientError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  const c = typeof code === 'string' ? code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (c && TLS_CODE_RE.test(c)) return new X1TlsError(c, `TLS failure: ${message}`, err);
  return new X1NetworkError(c, `connection failure: ${message}`, err);
}

/** Defaults of the client; every one is configurable. */
export const X1_CLIENT_DEFAULTS = {
  timeoutMs: 15_000,
  /** A GetAllDetailsResponse for 100,000 tasks runs to tens of MB. */
  maxResponseBytes: 64 * 2 ** 20,
  contentType: 'application/xml; charset=utf-8',
  maxSockets: 4,
  /** Idle persistent connections are closed before the server's keep-alive timeout (60 s) would. */
  idleSocketMs: 30_000,
  /** The only status that carries an X1 response (X1 errors travel inside a 200). */
  okStatus: 200,
} as const;

export interface X1ClientOptions {
  /** Required for an `https:` URL; absent with an `http:` URL (insecure, for tests only). */
  readonly tls?: TlsConfig;
  readonly url: string;
  /** Default: `tls.identityAttribute`, else `uid`. */
  readonly identityAttribute?: IdentityAttribute;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly maxSockets?: number;
  readonly idleSocketMs?: number;
  /**
   * Check the server's host name or IP against its certificate (default true). X1 identity is checked by
   * the caller in any case; turn this off only where certificates cannot carry the address.
   */
  readonly checkServerName?: boolean;
  /** Reload the TLS files when they change (polling interval in ms, or `true` for the default). */
  readonly watchTlsFiles?: boolean | number;
  readonly logger?: Logger;
}

/** One answered request. Only status 200 is returned; other statuses throw {@link X1HttpStatusError}. */
export interface X1PostResult {
  readonly status: number;
  readonly body: Buffer;
  /** The verified server's identity (UID or CN); undefined in plain HTTP or without the attribute. */
  readonly peerIdentity: string | undefined;
}

export interface X1Client {
  readonly url: string;
  /**
   * Sends one X1 document. Rejects with X1TimeoutError, X1TlsError, X1HttpStatusError,
   * X1ResponseTooLargeError, X1NetworkError or X1ClientClosedError.
   */
  post(body: Buffer | string): Promise<X1PostResult>;
  /** Re-reads the TLS files; new requests use a new agent, the old one closes when its requests end. */
  reload(): void;
  /**
   * Closes every persistent connection (those in use once their requests end): the next request opens a new
   * connection with a full handshake. For a caller that disregarded an answer for its identity, so that it
   * does not ask again on a connection that will give the same answer.
   */
  dropConnections(reason: string): void;
  /** Connections dropped by {@link X1Client.dropConnections}. */
  readonly droppedConnections: number;
  /** Validity of the server certificate seen on the last response. */
  peerCertificate(): CertificateExpiry | undefined;
  /** Refuses new requests, waits for those in flight, closes every connection. */
  close(): Promise<void>;
}

interface AgentSlot {
  readonly agent: http.Agent;
  inFlight: number;
  retiring: boolean;
}

const INSECURE_WARNING =
  'INSECURE: X1 client speaks plain HTTP without authentication (testing only; never in production)';

/** Builds a client; nothing connects until the first {@link X1Client.post}. */
export function createX1Client(o: X1ClientOptions): X1Client {
  const url = new URL(o.url);
  const plain = url.protocol === 'http:';
  if (!plain && url.protocol !== 'https:') throw new TypeError(`X1 client: unsupported URL ${o.url}`);
  if (!plain && !o.tls) throw new TypeError('X1 client: tls is required for an https URL');
  if (plain && o.tls) throw new TypeError('X1 client: an http URL cannot use TLS; use https');
  if (plain) o.logger?.warn({ url: o.url }, INSECURE_WARNING);
  const attribute = o.identityAttribute ?? o.tls?.identityAttribute ?? 'uid';
  const timeoutMs = o.timeoutMs ?? X1_CLIENT_DEFAULTS.timeoutMs;
  const maxBytes = o.maxResponseBytes ?? X1_CLIENT_DEFAULTS.maxResponseBytes;
  const transport = plain ? http : https;
  const target = {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port,
    path: url.pathname + url.search,
  };

  const newSlot = (): AgentSlot => {
    const common = {
      keepAlive: true,
      maxSockets: o.maxSockets ?? X1_CLIENT_DEFAULTS.maxSockets,
      timeout: o.idleSocketMs ?? X1_CLIENT_DEFAULTS.idleSocketMs,
      scheduling: 'lifo' as const,
    };
    if (plain || !o.tls) return { agent: new http.Agent(common), inFlight: 0, retiring: false };
    const agent = new https.Agent({
      ...common,
      // No TLS session resumption (docs/security.md): a resumed session carries no certificate of the
      // server on this connection, and the X1 identity must come from one verified here. A full handshake
      // costs about a millisecond per new connection; connections are persistent, so that is rare.
      maxCachedSessions: 0,
      ...clientTlsOptions(loadTlsMaterial(o.tls)),
      ...(o.checkServerName === false && { checkServerIdentity: () => undefined }),
    });
    return { agent, inFlight: 0, retiring: false };
  };
  let slot = newSlot();
  let closed = false;
  let pending = 0;
  let lastPeer: CertificateExpiry | undefined;
  const idle: (() => void)[] = [];
  const identities = new WeakMap<Socket, string | undefined>();

  const release = (s: AgentSlot) => {
    s.inFlight--;
    pending--;
    if (s.retiring && s.inFlight === 0) s.agent.destroy();
    if (closed && pending === 0) idle.splice(0).forEach((f) => f());
  };
  const identityOf = (socket: Socket): string | undefined => {
    if (plain) return undefined;
    // Read the certificate once per connection: getPeerCertificate() is costly.
    if (!identities.has(socket)) {
      // A resumed session would offer the certificate of an earlier connection (or none): not trusted.
      const resumed = (socket as { isSessionReused?: () => boolean }).isSessionReused?.() === true;
      identities.set(socket, resumed ? undefined : peerIdentity(socket as never, attribute));
      lastPeer = peerCertificateExpiry(socket as never) ?? lastPeer;
    }
    return identities.get(socket);
  };

  const attempt = (s: AgentSlot, payload: Buffer, retry: boolean): Promise<X1PostResult> =>
    new Promise<X1PostResult>((resolve, reject) => {
      const req = transport.request({
        ...target,
        method: 'POST',
        agent: s.agent,
        headers: { 'Content-Type': X1_CLIENT_DEFAULTS.contentType, 'Content-Length': payload.length },
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new X1TimeoutError(timeoutMs));
      }, timeoutMs);
      const fail = (err: unknown) => {
        clearTimeout(timer);
        reject(timedOut ? new X1TimeoutError(timeoutMs) : err);
      };
      let handshakeDone = false;
      let responded = false;
      req.once('socket', (socket) => {
        if (!req.reusedSocket) socket.once('secureConnect', () => (handshakeDone = true));
      });
      req.on('error', (err: Error & { code?: string }) => {
        // A persistent connection the server closed while idle: the request never reached it.
        if (retry && req.reusedSocket && err.code === 'ECONNRESET') {
          clearTimeout(timer);
          attempt(s, payload, false).then(resolve, reject);
          return;
        }
        // Node servers refuse a client certificate by closing the connection right after the handshake,
        // without an alert: that is a TLS failure, not a network one.
        if (handshakeDone && !responded && err.code === 'ECONNRESET')
          return fail(new X1TlsError(PEER_CLOSED, PEER_CLOSED_MESSAGE, err));
        fail(classifyRequestError(err));
      });
      req.on('response', (res) => {
        responded = true;
        const socket = res.socket; // detached from the response once it ends
        readResponse(res, maxBytes).then(
          (body) => {
            clearTimeout(timer);
            if (res.statusCode !== X1_CLIENT_DEFAULTS.okStatus)
              return reject(new X1HttpStatusError(res.statusCode ?? 0, body));
            resolve({ status: res.statusCode, body, peerIdentity: identityOf(socket) });
          },
          (err: unknown) => {
            req.destroy();
            fail(err);
          },
        );
      });
      req.end(payload);
    });

  /** New requests go to a new agent; the old one closes its connections once its requests end. */
  const replaceSlot = () => {
    const next = newSlot();
    const old = slot;
    slot = next;
    old.retiring = true;
    if (old.inFlight === 0) old.agent.destroy();
  };
  const reload = () => {
    replaceSlot();
    o.logger?.info({ url: o.url }, 'X1 client TLS material reloaded');
  };
  let dropped = 0;
  const watcher =
    o.watchTlsFiles && o.tls
      ? new TlsFileWatcher(
          o.tls,
          () => {
            try {
              reload();
            } catch (err) {
              o.logger?.error({ err }, 'X1 client TLS reload failed; keeping the previous material');
            }
          },
          ...(typeof o.watchTlsFiles === 'number' ? [o.watchTlsFiles] : []),
        )
      : undefined;

  return {
    url: o.url,
    async post(body) {
      if (closed) throw new X1ClientClosedError();
      const s = slot;
      s.inFlight++;
      pending++;
      try {
        return await attempt(s, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, true);
      } finally {
        release(s);
      }
    },
    reload,
    dropConnections(reason) {
      if (closed) return;
      dropped++;
      try {
        replaceSlot();
      } catch (err) {
        // The TLS files cannot be read now: keep the agent, but close its idle connections.
        o.logger?.error({ err }, 'X1 client TLS material unreadable; closing idle connections only');
        for (const list of Object.values(slot.agent.freeSockets)) list?.forEach((sk) => sk.destroy());
      }
      o.logger?.warn({ url: o.url, reason }, 'X1 client dropped its connections');
    },
    get droppedConnections() {
      return dropped;
    },
    peerCertificate: () => lastPeer,
    async close() {
      closed = true;
      watcher?.close();
      if (pending > 0) await new Promise<void>((r) => idle.push(r));
      slot.agent.destroy();
    },
  };
}

/** Reads a response body up to `max` bytes (the Content-Length is checked first). */
function readResponse(res: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > max) return reject(new X1ResponseTooLargeError(max));
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        res.destroy();
        reject(new X1ResponseTooLargeError(max));
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(chunks, size)));
    res.once('error', (err) => reject(classifyRequestError(err)));
    res.once('aborted', () => reject(classifyRequestError(new Error('response aborted'))));
  });
}
