/**
 * Connection limits of the X1 servers (issue #17 part 4): a {@link ConnGuard} on the server's TCP
 * connections, which counts a connection as pending until its TLS handshake has finished (mutual TLS: the
 * peer is authenticated) or, in plain HTTP, until its first request. The pending deadline is Node's own TLS
 * `handshakeTimeout` (the server's `timeouts.handshakeMs`). Warnings a peer can trigger (refused handshakes,
 * refused connections) go through a per-address {@link LogLimiter}.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { LogLimiter } from '../lib/log-limiter.js';
import { ConnGuard, zeroRefusals, type Admission, type ConnRefusalCounts } from './conn-guard.js';

export interface X1ConnLimitOptions {
  readonly maxPerAddress: number;
  readonly maxTotal: number;
  /** Warnings logged per remote address and minute before they are summarised. */
  readonly warningsPerMinute: number;
  readonly tls: boolean;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/** The guard of one X1 server, as the server sees it. */
export interface X1ConnLimits {
  /** True for a raw socket the guard closed (its TLS error is not a handshake refusal). */
  closedByGuard(raw: object | undefined): boolean;
  /** Logs a warning about `address`, rate-limited per address. */
  warn(address: string | undefined, fields: object, msg: string): void;
  /** Refusals by reason; `pending_timeout` counts TLS handshakes that timed out. */
  refused(): ConnRefusalCounts;
  handshakeTimedOut(): void;
  warningsSuppressed(): number;
  close(): void;
}

/** Puts a guard on `server` (call before it listens; the server's own `maxConnections` must stay unset). */
export function limitX1Connections(server: http.Server, o: X1ConnLimitOptions): X1ConnLimits {
  const limiter = new LogLimiter(o.logger, {
    perWindow: o.warningsPerMinute,
    windowMs: 60_000,
    ...(o.clock && { clock: o.clock }),
  });
  const closed = new WeakSet<object>();
  const admissions = new WeakMap<object, Admission>();
  let handshakeTimeouts = 0;
  const warn = (address: string | undefined, fields: object, msg: string) =>
    limiter.warn(address ?? '?', fields, msg);
  const guard = new ConnGuard(
    { maxPerAddress: o.maxPerAddress, maxTotal: o.maxTotal },
    (reason, remoteAddress, socket) => {
      closed.add(socket);
      warn(remoteAddress, { remoteAddress, reason }, 'X1 connection refused');
    },
    o.clock,
  );
  server.on('connection', (raw: Socket) => {
    const a = guard.admit(raw);
    if (a) admissions.set(raw, a);
  });
  if (o.tls)
    server.on('secureConnection', (s: TLSSocket) => {
      admissions.get((s as TLSSocket & { _parent?: object })._parent ?? s)?.authenticated();
    });
  else server.on('request', (req: http.IncomingMessage) => admissions.get(req.socket)?.authenticated());
  return {
    closedByGuard: (raw) => raw !== undefined && closed.has(raw),
    warn,
    refused: () => ({ ...zeroRefusals(), ...guard.refused, pending_timeout: handshakeTimeouts }),
    handshakeTimedOut: () => void handshakeTimeouts++,
    warningsSuppressed: () => limiter.counts.suppressed,
    close: () => limiter.close(),
  };
}
