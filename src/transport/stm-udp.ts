/**
 * STM over UDP: `eep+udp` (one EEP message per datagram) and `gre-pcapng+udp` (GRE-in-UDP, RFC 8086, to port
 * 4754). A connected socket: no lookup per datagram, and ICMP errors surface as send errors (counted).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from '../lib/logger.js';
import { StmTooLargeError, type ReportEncoder } from './stm-encode.js';
import { SenderBase, type StmCounters, type StmReport, type StmSender } from './stm-report.js';
import type { StmUri } from './stm-uri.js';

export class UdpStmSender extends SenderBase implements StmSender {
  readonly #socket: Socket;
  #ready = false;
  #closed = false;
  /** Datagrams sent before the socket finished connecting. */
  #early: Uint8Array[] = [];
  readonly #onSent = (err: Error | null) => {
    if (err) this.#sendError(err);
  };

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
      for (const b of this.#early) this.#socket.send(b, this.#onSent);
      this.#early = [];
    });
  }

  get counters(): StmCounters {
    return { ...this.c, queued: this.#early.length };
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
    if (this.#ready) this.#socket.send(bytes, this.#onSent);
    else this.#early.push(bytes);
  }

  #sendError(e: Error): void {
    this.c.errors++;
    if (this.c.errors === 1 || this.c.errors % 1000 === 0)
      this.logger.warn({ uri: this.uri, err: e.message, errors: this.c.errors }, 'STM UDP send error');
  }

  async drain(): Promise<boolean> {
    return true;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
