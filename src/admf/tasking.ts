/**
 * Operator tasking through the ADMF: destinations (TS 103 221-1 clause 6.3) and tasks (clause 6.2). The
 * desired state is written before the request leaves (a task is `activating` until the NE answers), so an
 * ADMF that stops mid-way finds the intent in its store and reconciliation settles it. Answers:
 * `AcknowledgedAndCompleted` → done; `Acknowledged` → `awaitingProvisioning` until the NE's ReportTaskIssue;
 * an ErrorResponse → refused (AdmfError with the NE's code); no answer → the TIME2 follow-up decides.
 */
import type { DestinationRecord, TaskRecord, TaskState } from '../store/admf-store.js';
import { LIVE_TASK_STATES } from '../store/admf-store.js';
import type {
  DestinationDetails,
  GetTaskDetailsResponse,
  ProvisioningStatus,
  TaskDetails,
  TaskResponseDetails,
  X1Response,
} from '../x1/model.js';
import type { Admf } from './admf.js';
import { AdmfError } from './errors.js';
import type { Answer } from './ne-link.js';
import { audited, OPERATOR, type Actor } from './audited.js';
import { onOwner } from './handover.js';
import { createTask, fenced, moveTask, startModify, undoModify } from './task-state.js';
import type { TaskWarrant } from './warrant.js';
import type { WarrantActions } from './warrant-schedule.js';
import { modifyScheduled, scheduleTask } from './warrant-tasking.js';
import { LixError } from '../lib/errors.js';
import { StoreError } from '../store/store-errors.js';

/** Throws `refused` for an X1 ErrorResponse. */
function expectOk(a: Answer, what: string): X1Response {
  const r = a.response;
  if (r.type === 'ErrorResponse') {
    throw new AdmfError(
      'refused',
      `${what} refused by the NE: ${r.errorInformation.errorCode} ${r.errorInformation.errorDescription}`,
      r.errorInformation,
    );
  }
  return r;
}

export async function createDestination(
  admf: Admf,
  neId: string,
  d: DestinationDetails,
): Promise<DestinationRecord> {
  const change = { kind: 'CreateDestination', args: [neId, d] };
  return onOwner(admf, neId, change, () => createHere(admf, neId, d));
}

function createHere(admf: Admf, neId: string, d: DestinationDetails): Promise<DestinationRecord> {
  return audited(admf, 'CreateDestination', { neId, did: d.dId }, async () => {
    await admf.requireNe(neId);
    if (await admf.store.getDestination(neId, d.dId))
      throw new AdmfError('conflict', `destination ${d.dId} exists on ${neId}`);
    expectOk(
      await admf.send(neId, { type: 'CreateDestinationRequest', destinationDetails: d }),
      'CreateDestination',
    );
    const now = admf.clock.now();
    const rec: DestinationRecord = { neId, did: d.dId, details: d, createdAt: now, updatedAt: now };
    await fenced(admf, neId, (f) => admf.store.putDestination(rec, f));
    return rec;
  });
}

export async function modifyDestination(
  admf: Admf,
  neId: string,
  d: DestinationDetails,
): Promise<DestinationRecord> {
  const change = { kind: 'ModifyDestination', args: [neId, d] };
  return onOwner(admf, neId, change, () => modifyHere(admf, neId, d));
}

function modifyHere(admf: Admf, neId: string, d: DestinationDetails): Promise<DestinationRecord> {
  return audited(admf, 'ModifyDestination', { neId, did: d.dId }, async () => {
    const old = await admf.store.getDestination(neId, d.dId);
    if (!old) throw new AdmfError('not-found', `no destination ${d.dId} on ${neId}`);
    expectOk(
      await admf.send(neId, { type: 'ModifyDestinationRequest', destinationDetails: d }),
      'ModifyDestination',
    );
    const rec: DestinationRecord = { ...old, details: d, updatedAt: admf.clock.now() };
    await fenced(admf, neId, (f) => admf.store.putDestination(rec, f));
    return rec;
  });
}

export async function removeDestination(admf: Admf, neId: string, did: string): Promise<void> {
  const change = { kind: 'RemoveDestination', args: [neId, did] };
  return onOwner(admf, neId, change, () => removeHere(admf, neId, did));
}

function removeHere(admf: Admf, neId: string, did: string): Promise<void> {
  return audited(admf, 'RemoveDestination', { neId, did }, async () => {
    if (!(await admf.store.getDestination(neId, did)))
      throw new AdmfError('not-found', `no destination ${did} on ${neId}`);
    const a = await admf.send(neId, { type: 'RemoveDestinationRequest', dId: did });
    // Already gone at the NE: the desired state follows.
    const r = a.response;
    const gone = r.type === 'ErrorResponse' && admf.isKind(r.errorInformation.errorCode, 'DidDoesNotExist');
    if (!gone) expectOk(a, 'RemoveDestination');
    await fenced(admf, neId, (f) => admf.store.deleteDestination(neId, did, f));
  });
}

