/**
 * The NE's audit trail: every X1 request with its outcome and every manual or system action, append-only in
 * the store. Rows of requests that change state are committed in the same transaction as the change
 * ({@link AuditLog.commit}); rows of read-only requests (status, ping) are group-committed every
 * {@link FLUSH_MS} so that they do not cost a disk flush each.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AuditInput, NeStore } from '../store/ne-store.js';
import type { X1Request } from '../x1/model.js';

export const FLUSH_MS = 200;
const MAX_PENDING = 1000;

export type AuditRow = Omit<AuditInput, 'at'>;

interface Staged {
  readonly fn: () => void;
  readonly row: AuditRow | undefined;
  readonly at: number;
}

export class AuditLog {
  private pending: AuditInput[] = [];
  private timer: TimerHandle | undefined;
  private staged: Staged[] = [];
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushScheduled = false;
  /** XIDs of staged, not yet committed activations (duplicate checks must see them). */
  readonly stagedXids = new Set<string>();

  constructor(
    private readonly store: NeStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  private closed = false;

  /** Writes what is queued and stops: the store is about to close. */
  close(): void {
    this.flushStaged();
    this.flush();
    this.closed = true;
  }

  /** Queues a row; written within {@link FLUSH_MS} or with the next commit. */
  record(row: AuditRow): void {
    if (this.closed) {
      this.logger.warn({ row }, 'audit row after shutdown not written');
      return;
    }
    this.pending.push({ ...row, at: this.clock.now() });
    if (this.pending.length >= MAX_PENDING) this.flush();
    else this.timer ??= this.clock.setTimer(FLUSH_MS, () => this.flush());
  }

  /**
   * Group commit: stages a change; every change staged in the same turn of the event loop is committed in one
   * transaction (one disk flush), and the promise resolves once it is durable. The caller answers only then.
   */
  stage(fn: () => void, row?: AuditRow, xid?: string): Promise<void> {
    if (xid !== undefined) this.stagedXids.add(xid);
    this.staged.push({ fn, row, at: this.clock.now() });
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushStaged());
    }
    return done;
  }

  /** Commits every staged change now, in one transaction, with the queued audit rows. */
  flushStaged(): void {
    this.flushScheduled = false;
    if (this.staged.length === 0) return;
    const staged = this.staged;
    const waiters = this.waiters;
    this.staged = [];
    this.waiters = [];
    this.stagedXids.clear();
    try {
      this.store.transaction(() => {
        for (const s of staged) {
          s.fn();
          if (s.row) this.pending.push({ ...s.row, at: s.at });
        }
        this.writePending();
      });
    } catch (err) {
      this.logger.error({ err, changes: staged.length }, 'group commit failed');
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  /** Runs `fn` and writes `row` plus every queued row in one transaction (after anything staged). */
  commit<T>(fn: () => T, row?: AuditRow): T {
    this.flushStaged();
    return this.store.transaction(() => {
      const out = fn();
      if (row) this.pending.push({ ...row, at: this.clock.now() });
      this.writePending();
      return out;
    });
  }

  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.pending.length === 0) return;
    try {
      this.store.transaction(() => this.writePending());
    } catch (err) {
      this.logger.error({ err, rows: this.pending.length }, 'audit rows could not be written; will retry');
      if (!this.closed) this.timer = this.clock.setTimer(FLUSH_MS, () => this.flush());
    }
  }

  private writePending(): void {
    // Cleared only after the rows are written: a rolled-back transaction keeps them queued.
    for (const r of this.pending) this.store.appendAudit(r);
    this.pending = [];
  }
}

/** The audit row of one X1 request and its outcome. */
export function requestAuditRow(m: X1Request, outcome: 'ok' | 'error', detail?: string): AuditRow {
  return {
    actor: 'x1',
    action: m.type,
    transactionId: m.header.x1TransactionId,
    outcome,
    ...('xId' in m && { xid: m.xId }),
    ...('taskDetails' in m && { xid: m.taskDetails.xId }),
    ...('dId' in m && { did: m.dId }),
    ...('destinationDetails' in m && { did: m.destinationDetails.dId }),
    ...(detail !== undefined && { detail }),
  };
}
