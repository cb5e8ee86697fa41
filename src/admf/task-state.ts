/**
 * The ADMF's task state, with one owner (docs/admf.md "Task state"). {@link TASK_MOVES} is the table of legal
 * moves (terminal states, `ended` and `failed`, have no exits: a new ActivateTask of the same XID starts a new
 * record); {@link moveTask} is the one function through which every change of a stored task's state goes: an
 * illegal move is refused and logged, and changes nothing (the report that asked for it is still recorded by
 * the caller). The request a task waits on follows from its state ({@link pendingOf}), so that a completion
 * report is matched to its own request.
 *
 * Every write of an owner's move carries the fence of this instance's lease on the task's NE ({@link fenced}):
 * a store shared by several instances refuses it when the lease is no longer this instance's, and the NE is then
 * dropped at once. Only the creation of a task (desired state, written by whichever instance took the REST call)
 * carries none.
 */
import type { ProvisioningStatus, TaskDetails } from '../x1/model.js';
import { TASK_STATES, type TaskRecord, type TaskState } from '../store/admf-store.js';
import type { Admf } from './admf.js';
import type { TaskWarrant } from './warrant.js';
import type { Fence } from '../store/admf-fence.js';
import { StoreError } from '../store/store-errors.js';
import { AdmfError } from './errors.js';

/**
 * Runs one write about an NE's state under this instance's fence for it; a refusal (`StoreError` `Fenced`)
 * drops the NE from this instance at once (the ownership counts it) and is thrown on.
 */
export async function fenced<T>(
  admf: Admf,
  neId: string,
  write: (fence: Fence | undefined) => Promise<T>,
): Promise<T> {
  const fence = admf.fence(neId);
  try {
    return await write(fence);
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'Fenced' && fence) {
      admf.logger.warn(
        { ne: neId, token: fence.token },
        'write refused: this instance no longer owns the NE',
      );
      admf.ownership.refused(fence, err.message);
    }
    throw err;
  }
}

/**
 * From each state, the states a task may move to (staying put is always allowed). `scheduled` (its warrant
 * starts later, it is not on its NE) leaves only for `activating` (the start came) or `ended` (deactivated
 * before its start, or its end passed first); no state leads back to it.
 */
export const TASK_MOVES: Readonly<Record<TaskState, readonly TaskState[]>> = {
  scheduled: ['activating', 'ended'],
  activating: ['active', 'awaitingProvisioning', 'failed', 'deactivating', 'ended'],
  awaitingProvisioning: ['active', 'failed', 'modifying', 'deactivating', 'ended'],
  active: ['modifying', 'awaitingProvisioning', 'deactivating', 'failed', 'ended'],
  modifying: ['active', 'awaitingProvisioning', 'failed', 'deactivating', 'ended'],
  deactivating: ['ended'],
  failed: [],
  ended: [],
};

export const TERMINAL_STATES: readonly TaskState[] = ['failed', 'ended'];

/** Whether `from` → `to` is legal. */
export function isLegalMove(from: TaskState, to: TaskState): boolean {
  return from === to ? !TERMINAL_STATES.includes(from) : TASK_MOVES[from].includes(to);
}

/** The lifecycle request a task in `state` waits on: its completion report is the one that counts. */
export type PendingRequest = 'activate-or-modify' | 'deactivate' | 'none';

export function pendingOf(state: TaskState): PendingRequest {
  switch (state) {
    case 'activating':
    case 'awaitingProvisioning':
    case 'modifying':
      return 'activate-or-modify';
    case 'deactivating':
      return 'deactivate';
    default:
      return 'none';
  }
}

export interface MoveExtra {
  readonly provisioning?: ProvisioningStatus;
  readonly reason?: string;
}

/** The states from which a move to `to` is legal (`to` itself included, unless terminal). */
export function legalFrom(to: TaskState): TaskState[] {
  return TASK_STATES.filter((from) => isLegalMove(from, to));
}

/**
 * Moves a stored task to `to` when the table allows it; otherwise logs the refusal and changes nothing.
 * Returns the task as stored afterwards (undefined when there is none). The table is checked twice: against
 * the record read first, and again in the writing statement (the store's compare-and-set on the states `to`
 * may be reached from), so that a move another request made in between (a deactivation while an
 * activation's answer was being settled, say) is never overwritten by one decided on the older state.
 */