/** Task state for an NE's provisioning status. */
export function stateForProvisioning(p: ProvisioningStatus): TaskState {
  return p === 'complete' ? 'active' : p === 'failed' ? 'failed' : 'awaitingProvisioning';
}

function okState(r: X1Response): { state: TaskState; provisioning: ProvisioningStatus } {
  const acknowledged = 'oK' in r && r.oK === 'Acknowledged';
  return acknowledged
    ? { state: 'awaitingProvisioning', provisioning: 'awaitingProvisioning' }
    : { state: 'active', provisioning: 'complete' };
}

/** What the TIME2 follow-up (GetTaskDetails) says about a task: present with its details, or absent. */
function followUp(admf: Admf, a: Answer): TaskResponseDetails | undefined | 'unknown' {
  const r = a.response;
  if (r.type === 'GetTaskDetailsResponse') return (r as GetTaskDetailsResponse).taskResponseDetails;
  if (r.type === 'ErrorResponse' && admf.isKind(r.errorInformation.errorCode, 'XidDoesNotExist'))
    return undefined;
  return 'unknown';
}

/** Moves the task through the one owner of task state (src/admf/task-state.ts). */
async function settle(
  admf: Admf,
  xid: string,
  state: TaskState,
  extra: { provisioning?: ProvisioningStatus; reason?: string } = {},
) {
  return (await moveTask(admf, xid, state, 'answer to the request', extra))!;
}

/**
 * ActivateTask could not reach the NE: the task is stored `activating` (pending) and is installed when the
 * NE is reconciled and healed. Thrown inside the audited action (the audit says the request failed) and
 * turned into the pending task by {@link activateTask}.
 */
class PendingActivation extends LixError<'PendingActivation'> {
  constructor(
    readonly task: TaskRecord,
    cause: Error,
  ) {
    super('PendingActivation', `${cause.message}; the task is pending (${task.state})`, { cause });
  }
}

/**
 * ActivateTask. Resolves with the stored task: `activating` means pending (the NE could not be reached, or
 * its answer was lost and the follow-up could not tell), to be settled and installed at the NE's next
 * reconciliation and heal; the other states are the NE's answer. Throws for a refusal (the task is `failed`),
 * for a task the NE does not have after TIME2 (`failed`) and for a conflict.
 */
export async function activateTask(
  admf: Admf,
  neId: string,
  details: TaskDetails,
  warrant: TaskWarrant = {},
): Promise<TaskRecord> {
  if (warrant.validFrom !== undefined && warrant.validFrom > admf.clock.now())
    return scheduleTask(admf, neId, details, warrant);
  const t = await pendingOrThrow(() => activateAudited(admf, neId, details, warrant));
  if (warrant.validUntil !== undefined) await admf.warrants.poke();
  return t;
}

/** Runs an activation; a {@link PendingActivation} is its pending task, not an error. */
export async function pendingOrThrow(fn: () => Promise<TaskRecord>): Promise<TaskRecord> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PendingActivation) return err.task;
    throw err;
  }
}

async function activateAudited(
  admf: Admf,
  neId: string,
  details: TaskDetails,
  warrant: TaskWarrant,
): Promise<TaskRecord> {
  const xid = details.xId;
  return audited(admf, 'ActivateTask', { neId, xid }, async () => {
    await admf.requireNe(neId);
    const created = await createTask(admf, neId, details, warrant);
    // Another instance owns the NE: the desired state is stored, the owner is told and sends the request.
    if (!admf.owns(neId)) return handedOver(admf, neId, created);
    return sendActivation(admf, neId, details);
  });
}

/**
 * The warrant scheduler's activation at the start: `scheduled` → `activating` and ActivateTask, audited as
 * the system with `reason`. A task no longer `scheduled` (deactivated meanwhile) is left alone.
 */
export async function activateScheduled(
  admf: Admf,
  xid: string,
  reason: string,
): Promise<TaskRecord | undefined> {
  const t = await admf.store.getTask(xid);
  if (t?.state !== 'scheduled') return t;
  const by: Actor = { actor: 'system', reason };
  return pendingOrThrow(() =>
    audited(
      admf,
      'ActivateTask',
      { neId: t.neId, xid },
      async () => {
        const moved = await moveTask(admf, xid, 'activating', reason, { reason });
        if (moved?.state !== 'activating')
          throw new AdmfError('conflict', `task ${xid} is ${moved?.state ?? 'gone'}: not activated`);
        return sendActivation(admf, t.neId, t.details);
      },
      by,
    ),
  );
}

