/**
 * NE-initiated task endings and recovery: terminating faults (report, then remove — DESIGN.md), the keepalive
 * watchdog's expiry, restoring the data plane from the store after a restart, and following manual changes
 * made to the store by `lix ne task ...` from another process.
 */
import { ISSUE_CODES } from '../x1/errors.js';
import type { StoredTask } from '../store/ne-store.js';
import type { NeContext } from './context.js';

/** Ends a task with a terminating fault: the report is queued first, then the task is removed. */
export async function terminateTask(
  ctx: NeContext,
  xid: string,
  code: number,
  reason: string,
): Promise<void> {
  ctx.tasks.remove(
    xid,
    { actor: 'system', action: 'TerminateTask', xid, outcome: 'ok', detail: reason },
    { type: 'TerminatingFault', code, text: reason },
  );
  await ctx.dataPlane
    .removeTask(xid)
    .catch((err: unknown) => ctx.logger.error({ err, xid }, 'data plane removal failed'));
}

/** TIME_P3 without a keepalive: every task ends with a terminating fault "keepalives not received". */
export async function keepaliveLost(ctx: NeContext): Promise<void> {
  const xids = ctx.store.listXids();
  ctx.logger.error({ tasks: xids.length }, 'no keepalive within TIME_P3: deactivating every task');
  for (const xid of xids)
    await terminateTask(
      ctx,
      xid,
      ISSUE_CODES.KeepalivesNotReceived,
      'keepalives not received within TIME_P3',
    );
}

function destinationsOf(ctx: NeContext, t: StoredTask) {
  return t.details.listOfDIDs.dIds.flatMap((did) => ctx.store.getDestination(did)?.details ?? []);
}

/** Audit actions the `lix ne` CLI records for manual tasking (actor `manual`). */
export const MANUAL_ACTIONS = { add: 'ManualActivateTask', remove: 'ManualRemoveTask' } as const;

/**
 * Follows changes another process (the `lix ne` CLI) committed: the CLI writes the store and an audit row with
 * actor `manual`; the NE reads those rows, applies the task to the data plane or removes it, and tells the
 * ADMF: a manual task is announced (ReportNEIssue warning, and ListAllDetails shows its XID); an X1 task
 * removed by hand ends with a terminating fault "deleted by manual action on the NE".
 */
export class ManualChangeFollower {
  private lastId: number;

  constructor(private readonly ctx: NeContext) {
    this.lastId = ctx.store.lastAuditId();
  }

  async sync(): Promise<{ added: string[]; removed: string[] }> {
    const { ctx } = this;
    const added: string[] = [];
    const removed: string[] = [];
    for (;;) {
      const rows = ctx.store.readAudit({ sinceId: this.lastId, limit: 1000 });
      if (rows.length === 0) break;
      this.lastId = rows[rows.length - 1]!.id;
      for (const r of rows) {
        if (r.actor !== 'manual' || r.outcome !== 'ok' || r.xid === undefined) continue;
        if (r.action === MANUAL_ACTIONS.add) {
          const t = ctx.store.getTask(r.xid);
          if (!t) continue;
          await ctx.dataPlane.applyTask(t.details, destinationsOf(ctx, t));
          ctx.tasks.manualApplied(r.xid);
          added.push(r.xid);
        } else if (r.action === MANUAL_ACTIONS.remove) {
          await ctx.dataPlane.removeTask(r.xid);
          // The removed task's origin is a column of the audit row, never read out of the free text.
          if (r.taskOrigin === 'x1') {
            ctx.issues.task(
              r.xid,
              'TerminatingFault',
              ISSUE_CODES.Terminating,
              'deleted by manual action on the NE',
            );
          }
          removed.push(r.xid);
        }
      }
    }
    return { added, removed };
  }
}
