/**
 * STM over a byte or message stream (TCP, TLS, SCTP). EEP needs no extra framing on a stream: the header's
 * total length delimits each message (DESIGN.md "STM reports"). The sender reconnects with capped, jittered
 * exponential back-off and holds a bounded queue while the consumer is away or slow; overflow is counted and
 * raises `fault` once, and `clear` fires when the queue has drained over a live connection again.
 *
 * A consumer may close a connection that has carried nothing (lix's collector closes such a connection after
 * its pending timeout, as a guard against idle sockets: docs/security.md). That is not a fault: the sender
 * stays `up` and connects again when the next report comes, without a warning.
 */
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { StmTooLargeError, type ReportEncoder } from '../stm/report-encode.js';
import { SenderBase, STM_DEFAULTS, STM_TIMERS, type StmCounters, type StmSender } from './stm-sender-base.js';
import type { StmReport } from '../stm/report.js';

/** One live connection, as the stream sender sees it. */
export interface StreamConnection {
  /** Writes one encoded report; false when the transport wants the sender to wait for `drain`. */
  write(bytes: Uint8Array): boolean;
  /** Graceful close once written data is out. */
  end(): void;
  destroy(): void;
}

export interface StreamHandlers {
  connected(): void;
  drain(): void;
  /**
   * The connection is gone (or never came up); called once per connection. `refused` when the consumer was
   * not the one the destination names (its identity): a destination fault, raised at once.
   */
  closed(reason: string, refused?: boolean): void;
}

/** Opens connections for a stream sender (TCP, TLS, SCTP adapters). */
export interface StreamConnector {
  connect(h: StreamHandlers): StreamConnection;
  /** DTLS: reports sent over the path MTU by every connection so far. */
  overMtu?(): number;
}

export interface StreamSenderOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly queueLimit?: number;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Random source for jitter in [0, 1) (tests may pin it). */
  readonly random?: () => number;
}