/** What the ADMF's warrant scheduler does at a start and an end (set as `admf.warrantActions`). */
export function warrantActions(admf: Admf): WarrantActions {
  return {
    activate: (xid, reason) => activateScheduled(admf, xid, reason),
    deactivate: (xid, reason) => deactivateTask(admf, xid, { actor: 'system', reason }),
  };
}

/** A task stored `activating` on an NE another instance owns: that owner is told, the task is pending. */
async function handedOver(admf: Admf, neId: string, created: TaskRecord): Promise<TaskRecord> {
  await admf.ownership.tell(neId, created.xid);
  return created;
}

/**
 * Sends ActivateTask for a task stored `activating` and settles it by the answer; one at a time per XID on this
 * instance ({@link Admf.activating}).
 */
export async function sendActivation(admf: Admf, neId: string, details: TaskDetails): Promise<TaskRecord> {
  const xid = details.xId;
  admf.activating.add(xid);
  try {
    return await sendActivationOnce(admf, neId, details);
  } catch (err) {
    // This instance lost the NE while the request was out: the new owner reconciles and settles the task.
    if (!(err instanceof StoreError && err.kind === 'Fenced')) throw err;
    const t = await admf.store.getTask(xid);
    if (!t) throw err;
    throw new PendingActivation(t, new Error(`${neId} changed owner while ActivateTask was out`));
  } finally {
    admf.activating.delete(xid);
  }
}

async function sendActivationOnce(admf: Admf, neId: string, details: TaskDetails): Promise<TaskRecord> {
  const xid = details.xId;
  // No answer (the NE is unreachable, or the link closed under the request): the task stays pending.
  const unanswered = async (err: unknown): Promise<never> => {
    const t = await settle(admf, xid, 'activating', { reason: (err as Error).message });
    if (err instanceof AdmfError && err.kind === 'unreachable') throw new PendingActivation(t, err);
    throw err;
  };
  let a: Answer;
  try {
    a = await admf.send(neId, { type: 'ActivateTaskRequest', taskDetails: details });
  } catch (err) {
    return unanswered(err);
  }
  const r = a.response;
  // The NE has the XID already: a previous owner's request reached it (its answer was lost with that owner).
  if (r.type === 'ErrorResponse' && admf.isKind(r.errorInformation.errorCode, 'XidAlreadyExists'))
    try {
      a = await admf.send(neId, { type: 'GetTaskDetailsRequest', xId: xid });
    } catch (err) {
      return unanswered(err);
    }
  if (a.recoveredBy || a.response.type === 'GetTaskDetailsResponse') {
    const found = followUp(admf, a);
    if (found === undefined) {
      await settle(admf, xid, 'failed', {
        reason: 'no answer within TIME2; the NE does not have the task',
      });
      throw new AdmfError(
        'unreachable',
        `ActivateTask ${xid}: no answer within TIME2 and the NE does not have the task`,
      );
    }
    if (found === 'unknown')
      return settle(admf, xid, 'activating', { reason: 'no answer within TIME2; outcome unknown' });
    const p = found.taskStatus.provisioningStatus;
    return settle(admf, xid, stateForProvisioning(p), { provisioning: p });
  }
  if (a.response.type === 'ErrorResponse') {
    const e = a.response.errorInformation;
    await settle(admf, xid, 'failed', { reason: `${e.errorCode} ${e.errorDescription}` });
    expectOk(a, 'ActivateTask');
  }
  const s = okState(a.response);
  if (s.state === 'awaitingProvisioning') return acknowledged(admf, xid, 'activating', s);
  return settle(admf, xid, s.state, { provisioning: s.provisioning });
}

/**
 * An `Acknowledged` answer moves the task on only if it is still where the request left it: the NE's
 * ReportTaskIssue may have arrived first (it travels on another connection).
 */
async function acknowledged(
  admf: Admf,
  xid: string,
  inProgress: TaskState,
  to: { state: TaskState; provisioning?: ProvisioningStatus; reason?: string },
): Promise<TaskRecord> {
  const current = await admf.store.getTask(xid);
  if (current && current.state !== inProgress) return current;
  const { state, ...extra } = to;
  return settle(admf, xid, state, extra);
}

