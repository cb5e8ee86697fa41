/**
 * A DTLS 1.2 server on one UDP socket (RFC 6347): one association per client address and port. A ClientHello
 * without a valid cookie gets a HelloVerifyRequest and allocates nothing (§4.2.1: the cookie is an HMAC of the
 * client's address and ClientHello random under a per-server secret), so spoofed handshakes cost one
 * datagram each. A valid cookie starts an association; one from a peer that already has one (a client that
 * restarted on the same port, §4.2.8) replaces it. The cookie secret changes every `cookieRotateMs` (§4.2.1:
 * "change the secret value frequently"); cookies made with the previous secret still pass, so a client's
 * echo never straddles a change unluckily. At most `maxPerAddress` associations come from one IPv4 address or
 * IPv6 /64 (conn-guard.ts), `maxSessions` in all. Counters keep handshake failures, authentication failures
 * and replayed records apart.
 */
import { createHmac, randomBytes, timingSafeEqual, type X509Certificate } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock.js';
import { addressKey } from '../conn-guard.js';
import { DtlsServerSession, type ClientCheck } from './server-session.js';
import type { DtlsCredentials, DtlsFailure } from './session.js';
import {
  ALERT,
  CONTENT,
  decodeClientHello,
  encodeHelloVerifyRequest,
  handshakeMessage,
  HS,
  parseHandshakes,
  parseRecords,
  recordHeader,
} from './wire.js';

export interface DtlsPeer {
  readonly address: string;
  readonly port: number;
}

export interface DtlsServerCounters {
  /** HelloVerifyRequests sent (ClientHellos without a valid cookie). */
  readonly cookies: number;
  /** Handshakes completed. */
  readonly handshakes: number;
  /** Handshakes that failed other than by authentication (protocol errors, timeouts, no common suite). */
  readonly handshakeFailures: number;
  /** Clients that did not authenticate: no certificate, another CA, a bad signature, not on the allow-list. */
  readonly authFailures: number;
  /** Application records refused by the replay window. */
  readonly replays: number;
  /** Valid-cookie ClientHellos refused because `maxSessions` associations exist. */
  readonly refusedFull: number;
  /** Valid-cookie ClientHellos refused because `maxPerAddress` associations from that address exist. */
  readonly refusedPerAddress: number;
  /** Associations now (open or handshaking). */
  readonly sessions: number;
}

export interface DtlsServerEvents {
  connect: [DtlsPeer, X509Certificate];
  data: [Buffer, DtlsPeer, X509Certificate];
  failure: [DtlsPeer, DtlsFailure, string];
  close: [DtlsPeer, string];
}

export interface DtlsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly creds: DtlsCredentials;
  /** Refuses a client whose verified certificate does not pass (the producer allow-list). */
  readonly check?: ClientCheck;
  readonly clock?: Clock;
  /** Most associations at once (default 1024). */
  readonly maxSessions?: number;
  /** An association that received nothing for this long is dropped (default 5 minutes). */
  readonly idleMs?: number;
  /** Most associations from one IPv4 address or IPv6 /64 (default 16, as the collector's TCP streams). */
  readonly maxPerAddress?: number;
  /** The cookie secret is replaced this often (default 60 s); the previous one is still accepted. */
  readonly cookieRotateMs?: number;
}

/** Defaults of {@link DtlsServerOptions}. */
export const DTLS_SERVER_DEFAULTS = {
  maxSessions: 1024,
  idleMs: 300_000,
  maxPerAddress: 16,
  cookieRotateMs: 60_000,
} as const;

const COOKIE_BYTES = 20;

