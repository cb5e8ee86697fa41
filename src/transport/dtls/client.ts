/**
 * A DTLS 1.2 client association over a connected UDP socket: {@link dtlsConnect}. Events: `connect` (the
 * server's leaf certificate, verified), `data`, `close` (reason and, when the handshake failed, whether the
 * server failed to authenticate).
 */
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { X509Certificate } from 'node:crypto';
import { systemClock, type Clock } from '../../lib/clock.js';
import { DtlsClientSession, type PeerCheck } from './client-session.js';
import type { DtlsCredentials, DtlsFailure } from './session.js';

export interface DtlsClientEvents {
  connect: [X509Certificate];
  data: [Buffer];
  close: [string, DtlsFailure | undefined];
}

export interface DtlsConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly creds: DtlsCredentials;
  /** Refuses a server whose verified certificate does not pass (throw a DtlsError with `auth`). */
  readonly check?: PeerCheck;
  readonly clock?: Clock;
  /** Test-only: receives the NSS key log line of the association (tshark decryption). */
  readonly keylog?: (line: string) => void;
}

export class DtlsClient extends EventEmitter<DtlsClientEvents> {
  readonly #socket: Socket;
  readonly #session: DtlsClientSession;
  #closed = false;

  constructor(o: DtlsConnectOptions) {
    super();
    this.#socket = createSocket({ type: isIP(o.host) === 6 ? 'udp6' : 'udp4' });
    this.#session = new DtlsClientSession(
      o.creds,
      o.clock ?? systemClock,
      (d) => this.#socket.send(d),
      {
        connected: (peer) => this.emit('connect', peer),
        data: (d) => this.emit('data', d),
        replay: () => undefined,
        closed: (reason, failure) => this.#end(reason, failure),
        ...(o.keylog && { keylog: o.keylog }),
      },
      o.check,
    );
    this.#socket.on('message', (m) => this.#session.receive(m));
    // ICMP port unreachable and the like: the handshake timer decides; an open association is ended.
    this.#socket.on('error', (e) => {
      if (this.#session.open) this.#session.close(e.message);
    });
    this.#socket.connect(o.port, o.host, () => {
      if (!this.#closed) this.#session.start();
    });
  }

  get open(): boolean {
    return this.#session.open;
  }

  /** Sends one record; false when the association is not open. */
  send(payload: Buffer): boolean {
    return this.#session.sendData(payload);
  }

  /** close_notify, then the socket closes. */
  close(): void {
    this.#session.close();
    this.#end('closed');
  }

  #end(reason: string, failure?: DtlsFailure): void {
    if (this.#closed) return;
    this.#closed = true;
    // Let a last datagram (close_notify, an alert) go out before the socket closes.
    setImmediate(() => this.#socket.close());
    this.emit('close', reason, failure);
  }
}

/** Starts a DTLS association to `o.host:o.port`. */
export function dtlsConnect(o: DtlsConnectOptions): DtlsClient {
  return new DtlsClient(o);
}