async function liveTask(admf: Admf, xid: string): Promise<TaskRecord> {
  const t = await admf.store.getTask(xid);
  if (!t) throw new AdmfError('not-found', `no task ${xid}`);
  if (t.state === 'ended' || t.state === 'failed')
    throw new AdmfError('conflict', `task ${xid} is ${t.state}`);
  return t;
}

/**
 * ModifyTask. `warrant`, when given, replaces the task's warrant (absent fields are removed); a `scheduled`
 * task changes at the ADMF only (or starts now when its new start has come), and a task already on its NE
 * cannot have its start moved into the future.
 */
export async function modifyTask(
  admf: Admf,
  details: TaskDetails,
  warrant?: TaskWarrant,
): Promise<TaskRecord> {
  const xid = details.xId;
  const t = await liveTask(admf, xid);
  // The task's NE is another instance's: the change is handed to it (handover.ts).
  if (admf.handover && !admf.owns(t.neId))
    return admf.handover.ask(t.neId, { kind: 'ModifyTask', args: [details, warrant] }) as Promise<TaskRecord>;
  if (t.state === 'scheduled') return modifyScheduled(admf, t, details, warrant ?? t);
  const r = await modifyLive(admf, t, details, warrant);
  if (warrant !== undefined) await admf.warrants.poke();
  return r;
}

async function modifyLive(
  admf: Admf,
  t: TaskRecord,
  details: TaskDetails,
  warrant: TaskWarrant | undefined,
): Promise<TaskRecord> {
  const xid = t.xid;
  return audited(admf, 'ModifyTask', { neId: t.neId, xid }, async () => {
    if (warrant?.validFrom !== undefined && warrant.validFrom > admf.clock.now())
      throw new AdmfError(
        'conflict',
        `task ${xid} is already on its NE (${t.state}): its validFrom cannot move into the future`,
      );
    if (!(await startModify(admf, t, details, warrant)))
      throw new AdmfError('conflict', `task ${xid} is ${t.state}: it cannot be modified now`);
    const a = await admf.send(t.neId, { type: 'ModifyTaskRequest', taskDetails: details });
    if (a.recoveredBy) {
      const found = followUp(admf, a);
      if (found === undefined) return settle(admf, xid, 'ended', { reason: 'the NE no longer has the task' });
      if (found === 'unknown')
        return settle(admf, xid, 'modifying', { reason: 'no answer within TIME2; outcome unknown' });
      const p = found.taskStatus.provisioningStatus;
      return settle(admf, xid, stateForProvisioning(p), { provisioning: p });
    }
    if (a.response.type === 'ErrorResponse') {
      // The old details stay in force at the NE.
      await undoModify(admf, t);
      expectOk(a, 'ModifyTask');
    }
    const s = okState(a.response);
    if (s.state === 'awaitingProvisioning') return acknowledged(admf, xid, 'modifying', s);
    return settle(admf, xid, s.state, { provisioning: s.provisioning });
  });
}

/**
 * DeactivateTask, by an operator or (`by`) by the warrant scheduler. A `scheduled` task is not on its NE: it
 * ends at the ADMF without X1.
 */
export async function deactivateTask(admf: Admf, xid: string, by: Actor = OPERATOR): Promise<TaskRecord> {
  const t = await liveTask(admf, xid);
  // The task's NE is another instance's: the change is handed to it (handover.ts).
  if (admf.handover && !admf.owns(t.neId))
    return admf.handover.ask(t.neId, { kind: 'DeactivateTask', args: [xid, by] }) as Promise<TaskRecord>;
  const deactivated = by.reason === undefined ? 'deactivated' : `deactivated: ${by.reason}`;
  return audited(
    admf,
    'DeactivateTask',
    { neId: t.neId, xid },
    () =>
      t.state === 'scheduled' ? endScheduled(admf, t, by, deactivated) : deactivateLive(admf, t, deactivated),
    by,
  );
}

async function endScheduled(admf: Admf, t: TaskRecord, by: Actor, deactivated: string): Promise<TaskRecord> {
  // Its start may have come meanwhile (the scheduler sent ActivateTask): then it is deactivated on the NE.
  const now = await admf.store.getTask(t.xid);
  if (now?.state === 'ended' || now?.state === 'failed') return now;
  if (now && now.state !== 'scheduled') return deactivateLive(admf, now, deactivated);
  const why = by.reason ?? 'deactivated before its warrant started';
  return settle(admf, t.xid, 'ended', { reason: `${why} (it was never on its NE)` });
}

