/**
 * Sends the NE's reports to the ADMF (`/X1/ADMF`): ReportTaskIssue, ReportDestinationIssue, ReportNEIssue
 * (TS 103 221-1 clause 6.5). Reports wait in the store's durable outbox and leave it in order, one at a time,
 * only when the ADMF has answered. No answer within TIME2: the report is sent again as a new request with a
 * new transaction ID (DESIGN.md). A response whose certificate identity is not the ADMF's is disregarded.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import { newUuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { X1Codec } from '../x1/codec.js';
import { encodeRequest } from '../x1/encode.js';
import type { X1Request } from '../x1/model.js';
import { formatTimestamp } from '../x1/simple-types.js';
import type { NeStore, OutboxEntry } from '../store/ne-store.js';

/** What the reporter needs from an HTTPS client. */
export interface X1Poster {
  post(body: string): Promise<{ status: number; body: Uint8Array; peerIdentity: string | undefined }>;
  /** Closes the persistent connections, so that the next request gets a new handshake. */
  dropConnections?(reason: string): void;
}

/** What the reporter tells the NE about the ADMF's certificate identity (a fault while it is wrong). */
export interface PeerIdentityWatch {
  mismatch(peer: string | undefined): void;
  matched(): void;
}

export interface ReporterOptions {
  readonly store: NeStore;
  readonly poster: X1Poster | undefined;
  readonly codec: X1Codec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly neId: string;
  readonly admfId: string;
  readonly version: string;
  readonly time2Ms: number;
  /** Longest pause between attempts while the ADMF is unreachable. */
  readonly maxBackoffMs?: number;
  readonly identityWatch?: PeerIdentityWatch;
}

export class Reporter {
  private running = false;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private failures = 0;
  /** Counters for status and tests. */
  readonly counters = { sent: 0, attempts: 0, disregarded: 0, errorsFromAdmf: 0, connectionsDropped: 0 };

  constructor(private readonly o: ReporterOptions) {}

  /** Drains the outbox now (called after every enqueue). */
  kick(): void {
    if (this.stopped || this.running || this.o.poster === undefined) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
    });
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const [head] = this.o.store.pendingReports(1);
      if (head === undefined) return;
      const ok = await this.sendOne(head);
      if (!ok) {
        this.failures++;
        const backoff = Math.min(this.o.maxBackoffMs ?? 60_000, 500 * 2 ** Math.min(this.failures, 10));
        this.timer = this.o.clock.setTimer(backoff, () => this.kick());
        return;
      }
      this.failures = 0;
    }
  }

  private build(entry: OutboxEntry): X1Request {
    return {
      type: `${entry.kind}Request`,
      header: {
        admfIdentifier: this.o.admfId,
        neIdentifier: this.o.neId,
        messageTimestamp: formatTimestamp(this.o.clock.nowMicros()),
        version: this.o.version,
        x1TransactionId: newUuid(),
      },
      ...(entry.body as object),
    } as X1Request;
  }

  /** One attempt; true when the ADMF answered (OK or an X1 error, both final). */
  private async sendOne(entry: OutboxEntry): Promise<boolean> {
    const req = this.build(entry);
    this.counters.attempts++;
    try {
      const res = await this.withTimeout(this.o.poster!.post(encodeRequest([req])));
      if (this.stopped) return false; // shut down while waiting: the report stays in the outbox
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      if (res.peerIdentity !== this.o.admfId) {
        this.counters.disregarded++;
        const why = `response from "${res.peerIdentity ?? '(no identity)'}" disregarded: not the ADMF ${this.o.admfId}`;
        // The same connection would give the same answer: the next attempt starts a new one.
        if (this.o.poster?.dropConnections) {
          this.o.poster.dropConnections(why);
          this.counters.connectionsDropped++;
        }
        this.o.identityWatch?.mismatch(res.peerIdentity);
        throw new Error(why);
      }
      this.o.identityWatch?.matched();
      const doc = this.o.codec.decode(res.body);
      if (doc.root !== 'X1Response') throw new Error(`ADMF answered ${doc.root}`);
      const r = doc.results.find(
        (x) => x.ok && x.message.header.x1TransactionId === req.header.x1TransactionId,
      );
      if (!r || !r.ok) throw new Error('no response for our transaction ID');
      if (r.message.type === 'ErrorResponse') {
        this.counters.errorsFromAdmf++;
        this.o.logger.warn(
          { report: entry.id, kind: entry.kind, code: r.message.errorInformation.errorCode },
          `ADMF refused report: ${r.message.errorInformation.errorDescription}`,
        );
      }
      this.o.store.markReportSent(entry.id);
      this.counters.sent++;
      return true;
    } catch (err) {
      if (this.stopped) return false;
      const why = err instanceof Error ? err.message : String(err);
      this.o.store.recordReportAttempt(entry.id, why);
      this.o.logger.warn(
        { report: entry.id, kind: entry.kind, tid: req.header.x1TransactionId },
        `report not delivered: ${why}`,
      );
      return false;
    }
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = this.o.clock.setTimer(this.o.time2Ms, () =>
        reject(new Error(`no answer within TIME2 (${this.o.time2Ms} ms)`)),
      );
      p.then(
        (v) => {
          t.cancel();
          resolve(v);
        },
        (e: unknown) => {
          t.cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}
