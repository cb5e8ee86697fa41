/**
 * Bringing a subscriber's X1 tasks to what its record wants (docs/admf.md "Subscribers"): for each NE × target
 * the latest task made for it is activated again when missing, failed or ended, modified when its
 * destinations or delivery type differ; tasks no longer wanted (or all, for an ended subscriber) are
 * deactivated. Each through the ordinary tasking (tasking.ts); one outcome per task acted on.
 */
import { newUuid } from '../lib/ids.js';
import type { SubscriberRecord } from '../store/admf-subscriber-store.js';
import type { DeliveryType, TargetIdentifier, TaskDetails } from '../x1/model.js';
import type { Admf } from './admf.js';
import { AdmfError } from './errors.js';
import { expandSubscriber } from './subscriber-targets.js';
import { holdsWanted, latestBySlot, slotKey } from './subscriber-view.js';
import { activateTask, deactivateTask, modifyTask } from './tasking.js';

/** Builds (and checks) the details of one task; the REST layer passes one that checks them with the codec. */
export type TaskDetailsBuilder = (
  xid: string,
  target: TargetIdentifier,
  dids: readonly string[],
  deliveryType: DeliveryType,
) => TaskDetails;

/** The plain builder (no codec check). */
export const plainDetails: TaskDetailsBuilder = (xid, target, dids, deliveryType) => ({
  xId: xid,
  targetIdentifiers: [target],
  deliveryType,
  listOfDIDs: { dIds: [...dids], dSIds: [] },
  taskDetailsExtensions: [],
});

/** What one operation did to one task. */
export interface TaskOutcome {
  readonly neId: string;
  readonly target: string;
  readonly xid: string;
  readonly action: 'activate' | 'modify' | 'deactivate';
  /** `ok` (done), `pending` (stored, installed when the NE is healed), else the failure's kind. */
  readonly outcome: 'ok' | 'pending' | 'refused' | 'unreachable' | 'conflict' | 'not-found' | 'invalid';
  readonly state?: string;
  readonly message?: string;
  readonly x1?: { readonly errorCode: number; readonly errorDescription: string };
}

function failure(err: unknown): Pick<TaskOutcome, 'outcome' | 'message' | 'x1'> {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof AdmfError)) return { outcome: 'invalid', message };
  return { outcome: err.kind, message, ...(err.x1 && { x1: err.x1 }) };
}

/** Brings the subscriber's tasks to what its record wants; one outcome per task acted on. */
export async function applySubscriber(
  admf: Admf,
  s: SubscriberRecord,
  build: TaskDetailsBuilder,
): Promise<TaskOutcome[]> {
  const { targets } = expandSubscriber(s.identities);
  const links = await admf.store.listSubscriberTasks(s.id);
  const latest = latestBySlot(links);
  const jobs: Promise<TaskOutcome>[] = [];
  const wanted = new Set<string>();
  const run = async (
    base: Pick<TaskOutcome, 'neId' | 'target' | 'xid' | 'action'>,
    fn: () => Promise<{ state: string }>,
  ): Promise<TaskOutcome> => {
    try {
      const t = await fn();
      return { ...base, outcome: t.state === 'activating' ? 'pending' : 'ok', state: t.state };
    } catch (err) {
      const state = (await admf.store.getTask(base.xid))?.state;
      return { ...base, ...failure(err), ...(state && { state }) };
    }
  };
  if (s.state === 'active') {
    for (const p of s.placements) {
      for (const t of targets) {
        const key = slotKey(p.neId, t.key);
        wanted.add(key);
        const link = latest.get(key);
        const task = link && (await admf.store.getTask(link.xid));
        const base = { neId: p.neId, target: t.key };
        if (!task || task.state === 'failed' || task.state === 'ended') {
          const xid = newUuid();
          const now = admf.clock.now();
          await admf.store.addSubscriberTask({
            subscriberId: s.id,
            xid,
            neId: p.neId,
            targetKey: t.key,
            createdAt: now,
          });
          const details = build(xid, t.target, p.dids, s.deliveryType);
          jobs.push(run({ ...base, xid, action: 'activate' }, () => activateTask(admf, p.neId, details)));
        } else if (task.state !== 'deactivating' && !holdsWanted(task, p, s.deliveryType)) {
          const details = build(task.xid, t.target, p.dids, s.deliveryType);
          jobs.push(run({ ...base, xid: task.xid, action: 'modify' }, () => modifyTask(admf, details)));
        }
      }
    }
  }
  for (const l of links) {
    const key = slotKey(l.neId, l.targetKey);
    if (wanted.has(key) && latest.get(key)?.xid === l.xid) continue;
    const task = await admf.store.getTask(l.xid);
    if (!task || task.state === 'failed' || task.state === 'ended') continue;
    const base = { neId: l.neId, target: l.targetKey, xid: l.xid, action: 'deactivate' as const };
    jobs.push(run(base, () => deactivateTask(admf, l.xid)));
  }
  return Promise.all(jobs);
}