/** A FIFO of encoded reports with O(1) shift. */
class Fifo {
  #items: Uint8Array[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(b: Uint8Array): void {
    this.#items.push(b);
  }
  peek(): Uint8Array | undefined {
    return this.#items[this.#head];
  }
  shift(): void {
    this.#items[this.#head++] = EMPTY;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
const EMPTY = new Uint8Array(0);

/** The reason a connector gives when the consumer closed the connection without an error. */
export const CLOSED_BY_PEER = 'closed by peer';

export class StreamStmSender extends SenderBase implements StmSender {
  readonly #clock: Clock;
  readonly #limit: number;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  readonly #queue = new Fifo();
  #conn: StreamConnection | undefined;
  #up = false;
  #blocked = false;
  #closing = false;
  #attempt = 0;
  #timer: TimerHandle | undefined;
  /** Reports dropped in the current fault, or undefined when there is no fault. */
  #fault: number | undefined;
  #waiters: Array<() => void> = [];
  #onClosed: (() => void) | undefined;
  /** Marks the current connection as having carried a report. */
  #carried: (() => void) | undefined;
  /** The consumer closed a connection that carried nothing: connect again at the next report. */
  #idle = false;

  constructor(
    uri: string,
    private readonly connector: StreamConnector,
    private readonly encoder: ReportEncoder,
    opts: StreamSenderOptions,
  ) {
    super(uri, opts.logger);
    this.#clock = opts.clock ?? systemClock;
    this.#limit = opts.queueLimit ?? STM_DEFAULTS.queueLimit;
    this.#initialMs = opts.backoff?.initialMs ?? STM_TIMERS.backoffInitialMs;
    this.#maxMs = opts.backoff?.maxMs ?? STM_TIMERS.backoffMaxMs;
    this.#random = opts.random ?? Math.random;
    this.#open();
  }

  get counters(): StmCounters {
    return { ...this.c, queued: this.#queue.length, overMtu: this.connector.overMtu?.() ?? 0 };
  }

  get state(): 'up' | 'down' {
    return this.#up || this.#idle ? 'up' : 'down';
  }

  /** True while a queue-overflow fault is raised. */
  get faulted(): boolean {
    return this.#fault !== undefined;
  }

  send(r: StmReport): void {
    if (this.#closing) return void this.c.errors++;
    let bytes: Uint8Array;
    try {
      bytes = this.encoder.encode(r, this.nextSequence());
    } catch (e) {
      if (e instanceof StmTooLargeError) this.tooLarge(r, e.size, e.maxSize);
      else this.encodeError(r, e);
      return;
    }
    if (this.#up && !this.#blocked && this.#queue.length === 0) return this.#write(bytes);
    if (this.#queue.length >= this.#limit) return this.#overflow();
    this.#queue.push(bytes);
    if (this.#idle) {
      this.#idle = false;
      this.#open();
    }
  }

  #write(bytes: Uint8Array): void {
    this.c.sent++;
    this.#carried?.();
    if (!this.#conn!.write(bytes)) this.#blocked = true;
  }

  #overflow(): void {
    this.c.dropped++;
    if (this.#fault === undefined) {
      const reason = this.#up
        ? `consumer too slow: queue of ${this.#limit} reports full`
        : `consumer unreachable: queue of ${this.#limit} reports full`;
      this.logger.warn({ uri: this.uri, reason }, 'STM destination fault');
      this.#fault = 1;
      this.emit('fault', { reason, dropped: 1 });
    } else this.#fault++;
  }

  /** The consumer is not the one the destination names: a fault (once), nothing sent, retried with back-off. */
  #refused(reason: string): void {
    if (this.#fault !== undefined) return;
    this.logger.warn({ uri: this.uri, reason }, 'STM destination fault');
    this.#fault = 0;
    this.emit('fault', { reason, dropped: 0 });
  }

  #flush(): void {
    while (this.#up && !this.#blocked) {
      const b = this.#queue.peek();
      if (!b) break;
      this.#queue.shift();
      this.#write(b);
    }
    if (this.#queue.length > 0 || !this.#up) return;
    if (this.#fault !== undefined) {
      this.logger.info({ uri: this.uri, dropped: this.#fault }, 'STM destination fault cleared');
      this.#fault = undefined;
      this.emit('clear');
    }
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #open(): void {
    this.#timer = undefined;
    if (this.#closing) return;
    let done = false;
    let carried = false;
    const connectTimer = this.#clock.setTimer(STM_TIMERS.connectTimeoutMs, () => {
      if (!this.#up) conn.destroy();
    });
    this.#carried = () => (carried = true);
    const conn = this.connector.connect({
      connected: () => {
        connectTimer.cancel();
        if (done || this.#closing) return;
        this.#up = true;
        this.#blocked = false;
        this.#attempt = 0;
        this.logger.info({ uri: this.uri }, 'STM destination connected');
        this.#flush();
      },
      drain: () => {
        if (done) return;
        this.#blocked = false;
        this.#flush();
      },
      closed: (reason, refused = false) => {
        connectTimer.cancel();
        if (done) return;
        done = true;
        if (refused) this.#refused(reason);
        const wasUp = this.#up;
        this.#up = false;
        this.#conn = undefined;
        if (this.#closing) return this.#onClosed?.();
        if (wasUp && !carried && this.#queue.length === 0 && reason === CLOSED_BY_PEER) {
          this.#idle = true;
          this.logger.info(
            { uri: this.uri },
            'STM consumer closed an unused connection; reconnecting at the next report',
          );
          return;
        }
        this.logger.warn({ uri: this.uri, reason, wasUp }, 'STM destination connection lost');
        this.#schedule();
      },
    });
    this.#conn = conn;
  }

  #schedule(): void {
    const base = Math.min(this.#maxMs, this.#initialMs * STM_TIMERS.backoffFactor ** this.#attempt);
    const jitter = 1 + STM_TIMERS.backoffJitter * (2 * this.#random() - 1);
    this.#attempt++;
    this.#timer = this.#clock.setTimer(Math.round(base * jitter), () => this.#open());
  }

  /** Resolves true once the queue is empty over a live connection, false after `ms`. */
  drain(ms = 10_000): Promise<boolean> {
    if (this.#queue.length === 0 && (this.#up || this.c.sent === 0)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = this.#clock.setTimer(ms, () => resolve(false));
      this.#waiters.push(() => {
        t.cancel();
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#timer?.cancel();
    const conn = this.#conn;
    if (!conn) return;
    this.#up = false;
    await new Promise<void>((resolve) => {
      const t = this.#clock.setTimer(STM_TIMERS.closeTimeoutMs, () => {
        conn.destroy();
        resolve();
      });
      this.#onClosed = () => {
        t.cancel();
        resolve();
      };
      conn.end();
    });
  }
}
