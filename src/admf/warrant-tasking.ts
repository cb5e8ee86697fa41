/**
 * Tasking of tasks whose warrant starts later (docs/admf.md "Warrant validity"): such a task is stored
 * `scheduled` and nothing goes to its NE until the warrant scheduler (warrant-schedule.ts) activates it at
 * the start. Changes before the start stay at the ADMF; a change that brings the start to now activates it.
 */
import type { TaskRecord } from '../store/admf-store.js';
import type { TaskDetails } from '../x1/model.js';
import type { Admf } from './admf.js';
import { AdmfError } from './errors.js';
import { audited } from './audited.js';
import { createTask, replaceScheduled } from './task-state.js';
import { warrantReason, type TaskWarrant } from './warrant.js';

/** ActivateTask with a start in the future: the task is stored `scheduled`; the NE hears of it at the start. */
export async function scheduleTask(
  admf: Admf,
  neId: string,
  details: TaskDetails,
  warrant: TaskWarrant,
): Promise<TaskRecord> {
  const xid = details.xId;
  const t = await audited(
    admf,
    'ActivateTask',
    { neId, xid },
    async () => {
      await admf.requireNe(neId);
      return createTask(admf, neId, details, warrant, 'scheduled');
    },
    { actor: 'operator', reason: `scheduled: ${warrantReason('from', warrant.validFrom)}` },
  );
  await admf.warrants.poke();
  return (await admf.store.getTask(xid)) ?? t;
}

/**
 * ModifyTask of a `scheduled` task: the details and warrant change at the ADMF (no X1). When the new start
 * is not in the future, the task is activated now.
 */
export async function modifyScheduled(
  admf: Admf,
  t: TaskRecord,
  details: TaskDetails,
  warrant: TaskWarrant,
): Promise<TaskRecord> {
  const w: TaskWarrant = {
    ...(warrant.validFrom !== undefined && { validFrom: warrant.validFrom }),
    ...(warrant.validUntil !== undefined && { validUntil: warrant.validUntil }),
    ...(warrant.warrantRef !== undefined && { warrantRef: warrant.warrantRef }),
  };
  await audited(
    admf,
    'ModifyTask',
    { neId: t.neId, xid: t.xid },
    async () => {
      if (!(await replaceScheduled(admf, t, details, w)))
        throw new AdmfError('conflict', `task ${t.xid} is no longer scheduled`);
    },
    { actor: 'operator', reason: `scheduled: ${warrantReason('from', w.validFrom)}` },
  );
  // The scheduler starts it now when its start has come, else at the new start.
  await admf.warrants.poke();
  return (await admf.store.getTask(t.xid))!;
}