export async function moveTask(
  admf: Admf,
  xid: string,
  to: TaskState,
  cause: string,
  extra: MoveExtra = {},
): Promise<TaskRecord | undefined> {
  const t = await admf.store.getTask(xid);
  if (!t) return undefined;
  if (!isLegalMove(t.state, to)) {
    admf.logger.warn({ xid, from: t.state, to, cause }, 'task state: illegal move refused');
    return t;
  }
  const at = admf.clock.now();
  const from = legalFrom(to);
  const changed = await fenced(admf, t.neId, (f) =>
    admf.store.setTaskState(xid, to, at, { ...extra, from }, f),
  );
  if (!changed) {
    const now = await admf.store.getTask(xid);
    if (now)
      admf.logger.warn(
        { xid, from: now.state, to, cause },
        'task state: move refused, the task changed meanwhile',
      );
    return now;
  }
  admf.events.emit({ type: 'task', xid, neId: t.neId, state: to });
  return moved(t, to, at, extra);
}

/**
 * The record after {@link moveTask}'s write, without reading it back: the store's state change sets the state,
 * the time and the reason (removed when none is given) and keeps the provisioning status unless one is given.
 */
function moved(t: TaskRecord, to: TaskState, at: number, extra: MoveExtra): TaskRecord {
  const { reason: _reason, provisioning, ...rest } = t;
  const p = extra.provisioning ?? provisioning;
  return {
    ...rest,
    state: to,
    updatedAt: at,
    ...(p !== undefined && { provisioning: p }),
    ...(extra.reason !== undefined && { reason: extra.reason }),
  };
}

/**
 * A new task record (ActivateTask): allowed when the XID is unknown or its last record is terminal. It starts
 * `activating`, or `scheduled` when its warrant starts later. Returns the record written; a live record of the
 * XID is a conflict (nothing written).
 */
export async function createTask(
  admf: Admf,
  neId: string,
  details: TaskDetails,
  warrant: TaskWarrant = {},
  state: 'activating' | 'scheduled' = 'activating',
): Promise<TaskRecord> {
  const now = admf.clock.now();
  const created: TaskRecord = {
    xid: details.xId,
    neId,
    details,
    state,
    ...warrant,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await admf.store.addTask(created))) {
    const live = await admf.store.getTask(details.xId);
    throw new AdmfError(
      'conflict',
      `task ${details.xId} exists (${live?.state ?? 'live'}) on ${live?.neId ?? 'an NE'}`,
    );
  }
  admf.events.emit({ type: 'task', xid: details.xId, neId, state });
  return created;
}

/** A task's record with its warrant replaced by `warrant` (fields absent there are removed). */
export function withWarrant(t: TaskRecord, warrant: TaskWarrant): TaskRecord {
  const { validFrom: _f, validUntil: _u, warrantRef: _r, ...rest } = t;
  return { ...rest, ...warrant };
}

/**
 * ModifyTask sent: the new details (and warrant, when given) are stored with state `modifying` (from a live
 * state only).
 */
export async function startModify(
  admf: Admf,
  t: TaskRecord,
  details: TaskDetails,
  warrant?: TaskWarrant,
): Promise<boolean> {
  if (!isLegalMove(t.state, 'modifying')) {
    admf.logger.warn({ xid: t.xid, from: t.state }, 'task state: modify refused');
    return false;
  }
  const base = warrant ? withWarrant(t, warrant) : t;
  const rec = { ...base, details, state: 'modifying' as const, updatedAt: admf.clock.now() };
  await fenced(admf, t.neId, (f) => admf.store.putTask(rec, f));
  admf.events.emit({ type: 'task', xid: t.xid, neId: t.neId, state: 'modifying' });
  return true;
}

/** A scheduled task's details and warrant change; it stays `scheduled` (nothing is on its NE yet). */
export async function replaceScheduled(
  admf: Admf,
  t: TaskRecord,
  details: TaskDetails,
  warrant: TaskWarrant,
): Promise<TaskRecord | undefined> {
  const now = await admf.store.getTask(t.xid);
  if (now?.state !== 'scheduled') return undefined;
  const rec = { ...withWarrant(now, warrant), details, updatedAt: admf.clock.now() };
  await fenced(admf, t.neId, (f) => admf.store.putTask(rec, f));
  return rec;
}

/** The NE refused a modification: the old details and state are back in force. */
export async function undoModify(admf: Admf, old: TaskRecord): Promise<void> {
  const now = await admf.store.getTask(old.xid);
  if (now?.state !== 'modifying') return;
  await fenced(admf, old.neId, (f) => admf.store.putTask({ ...old, updatedAt: admf.clock.now() }, f));
  admf.events.emit({ type: 'task', xid: old.xid, neId: old.neId, state: old.state });
}
