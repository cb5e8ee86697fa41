/**
 * Task lifecycle at the NE (TS 103 221-1 clauses 6.2.1–6.2.4): ActivateTask, ModifyTask (whole replacement),
 * DeactivateTask, DeactivateAllTasks. A change is committed before it is acknowledged; when the data plane
 * takes longer than the TIME1 budget the answer is `Acknowledged` and a ReportTaskIssue
 * FullyActionedAndSuccessful / FullyActionedAndUnsuccessful follows (DESIGN.md).
 */
import { X1Error } from '../../x1/errors.js';
import type {
  ActivateTaskRequest,
  DeactivateAllTasksRequest,
  DeactivateTaskRequest,
  DestinationDetails,
  ModifyTaskRequest,
  OkResponse,
  ServiceType,
  TaskDetails,
} from '../../x1/model.js';
import type { NeContext } from '../context.js';
import { okResponse } from '../../x1/responses.js';
import { requestAuditRow } from '../audit.js';
import { TaskStateRefusal, type Generation, type PendingRequest } from '../task-state.js';
import { raceBudget, type LateHandlers } from './budget.js';

/** Service types whose signalling the probe sees (SIP, Diameter, GTP-C). */
const SUPPORTED_SERVICE_TYPES: ReadonlySet<ServiceType> = new Set(['voice', 'data', 'messaging']);

/** Every check an activation or modification must pass before anything changes. */
function checkTask(ctx: NeContext, t: TaskDetails): DestinationDetails[] {
  const refusal = ctx.dataPlane.checkTask(t);
  if (refusal) throw new X1Error(refusal.kind, refusal.reason);
  const unsupported = t.listOfServiceTypes?.find((s) => !SUPPORTED_SERVICE_TYPES.has(s));
  if (unsupported)
    throw new X1Error('ServiceTypeUnsupported', `service type ${unsupported} is not supported`);
  if (t.listOfDIDs.dSIds.length > 0)
    throw new X1Error('DidDoesNotExist', 'destination sets are not supported (no such DID)');
  const dids = new Set([
    ...t.listOfDIDs.dIds,
    ...(t.listOfMediationDetails ?? []).flatMap((m) => m.listOfDIDs?.dIds ?? []),
  ]);
  const destinations = [...dids].map((did) => {
    const d = ctx.store.getDestination(did);
    if (!d) throw new X1Error('DidDoesNotExist', `DID ${did} does not exist`);
    return d.details;
  });
  if (destinations.length === 0) throw new X1Error('DeliveryTypeMismatch', 'the task names no destination');
  const needs = t.deliveryType === 'X2andX3' ? ['X2', 'X3'] : [t.deliveryType === 'X2Only' ? 'X2' : 'X3'];
  for (const d of destinations) {
    const carries = d.deliveryType === 'X2andX3' ? ['X2', 'X3'] : [d.deliveryType === 'X2Only' ? 'X2' : 'X3'];
    if (!carries.some((c) => needs.includes(c))) {
      throw new X1Error(
        'DeliveryTypeMismatch',
        `destination ${d.dId} (${d.deliveryType}) carries nothing a ${t.deliveryType} task delivers`,
      );
    }
  }
  const covered = new Set(
    destinations.flatMap((d) => (d.deliveryType === 'X2andX3' ? ['X2', 'X3'] : [d.deliveryType.slice(0, 2)])),
  );
  const missing = needs.find((n) => !covered.has(n));
  if (missing)
    throw new X1Error(
      'DeliveryTypeMismatch',
      `no destination takes the ${missing} data of a ${t.deliveryType} task`,
    );
  return destinations;
}

/**
 * Late handlers that hand a late outcome to the task-state owner, once the change that started the wait has
 * told its generation (the outcome may settle before the handler has written the change).
 */
function lateTo(ctx: NeContext, xids: () => ReadonlyMap<string, Generation>, request: PendingRequest) {
  let resolve!: () => void;
  const ready = new Promise<void>((r) => (resolve = r));
  const handlers: LateHandlers = {
    onLateSuccess: () =>
      void ready.then(() => {
        for (const [xid, g] of xids()) ctx.tasks.lateOutcome(xid, request, g, true);
      }),
    onLateFailure: (why) =>
      void ready.then(() => {
        for (const [xid, g] of xids()) ctx.tasks.lateOutcome(xid, request, g, false, why);
      }),
  };
  return { handlers, ready: resolve };
}

/** An answer that may be sent only once its change has committed (group commit); `rollback` undoes the data plane. */
export interface DeferredResponse {
  readonly response: OkResponse;
  readonly committed: Promise<void>;
  rollback(): Promise<void>;
}

