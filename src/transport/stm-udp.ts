/**
 * STM over UDP: `eep+udp` (one EEP message per datagram) and `gre-pcapng+udp` (GRE-in-UDP, RFC 8086, to port
 * 4754). A connected socket: no lookup per datagram, and ICMP errors surface as send errors (counted).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from '../lib/logger.js';
import { StmTooLargeError, type ReportEncoder } from '../stm/report-encode.js';
import type { StmReport } from '../stm/report.js';
import { SenderBase, type StmCounters, type StmSender } from './stm-sender-base.js';
import type { StmUri } from '../stm/uri.js';

const CLOSE_DRAIN_MS = 2_000;

export class UdpStmSender extends SenderBase implements StmSender {
  readonly #socket: Socket;
  #ready = false;
  #closed = false;
  /** Datagrams sent before the socket finished connecting. */
  #early: Uint8Array[] = [];
  #idle: Array<() => void> = [];

  constructor(
    target: StmUri,
    private readonly encoder: ReportEncoder,
    logger: Logger,
  ) {
    super(target.text, logger);
    const v6 = isIP(target.host) === 6;
    this.#socket = createSocket({ type: v6 ? 'udp6' : 'udp4' });
    this.#socket.on('error', (e) => this.#sendError(e));
    this.#socket.connect(target.port, target.host, () => {
      this.#ready = true;
      const early = this.#early;
      this.#early = [];
      for (const b of early) this.#socket.send(b);
      this.#wake();
    });
  }

  get counters(): StmCounters {
    return { ...this.c, queued: this.#early.length, overMtu: 0 };
  }

  get state(): 'up' | 'down' {
    return this.#closed ? 'down' : 'up';
  }

  send(r: StmReport): void {
    if (this.#closed) return void this.c.errors++;
    let bytes: Uint8Array;
    try {
      bytes = this.encoder.encode(r, this.nextSequence());
    } catch (e) {
      if (e instanceof StmTooLargeError) this.tooLarge(r, e.size, e.maxSize);
      else this.encodeError(r, e);
      return;
    }
    this.c.sent++;
    // No callback: a send error (e.g. ECONNREFUSED from an ICMP port unreachable) is emitted as 'error'.
    if (this.#ready) this.#socket.send(bytes);
    else this.#early.push(bytes);
  }

  #wake(): void {
    const w = this.#idle;
    this.#idle = [];
    for (const f of w) f();
  }

  #sendError(e: Error): void {
    this.c.errors++;
    if (this.c.errors === 1 || this.c.errors % 1000 === 0)
      this.logger.warn({ uri: this.uri, err: e.message, errors: this.c.errors }, 'STM UDP send error');
  }

  /**
   * Resolves true once the socket is connected and the datagrams sent before that are handed over (then one
   * event-loop turn, for sends libuv had to queue), false after `ms`.
   */
  drain(ms = 10_000): Promise<boolean> {
    if (this.#ready) return new Promise((resolve) => setImmediate(() => resolve(true)));
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.#idle.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Sends what is pending (up to 2 s), then closes the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.drain(CLOSE_DRAIN_MS);
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
