/**
 * What the owner of an NE does when it gains the NE from another instance, or is told of a change another
 * instance made (docs/admf.md "Several instances"): reconcile with the NE (which settles requests whose answer
 * was lost with the previous owner), then send the requests still pending — tasks stored `activating` that the
 * NE does not have. Every state write goes through task-state.ts under this instance's fence.
 */
import type { Admf } from './admf.js';
import { reconcile } from './reconcile.js';
import { applyTaskReport, storedReport } from './report-effects.js';
import { pendingOrThrow, sendActivation } from './tasking.js';

/** A gained NE: reconcile, then drive what is pending. Failures are logged (the next gain or change retries). */
export async function takeOver(admf: Admf, neId: string, cause: string): Promise<void> {
  try {
    await reconcile(admf, neId);
  } catch (err) {
    admf.logger.warn(
      { ne: neId, cause, err: err instanceof Error ? err.message : String(err) },
      'reconciliation after takeover failed',
    );
    return;
  }
  await admf.handover?.drain(neId);
  await drivePending(admf, neId);
}

/** Sends ActivateTask for the NE's tasks stored `activating` (all, or the XIDs given) that no request carries now. */
export async function drivePending(admf: Admf, neId: string, xids?: readonly string[]): Promise<void> {
  // An XID whose request this instance is sending now needs no read (the notice of its own write, mostly).
  const tasks = xids
    ? (
        await Promise.all(xids.filter((x) => !admf.activating.has(x)).map((x) => admf.store.getTask(x)))
      ).filter((t) => t !== undefined)
    : await admf.store.listTasks({ neId, states: ['activating'] });
  for (const t of tasks) {
    if (t.neId !== neId || t.state !== 'activating' || admf.activating.has(t.xid)) continue;
    if (!admf.owns(neId)) return;
    try {
      await pendingOrThrow(() => sendActivation(admf, neId, t.details));
    } catch (err) {
      admf.logger.warn(
        { ne: neId, xid: t.xid, err: err instanceof Error ? err.message : String(err) },
        'pending activation failed',
      );
    }
  }
}

/**
 * The owner acts on a change another instance told it of: a pending task's XID, `report:<id>`, or a change
 * handed to it (`op:<id>`; `done:<id>` is for the instance that handed it).
 */
export async function actOnTold(admf: Admf, neId: string, subject: string): Promise<void> {
  if (subject === '*') {
    await admf.handover?.drain(neId);
    return drivePending(admf, neId);
  }
  const op = /^op:(\d+)$/.exec(subject);
  if (op) return admf.handover?.serve(neId, Number(op[1]));
  if (subject.startsWith('done:')) return;
  const report = /^report:(\d+)$/.exec(subject);
  if (!report) return drivePending(admf, neId, [subject]);
  const id = Number(report[1]);
  const [r] = await admf.store.listReports({ sinceId: id - 1, limit: 1 });
  const effect = r?.id === id && r.xid !== undefined ? storedReport(r) : undefined;
  const t = r?.xid !== undefined ? await admf.store.getTask(r.xid) : undefined;
  if (effect && t?.neId === neId) await applyTaskReport(admf, t, effect);
}
