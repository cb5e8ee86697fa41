/**
 * The ADMF's warrant scheduler (docs/admf.md "Warrant validity"): a `scheduled` task is activated on its NE
 * when its warrant starts, a live task is deactivated when its warrant ends, and a task whose end is within
 * the expiry-warning lead time is logged once and counted. The deadlines live in the store only, so they
 * survive restarts: {@link WarrantScheduler.start} acts at once on everything overdue. One timer, for the
 * nearest deadline; every pass re-reads the windowed tasks, so a change made meanwhile (a modified window, a
 * task deactivated by an operator, which is terminal) is simply what the next pass sees.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AdmfStore, TaskRecord, TaskState } from '../store/admf-store.js';
import { iso, isExpiring, WARRANT_LIVE_STATES, warrantReason } from './warrant.js';

/** States whose start or end the scheduler watches (a `deactivating` task is already on its way out). */
const WATCHED: readonly TaskState[] = ['scheduled', ...WARRANT_LIVE_STATES];

/** The longest single wait (a far deadline is approached in steps; timers cannot wait for years). */
const MAX_WAIT_MS = 6 * 3600 * 1000;
/** After an action that did not move its task (an error), the task is tried again this much later. */
export const WARRANT_RETRY_MS = 60_000;

export interface WarrantActions {
  /** Activates a `scheduled` task on its NE (actor system, `reason` audited). */
  activate(xid: string, reason: string): Promise<unknown>;
  /** Deactivates a task, or ends a `scheduled` one without X1 (actor system, `reason` audited). */
  deactivate(xid: string, reason: string): Promise<unknown>;
}

export interface WarrantSchedulerDeps {
  readonly store: AdmfStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The actions, once wired (undefined: nothing is due yet can be done; logged). */
  readonly actions: () => WarrantActions | undefined;
  /** Expiry-warning lead time (ms). */
  readonly warnMs: number;
  /** Whether this instance owns an NE: only the owner starts and ends its tasks (by default, every NE). */
  readonly owns?: (neId: string) => boolean;
}

export class WarrantScheduler {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private readonly warned = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  private expiringCount = 0;

  constructor(private readonly deps: WarrantSchedulerDeps) {}

  /** Tasks within the expiry-warning window at the last pass (the `lix_admf_tasks_expiring` gauge). */
  get expiring(): number {
    return this.expiringCount;
  }

  /** When the next pass is due (ms since the epoch), if any. */
  nextAt: number | undefined;

  /** Starts: acts at once on overdue starts and ends, then waits for the nearest deadline. */
  start(): Promise<void> {
    this.stopped = false;
    return this.poke();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Resolves once the pass under way, if any, is done (tests, shutdown). */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Re-reads the windows (a task was created or modified) and acts on what is due; resolves when done. */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.again = true;
    this.running ??= this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  private async loop(): Promise<void> {
    while (this.again && !this.stopped) {
      this.again = false;
      try {
        await this.pass();
      } catch (err) {
        this.deps.logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'warrant scheduler: pass failed; retrying',
        );
        this.wait(this.deps.clock.now() + WARRANT_RETRY_MS);
      }
    }
  }

  private async pass(): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const tasks = await store.listTasks({ windowed: true, states: WATCHED });
    let next = Infinity;
    let expiring = 0;
    const seen = new Set<string>();
    for (const t of tasks) {
      if (this.deps.owns && !this.deps.owns(t.neId)) continue;
      seen.add(t.xid);
      const retry = this.retryAt.get(t.xid);
      if (retry !== undefined && retry > now) {
        next = Math.min(next, retry);
        continue;
      }
      this.retryAt.delete(t.xid);
      const due = t.state === 'scheduled' ? (t.validFrom ?? now) : t.validUntil;
      if (due !== undefined && due <= now) {
        await this.act(t, now);
        this.again = true; // the task moved on: its next deadline is read afresh
        continue;
      }
      if (due !== undefined) next = Math.min(next, due);
      if (t.validUntil === undefined || t.state === 'scheduled') continue;
      if (isExpiring(t, now, this.deps.warnMs)) {
        expiring++;
        this.warn(t, now);
      } else next = Math.min(next, t.validUntil - this.deps.warnMs);
    }
    for (const xid of this.warned) if (!seen.has(xid)) this.warned.delete(xid);
    for (const xid of this.retryAt.keys()) if (!seen.has(xid)) this.retryAt.delete(xid);
    this.expiringCount = expiring;
    this.wait(next);
  }

  private warn(t: TaskRecord, now: number): void {
    if (this.warned.has(t.xid)) return;
    this.warned.add(t.xid);
    this.deps.logger.warn(
      {
        xid: t.xid,
        ne: t.neId,
        ...(t.warrantRef !== undefined && { warrantRef: t.warrantRef }),
        validUntil: iso(t.validUntil!),
        remainingSeconds: Math.floor((t.validUntil! - now) / 1000),
      },
      'warrant expires soon: the task will be deactivated at its end',
    );
  }

  /** Starts or ends one task; when it did not move (an error), it is retried later, not at once. */
  private async act(t: TaskRecord, now: number): Promise<void> {
    const { logger, store } = this.deps;
    const actions = this.deps.actions();
    if (!actions) {
      logger.error({ xid: t.xid }, 'warrant scheduler: no actions wired; the task is not started or ended');
      this.retryAt.set(t.xid, now + WARRANT_RETRY_MS);
      return;
    }
    const ending = t.state !== 'scheduled' || (t.validUntil !== undefined && t.validUntil <= now);
    const reason = ending ? warrantReason('until', t.validUntil) : warrantReason('from', t.validFrom);
    try {
      if (ending) await actions.deactivate(t.xid, reason);
      else await actions.activate(t.xid, reason);
    } catch (err) {
      logger.warn(
        { xid: t.xid, ne: t.neId, err: err instanceof Error ? err.message : String(err) },
        ending ? 'warrant end: deactivation failed' : 'warrant start: activation failed',
      );
    }
    const after = await store.getTask(t.xid);
    if (after?.state === t.state) this.retryAt.set(t.xid, now + WARRANT_RETRY_MS);
  }

  private wait(at: number): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.nextAt = Number.isFinite(at) ? at : undefined;
    if (this.stopped || !Number.isFinite(at)) return;
    const ms = Math.min(Math.max(0, at - this.deps.clock.now()), MAX_WAIT_MS);
    this.timer = this.deps.clock.setTimer(ms, () => void this.poke());
  }
}