async function deactivateLive(admf: Admf, t: TaskRecord, deactivated: string): Promise<TaskRecord> {
  const xid = t.xid;
  await settle(admf, xid, 'deactivating');
  const a = await admf.send(t.neId, { type: 'DeactivateTaskRequest', xId: xid });
  if (a.recoveredBy) {
    const found = followUp(admf, a);
    if (found === undefined) return settle(admf, xid, 'ended', { reason: deactivated });
    return settle(admf, xid, 'deactivating', {
      reason: 'no answer within TIME2; the NE still has the task',
    });
  }
  const r = a.response;
  if (r.type === 'ErrorResponse' && admf.isKind(r.errorInformation.errorCode, 'XidDoesNotExist'))
    return settle(admf, xid, 'ended', { reason: 'the NE did not have the task' });
  expectOk(a, 'DeactivateTask');
  if ('oK' in r && r.oK === 'Acknowledged')
    return acknowledged(admf, xid, 'deactivating', {
      state: 'deactivating',
      reason: 'awaiting the NE report',
    });
  return settle(admf, xid, 'ended', { reason: deactivated });
}

/** Live status of a task from its NE (GetTaskDetails), with the stored record. */
export async function taskStatus(
  admf: Admf,
  xid: string,
): Promise<{ task: TaskRecord; live: TaskResponseDetails | undefined }> {
  const t = await admf.store.getTask(xid);
  if (!t) throw new AdmfError('not-found', `no task ${xid}`);
  // The task's NE is another instance's: the change is handed to it (handover.ts).
  if (admf.handover && !admf.owns(t.neId))
    return admf.handover.ask(t.neId, { kind: 'TaskStatus', args: [xid] }) as Promise<
      Awaited<ReturnType<typeof taskStatus>>
    >;
  const r = expectOkOrMissing(admf, await admf.send(t.neId, { type: 'GetTaskDetailsRequest', xId: xid }));
  return { task: t, live: r };
}

function expectOkOrMissing(admf: Admf, a: Answer): TaskResponseDetails | undefined {
  const f = followUp(admf, a);
  if (f === 'unknown') expectOk(a, 'GetTaskDetails');
  return f === 'unknown' ? undefined : f;
}

/** DeactivateAllTasks (clause 6.2.4; disabled at the NE unless agreed): every live task of the NE ends. */
export async function deactivateAllTasks(admf: Admf, neId: string): Promise<TaskRecord[]> {
  const change = { kind: 'DeactivateAllTasks', args: [neId] };
  return onOwner(admf, neId, change, () => deactivateAllHere(admf, neId));
}

function deactivateAllHere(admf: Admf, neId: string): Promise<TaskRecord[]> {
  return audited(admf, 'DeactivateAllTasks', { neId }, async () => {
    await admf.requireNe(neId);
    const live = await admf.store.listTasks({ neId, states: LIVE_TASK_STATES });
    const a = await admf.send(neId, { type: 'DeactivateAllTasksRequest' });
    const r = a.response;
    let left = new Set<string>();
    if (a.recoveredBy) {
      if (r.type !== 'ListAllDetailsResponse') expectOk(a, 'DeactivateAllTasks');
      if (r.type === 'ListAllDetailsResponse') left = new Set(r.ListOfXIDs);
    } else expectOk(a, 'DeactivateAllTasks');
    const pending = 'oK' in r && r.oK === 'Acknowledged';
    for (const t of live) {
      if (left.has(t.xid)) continue;
      if (pending) await settle(admf, t.xid, 'deactivating', { reason: 'awaiting the NE report' });
      else await settle(admf, t.xid, 'ended', { reason: 'deactivated (DeactivateAllTasks)' });
    }
    // Tasks whose warrant has not started are not on the NE: they end here, or they would start later.
    for (const t of await admf.store.listTasks({ neId, states: ['scheduled'] }))
      await settle(admf, t.xid, 'ended', {
        reason: 'deactivated (DeactivateAllTasks) before its warrant started',
      });
    return admf.store.listTasks({ neId });
  });
}

/** RemoveAllDestinations (clause 6.3.4; disabled at the NE unless agreed, refused while any is in use). */
export async function removeAllDestinations(admf: Admf, neId: string): Promise<void> {
  const change = { kind: 'RemoveAllDestinations', args: [neId] };
  return onOwner(admf, neId, change, () => removeAllHere(admf, neId));
}

function removeAllHere(admf: Admf, neId: string): Promise<void> {
  return audited(admf, 'RemoveAllDestinations', { neId }, async () => {
    await admf.requireNe(neId);
    expectOk(await admf.send(neId, { type: 'RemoveAllDestinationsRequest' }), 'RemoveAllDestinations');
    for (const d of await admf.store.listDestinations(neId))
      await fenced(admf, neId, (f) => admf.store.deleteDestination(neId, d.did, f));
  });
}
