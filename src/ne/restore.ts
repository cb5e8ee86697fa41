/**
 * Restoring the data plane after a (re)start, in the background: the X1 port is open and answering while the
 * stored tasks go back into the data plane a slice at a time (1,000,000 tasks take seconds, and a Ping must
 * not wait for them). Each slice runs under the NE's mutex, so no X1 change interleaves within a slice; a task
 * an X1 request changed meanwhile is that request's business and is skipped here. Tasks stored after the
 * restore began are never the restore's. Progress is logged and readable (metrics).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { StoredTask } from '../store/ne-store.js';
import type { DestinationDetails } from '../x1/model.js';
import { ISSUE_CODES } from '../x1/errors.js';
import type { NeContext } from './context.js';
import { terminateTask } from './lifecycle.js';

/** Tasks per slice: a mutating X1 request waits for one slice at most. */
export const RESTORE_SLICE = 2_000;
/** How often progress is logged while restoring. */
export const RESTORE_LOG_MS = 2_000;

export interface RestoreProgress {
  /** Tasks in the store when the restore began. */
  readonly total: number;
  /** Tasks dealt with so far (restored, failed, skipped). */
  readonly done: number;
  readonly restored: number;
  readonly failed: number;
  readonly running: boolean;
}

type Exclusive = <T>(fn: () => Promise<T>) => Promise<T>;

export class DataPlaneRestore {
  private readonly touched = new Set<string>();
  private position = 0;
  private last = 0;
  private total = 0;
  private done = 0;
  private restored = 0;
  private failed = 0;
  private running = false;
  private finished: Promise<RestoreProgress> | undefined;

  constructor(
    private readonly ctx: NeContext,
    private readonly exclusive: Exclusive,
  ) {}

  /** Starts restoring (destinations first, then tasks); resolves when it is done. Call once. */
  start(): Promise<RestoreProgress> {
    this.finished ??= this.run();
    return this.finished;
  }

  /** Resolves when the restore is done (at once if it never started). */
  whenDone(): Promise<RestoreProgress> {
    return this.finished ?? Promise.resolve(this.progress());
  }

  /** An X1 request or manual change is about to act on this task: the restore leaves it alone. */
  touch(xid: string): void {
    if (this.running) this.touched.add(xid);
  }

  progress(): RestoreProgress {
    const { total, done, restored, failed, running } = this;
    return { total, done, restored, failed, running };
  }

  private async run(): Promise<RestoreProgress> {
    const { ctx } = this;
    const started = performance.now();
    this.running = true;
    await this.exclusive(async () => {
      for (const d of ctx.store.listDestinations()) await ctx.dataPlane.applyDestination(d.details);
      this.last = ctx.store.lastTaskPosition();
      this.total = ctx.store.countTasks();
    });
    if (this.total > RESTORE_SLICE)
      ctx.logger.info(
        { tasks: this.total },
        'restoring the data plane in the background; X1 is answered meanwhile',
      );
    let logged = started;
    try {
      while (await this.exclusive(() => this.slice())) {
        if (performance.now() - logged >= RESTORE_LOG_MS) {
          logged = performance.now();
          ctx.logger.info(this.progress(), `restoring the data plane: ${this.done} of ${this.total} tasks`);
        }
        await nextTurn();
      }
    } finally {
      this.running = false;
      this.touched.clear();
    }
    const seconds = Number(((performance.now() - started) / 1000).toFixed(2));
    ctx.logger.info({ ...this.progress(), seconds }, 'data plane restored from the store');
    return this.progress();
  }

  /** Restores the next slice; false when there is nothing left. */
  private async slice(): Promise<boolean> {
    const { ctx } = this;
    const rows = ctx.store.tasksAfter(this.position, RESTORE_SLICE);
    if (rows.length === 0) return false;
    const destinations = new Map(ctx.store.listDestinations().map((d) => [d.details.dId, d.details]));
    for (const { position, task } of rows) {
      if (position > this.last) return false;
      this.position = position;
      this.done++;
      if (this.touched.has(task.details.xId)) continue;
      await this.one(task, destinations);
    }
    return this.position < this.last;
  }

  private async one(t: StoredTask, destinations: ReadonlyMap<string, DestinationDetails>): Promise<void> {
    const { ctx } = this;
    const xid = t.details.xId;
    // A task whose acknowledged deactivation had not finished is not restored: its deactivation completes now.
    if (t.pending === 'deactivate' && t.status.provisioningStatus !== 'complete') {
      ctx.tasks.restored(xid, true, t);
      return;
    }
    try {
      const dests = t.details.listOfDIDs.dIds.flatMap((did) => destinations.get(did) ?? []);
      await ctx.dataPlane.applyTask(t.details, dests);
      ctx.tasks.restored(xid, true, t);
      this.restored++;
    } catch (err) {
      this.failed++;
      await terminateTask(
        ctx,
        xid,
        ISSUE_CODES.Terminating,
        `target details lost: not restorable after restart (${String(err)})`,
      );
    }
  }
}