export async function activateTask(
  ctx: NeContext,
  m: ActivateTaskRequest,
  deadline: number,
): Promise<DeferredResponse> {
  const t = m.taskDetails;
  if (ctx.store.getTask(t.xId) || ctx.audit.stagedXids.has(t.xId)) {
    throw new X1Error('XidAlreadyExists', `XID ${t.xId} already exists`);
  }
  const destinations = checkTask(ctx, t);
  // The data plane first, then the commit (task + audit, grouped with concurrent activations): a crash in
  // between leaves nothing acknowledged.
  let generation: Generation = 0;
  const late = lateTo(ctx, () => new Map([[t.xId, generation]]), 'activate');
  const outcome = await raceBudget(ctx, deadline, ctx.dataPlane.applyTask(t, destinations), late.handlers);
  if (outcome.kind === 'failed')
    throw new X1Error('ActivateFailed', `activation of ${t.xId} failed: ${outcome.reason}`);
  const started = ctx.tasks.activate(t, outcome.kind === 'late', requestAuditRow(m, 'ok'));
  generation = started.generation;
  late.ready();
  const ok = outcome.kind === 'done' ? 'AcknowledgedAndCompleted' : 'Acknowledged';
  return {
    response: okResponse(ctx.me, m.header, 'ActivateTaskResponse', ok),
    committed: started.committed,
    rollback: () => ctx.dataPlane.removeTask(t.xId),
  };
}

export async function modifyTask(
  ctx: NeContext,
  m: ModifyTaskRequest,
  deadline: number,
): Promise<OkResponse> {
  const t = m.taskDetails;
  const old = ctx.store.getTask(t.xId);
  if (!old) throw new X1Error('XidDoesNotExist', `XID ${t.xId} does not exist`);
  try {
    ctx.tasks.checkModify(t.xId);
  } catch (err) {
    if (err instanceof TaskStateRefusal) throw new X1Error('ModifyFailed', `${t.xId}: ${err.message}`);
    throw err;
  }
  const destinations = checkTask(ctx, t);
  let generation: Generation = 0;
  const late = lateTo(ctx, () => new Map([[t.xId, generation]]), 'modify');
  const outcome = await raceBudget(ctx, deadline, ctx.dataPlane.applyTask(t, destinations), late.handlers);
  if (outcome.kind === 'failed') {
    // The old task stays in force, in the data plane as in the store (which was not touched).
    const oldDestinations = old.details.listOfDIDs.dIds.flatMap(
      (d) => ctx.store.getDestination(d)?.details ?? [],
    );
    await ctx.dataPlane.applyTask(old.details, oldDestinations).catch(() => undefined);
    throw new X1Error('ModifyFailed', `modification of ${t.xId} failed: ${outcome.reason}`);
  }
  generation = ctx.tasks.modify(t, outcome.kind === 'late', requestAuditRow(m, 'ok'));
  late.ready();
  return okResponse(
    ctx.me,
    m.header,
    'ModifyTaskResponse',
    outcome.kind === 'done' ? 'AcknowledgedAndCompleted' : 'Acknowledged',
  );
}

export async function deactivateTask(
  ctx: NeContext,
  m: DeactivateTaskRequest,
  deadline: number,
): Promise<OkResponse> {
  const xid = m.xId;
  if (!ctx.store.getTask(xid)) throw new X1Error('XidDoesNotExist', `XID ${xid} does not exist`);
  let generations: ReadonlyMap<string, Generation> = new Map();
  const late = lateTo(ctx, () => generations, 'deactivate');
  const outcome = await raceBudget(ctx, deadline, ctx.dataPlane.removeTask(xid), late.handlers);
  // A data plane that fails to stop still loses the task: interception must not outlive its authorisation.
  const detail =
    outcome.kind === 'late'
      ? 'acknowledged'
      : outcome.kind === 'failed'
        ? `data plane reported: ${outcome.reason}`
        : undefined;
  // A task removed by hand while the data plane worked is gone already: nothing left to write.
  const present = ctx.tasks.state(xid).kind === 'absent' ? [] : [xid];
  generations = ctx.tasks.deactivate(present, outcome.kind === 'late', requestAuditRow(m, 'ok', detail));
  late.ready();
  const ok = outcome.kind === 'late' ? 'Acknowledged' : 'AcknowledgedAndCompleted';
  return okResponse(ctx.me, m.header, 'DeactivateTaskResponse', ok);
}

export async function deactivateAllTasks(
  ctx: NeContext,
  m: DeactivateAllTasksRequest,
  deadline: number,
): Promise<OkResponse> {
  if (!ctx.config.deactivateAllEnabled)
    throw new X1Error('DeactivateAllDisabled', 'DeactivateAllTasks is not enabled on this NE');
  const xids = ctx.store.listXids();
  const all = Promise.allSettled(xids.map((x) => ctx.dataPlane.removeTask(x))).then(() => undefined);
  let generations: ReadonlyMap<string, Generation> = new Map();
  const late = lateTo(ctx, () => generations, 'deactivate');
  const outcome = await raceBudget(ctx, deadline, all, late.handlers);
  const isLate = outcome.kind === 'late';
  const detail = `${xids.length} task(s)${isLate ? ', acknowledged' : ''}`;
  // Tasks removed by hand while the data plane worked are gone already.
  const present = xids.filter((x) => ctx.tasks.state(x).kind !== 'absent');
  generations = ctx.tasks.deactivate(present, isLate, requestAuditRow(m, 'ok', detail));
  late.ready();
  return okResponse(
    ctx.me,
    m.header,
    'DeactivateAllTasksResponse',
    isLate ? 'Acknowledged' : 'AcknowledgedAndCompleted',
  );
}
