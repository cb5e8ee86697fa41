/**
 * A DTLS 1.2 client association over a connected UDP socket: {@link dtlsConnect}. Events: `connect` (the
 * server's leaf certificate, verified), `data`, `close` (reason and, when the handshake failed, whether the
 * server failed to authenticate).
 *
 * Sending is packed to the path MTU: what {@link DtlsClient.send} is given in one turn of the event loop goes
 * out in as few datagrams as fit the MTU (RFC 6347 §4.1.1: several records per datagram), and with `coalesce`
 * several messages share one record (for EEP, whose messages carry their own length, as over TCP). A
 * datagram costs a system call and a record an AES-GCM set-up, each several times the cost of the bytes, so
 * packing is what lets DTLS keep up with plain UDP. A message too large for the MTU goes alone, in one record
 * (IP fragments it), and is counted in {@link DtlsClient.overMtu}.
 */
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { X509Certificate } from 'node:crypto';
import { systemClock, type Clock } from '../../lib/clock.js';
import { DtlsClientSession, type PeerCheck } from './client-session.js';
import { RECORD_OVERHEAD } from './crypto.js';
import type { DtlsCredentials, DtlsFailure } from './session.js';

export interface DtlsClientEvents {
  connect: [X509Certificate];
  data: [Buffer];
  close: [string, DtlsFailure | undefined];
  /** A message went alone in a datagram larger than the path MTU. */
  overMtu: [];
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
  /** Path MTU in bytes (default {@link DTLS_DEFAULT_MTU}); datagrams are packed up to it less IP and UDP headers. */
  readonly mtu?: number;
  /** Several messages per record (they must be self-delimiting, like EEP); else one message per record. */
  readonly coalesce?: boolean;
}

/** Path MTU assumed when none is configured: Ethernet's. */
export const DTLS_DEFAULT_MTU = 1500;
/** Smallest path MTU accepted (IPv4's minimum datagram that every link must carry, RFC 791). */
export const DTLS_MIN_MTU = 576;
const IP_UDP_HEADERS = { 4: 28, 6: 48 } as const;

export class DtlsClient extends EventEmitter<DtlsClientEvents> {
  readonly #socket: Socket;
  readonly #session: DtlsClientSession;
  readonly #budget: number;
  readonly #coalesce: boolean;
  /** Messages given to send() and not yet sealed, and the datagram bytes they will take. */
  #queue: Buffer[] = [];
  #queued = 0;
  #flushScheduled = false;
  #overMtu = 0;
  #closed = false;

  constructor(o: DtlsConnectOptions) {
    super();
    const family = isIP(o.host) === 6 ? 6 : 4;
    this.#budget = Math.max(o.mtu ?? DTLS_DEFAULT_MTU, DTLS_MIN_MTU) - IP_UDP_HEADERS[family];
    this.#coalesce = o.coalesce ?? false;
    this.#socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    this.#session = new DtlsClientSession(
      o.creds,
      o.clock ?? systemClock,
      (d) => {
        this.#flush();
        this.#socket.send(d);
      },
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

  /** Messages sent alone because they did not fit the path MTU (IP fragments them). */
  get overMtu(): number {
    return this.#overMtu;
  }

  /**
   * Queues one message for the next datagram (sent when it is full, else at the end of this turn of the event
   * loop); false when the association is not open.
   */
  send(payload: Buffer): boolean {
    if (!this.#session.open) return false;
    const cost = this.#coalesce && this.#queue.length > 0 ? payload.length : payload.length + RECORD_OVERHEAD;
    if (this.#queued + cost > this.#budget) this.#flush();
    if (payload.length + RECORD_OVERHEAD > this.#budget) {
      this.#overMtu++;
      this.emit('overMtu');
      return this.#sendNow([payload]);
    }
    this.#queue.push(payload);
    this.#queued += this.#queue.length === 1 ? payload.length + RECORD_OVERHEAD : cost;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
    return true;
  }

  /** Seals what is queued into records, all in one datagram. */
  #flush(): void {
    if (this.#queue.length === 0) return;
    const q = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    this.#sendNow(this.#coalesce ? [q.length === 1 ? q[0]! : Buffer.concat(q)] : q);
  }

  #sendNow(records: readonly Buffer[]): boolean {
    const parts: Buffer[] = [];
    for (const r of records) {
      const sealed = this.#session.sealData(r);
      if (!sealed) return false;
      for (const p of sealed) parts.push(p);
    }
    this.#socket.send(parts);
    return true;
  }

  /** Sends what is queued, then close_notify; then the socket closes. */
  close(): void {
    this.#flush();
    this.#session.close();
    this.#end('closed');
  }

  #end(reason: string, failure?: DtlsFailure): void {
    if (this.#closed) return;
    this.#closed = true;
    // The peer ended the association between a send() and the flush: say how many messages that cost.
    const unsent = this.#queue.length;
    this.#queue = [];
    this.#queued = 0;
    // Let a last datagram (close_notify, an alert) go out before the socket closes.
    setImmediate(() => this.#socket.close());
    this.emit('close', unsent > 0 ? `${reason} (${unsent} queued message(s) not sent)` : reason, failure);
  }
}

/** Starts a DTLS association to `o.host:o.port`. */
export function dtlsConnect(o: DtlsConnectOptions): DtlsClient {
  return new DtlsClient(o);
}