export class DtlsServer extends EventEmitter<DtlsServerEvents> {
  readonly #socket: Socket;
  #secret: Buffer = randomBytes(32);
  #previousSecret: Buffer | undefined;
  #rotation: TimerHandle | undefined;
  readonly #sessions = new Map<string, DtlsServerSession>();
  /** Associations per address key (IPv4 address, IPv6 /64). */
  readonly #perAddress = new Map<string, number>();
  readonly #maxPerAddress: number;
  readonly #c = {
    cookies: 0,
    handshakes: 0,
    handshakeFailures: 0,
    authFailures: 0,
    replays: 0,
    refusedFull: 0,
    refusedPerAddress: 0,
  };
  readonly #clock: Clock;
  readonly #max: number;
  readonly #alerted = new Map<string, number>();
  /** When each association last received a datagram. */
  readonly #seen = new Map<string, number>();
  readonly #idleMs: number;
  #sweep: TimerHandle | undefined;

  private constructor(
    socket: Socket,
    private readonly o: DtlsServerOptions,
  ) {
    super();
    this.#socket = socket;
    this.#clock = o.clock ?? systemClock;
    this.#max = o.maxSessions ?? DTLS_SERVER_DEFAULTS.maxSessions;
    this.#idleMs = o.idleMs ?? DTLS_SERVER_DEFAULTS.idleMs;
    this.#maxPerAddress = o.maxPerAddress ?? DTLS_SERVER_DEFAULTS.maxPerAddress;
    socket.on('message', (m, r) => this.#datagram(m, r));
    this.#armSweep();
    this.#armRotation(o.cookieRotateMs ?? DTLS_SERVER_DEFAULTS.cookieRotateMs);
  }

  /** A new cookie secret every `ms`; the one before stays valid until the next change. */
  #armRotation(ms: number): void {
    this.#rotation = this.#clock.setTimer(ms, () => {
      this.#previousSecret = this.#secret;
      this.#secret = randomBytes(32);
      this.#armRotation(ms);
    });
  }

  /** Drops associations idle for `idleMs` (a producer that vanished without close_notify). */
  #armSweep(): void {
    this.#sweep = this.#clock.setTimer(Math.max(1, this.#idleMs / 2), () => {
      const limit = this.#clock.now() - this.#idleMs;
      for (const [key, s] of this.#sessions) if ((this.#seen.get(key) ?? 0) < limit) s.close('idle timeout');
      this.#armSweep();
    });
  }

  /** Binds `host:port` (port 0: ephemeral) and starts serving. */
  static async listen(o: DtlsServerOptions): Promise<DtlsServer> {
    const socket = createSocket({ type: o.host.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.port, o.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new DtlsServer(socket, o);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get counters(): DtlsServerCounters {
    return { ...this.#c, sessions: this.#sessions.size };
  }

  /** Sends close_notify to every client and closes the socket. */
  async close(): Promise<void> {
    this.#sweep?.cancel();
    this.#rotation?.cancel();
    for (const s of this.#sessions.values()) s.close('server closing');
    this.#sessions.clear();
    await new Promise<void>((resolve) => setImmediate(() => this.#socket.close(() => resolve())));
  }

  #datagram(m: Buffer, r: RemoteInfo): void {
    const key = `${r.address}|${r.port}`;
    const hello = this.#clientHello(m);
    if (hello) return this.#hello(hello, m, r, key);
    const session = this.#sessions.get(key);
    if (session) {
      this.#seen.set(key, this.#clock.now());
      return session.receive(m);
    }
    if (m.length >= 5 && m.readUInt16BE(3) > 0) this.#unknownPeer(r, key);
  }

  /**
   * Protected records from a client we hold no association for (this server restarted, or forgot it): a
   * plaintext fatal alert tells the client to start again (RFC 6347 §4.2.8), at most once a second per peer.
   */
  #unknownPeer(r: RemoteInfo, key: string): void {
    const now = this.#clock.now();
    if ((this.#alerted.get(key) ?? -Infinity) > now - 1000) return;
    if (this.#alerted.size >= this.#max) this.#alerted.clear();
    this.#alerted.set(key, now);
    this.#socket.send(
      Buffer.concat([recordHeader(CONTENT.alert, 0, 0, 2), Buffer.from([2, ALERT.unexpectedMessage])]),
      r.port,
      r.address,
    );
  }

  /** The first record's ClientHello fragment, when the datagram starts with one (epoch 0). */
  #clientHello(m: Buffer): { seq: number; body: Buffer; recordSeq: number } | undefined {
    try {
      const [rec] = parseRecords(m);
      if (!rec || rec.type !== CONTENT.handshake || rec.epoch !== 0) return undefined;
      const [f] = parseHandshakes(rec.body);
      if (!f || f.type !== HS.clientHello || f.offset !== 0 || f.body.length !== f.length) return undefined;
      return { seq: f.seq, body: f.body, recordSeq: rec.seq };
    } catch {
      return undefined;
    }
  }

  #cookie(r: RemoteInfo, random: Buffer, secret = this.#secret): Buffer {
    return createHmac('sha256', secret)
      .update(`${r.address}|${r.port}|`)
      .update(random)
      .digest()
      .subarray(0, COOKIE_BYTES);
  }

  #hello(h: { seq: number; body: Buffer; recordSeq: number }, m: Buffer, r: RemoteInfo, key: string): void {
    let hello;
    try {
      hello = decodeClientHello(h.body);
    } catch {
      this.#c.handshakeFailures++;
      return;
    }
    const existing = this.#sessions.get(key);
    const matches = (secret: Buffer | undefined) =>
      secret !== undefined && timingSafeEqual(hello.cookie, this.#cookie(r, hello.random, secret));
    const good =
      hello.cookie.length === COOKIE_BYTES && (matches(this.#secret) || matches(this.#previousSecret));
    if (!good) {
      this.#c.cookies++;
      const hvr = handshakeMessage(
        HS.helloVerifyRequest,
        h.seq,
        encodeHelloVerifyRequest(this.#cookie(r, hello.random)),
      );
      this.#socket.send(
        Buffer.concat([recordHeader(CONTENT.handshake, 0, h.recordSeq, hvr.length), hvr]),
        r.port,
        r.address,
      );
      return;
    }
    if (existing && !existing.open && !existing.closed) return existing.receive(m);
    const addr = addressKey(r.address);
    if (existing) existing.close('client started a new handshake');
    else if (this.#sessions.size >= this.#max) return void this.#c.refusedFull++;
    else if ((this.#perAddress.get(addr) ?? 0) >= this.#maxPerAddress)
      return void this.#c.refusedPerAddress++;
    const peer: DtlsPeer = { address: r.address, port: r.port };
    let leaf: X509Certificate | undefined;
    const session: DtlsServerSession = new DtlsServerSession(
      this.o.creds,
      this.#clock,
      (d) => this.#socket.send(d, r.port, r.address),
      {
        connected: (cert) => {
          leaf = cert;
          this.#c.handshakes++;
          this.emit('connect', peer, cert);
        },
        data: (d) => this.emit('data', d, peer, leaf!),
        replay: () => this.#c.replays++,
        closed: (reason, failure) => {
          if (this.#sessions.get(key) === session) {
            this.#sessions.delete(key);
            this.#seen.delete(key);
            const left = (this.#perAddress.get(addr) ?? 1) - 1;
            if (left > 0) this.#perAddress.set(addr, left);
            else this.#perAddress.delete(addr);
          }
          if (failure === 'auth') this.#c.authFailures++;
          if (failure === 'handshake') this.#c.handshakeFailures++;
          if (failure) this.emit('failure', peer, failure, reason);
          else this.emit('close', peer, reason);
        },
      },
      this.o.check,
    );
    this.#sessions.set(key, session);
    this.#perAddress.set(addr, (this.#perAddress.get(addr) ?? 0) + 1);
    this.#seen.set(key, this.#clock.now());
    session.start(hello, h.seq, h.body);
  }
}
