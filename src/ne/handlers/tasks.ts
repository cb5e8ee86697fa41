/**
 * Task lifecycle at the NE (TS 103 221-1 clauses 6.2.1–6.2.4): ActivateTask, ModifyTask (whole replacement),
 * DeactivateTask, DeactivateAllTasks. A change is committed before it is acknowledged; when the data plane
 * takes longer than the TIME1 budget the answer is `Acknowledged` and a ReportTaskIssue
 * FullyActionedAndSuccessful / FullyActionedAndUnsuccessful follows (DESIGN.md).
 */
import { ISSUE_CODES, X1Error } from '../../x1/errors.js';
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
import { formatTimestamp } from '../../x1/simple-types.js';
import type { NeContext } from '../context.js';
import { okResponse } from '../responses.js';
import { requestAuditRow } from '../audit.js';
import { raceBudget } from './budget.js';

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

function now(ctx: NeContext): string {
  return formatTimestamp(ctx.clock.nowMicros());
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
  const outcome = await raceBudget(ctx, deadline, ctx.dataPlane.applyTask(t, destinations), {
    onLateSuccess: () =>
      ctx.audit.commit(() => {
        ctx.store.setProvisioningStatus(t.xId, 'complete');
        ctx.issues.task(t.xId, 'FullyActionedAndSuccessful', ISSUE_CODES.Actioned, 'activation completed');
      }),
    onLateFailure: (why) =>
      ctx.audit.commit(() => {
        ctx.issues.task(
          t.xId,
          'FullyActionedAndUnsuccessful',
          ISSUE_CODES.Terminating,
          `activation failed: ${why}`,
        );
        removeFromStore(ctx, t.xId, 'system', `activation failed: ${why}`);
      }),
  });
  if (outcome.kind === 'failed')
    throw new X1Error('ActivateFailed', `activation of ${t.xId} failed: ${outcome.reason}`);
  const status = outcome.kind === 'done' ? 'complete' : 'awaitingProvisioning';
  const committed = ctx.audit.stage(
    () => ctx.store.insertTask({ details: t, origin: 'x1', provisioningStatus: status, at: now(ctx) }),
    requestAuditRow(m, 'ok'),
    t.xId,
  );
  const ok = outcome.kind === 'done' ? 'AcknowledgedAndCompleted' : 'Acknowledged';
  return {
    response: okResponse(ctx.me, m.header, 'ActivateTaskResponse', ok),
    committed,
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
  const destinations = checkTask(ctx, t);
  const outcome = await raceBudget(ctx, deadline, ctx.dataPlane.applyTask(t, destinations), {
    onLateSuccess: () =>
      ctx.audit.commit(() => {
        ctx.store.setProvisioningStatus(t.xId, 'complete');
        ctx.issues.task(t.xId, 'FullyActionedAndSuccessful', ISSUE_CODES.Actioned, 'modification completed');
      }),
    onLateFailure: (why) => {
      void ctx.dataPlane.removeTask(t.xId).catch(() => undefined);
      ctx.audit.commit(() => {
        ctx.issues.task(
          t.xId,
          'FullyActionedAndUnsuccessful',
          ISSUE_CODES.Terminating,
          `modification failed: ${why}`,
        );
        removeFromStore(ctx, t.xId, 'system', `modification failed: ${why}`);
      });
    },
  });
  if (outcome.kind === 'failed') {
    // The old task stays in force, in the data plane as in the store (which was not touched).
    const oldDestinations = old.details.listOfDIDs.dIds.flatMap(
      (d) => ctx.store.getDestination(d)?.details ?? [],
    );
    await ctx.dataPlane.applyTask(old.details, oldDestinations).catch(() => undefined);
    throw new X1Error('ModifyFailed', `modification of ${t.xId} failed: ${outcome.reason}`);
  }
  ctx.audit.commit(
    () => {
      ctx.store.replaceTask(t, now(ctx));
      ctx.store.setProvisioningStatus(t.xId, outcome.kind === 'done' ? 'complete' : 'awaitingProvisioning');
    },
    requestAuditRow(m, 'ok'),
  );
  return okResponse(
    ctx.me,
    m.header,
    'ModifyTaskResponse',
    outcome.kind === 'done' ? 'AcknowledgedAndCompleted' : 'Acknowledged',
  );
}

/** Deletes a task and its faults from the store, audited. */
export function removeFromStore(
  ctx: NeContext,
  xid: string,
  actor: 'x1' | 'manual' | 'system',
  detail: string,
  transactionId?: string,
): void {
  ctx.audit.commit(() => ctx.store.deleteTask(xid), {
    actor,
    action: 'RemoveTask',
    xid,
    outcome: 'ok',
    detail,
    ...(transactionId !== undefined && { transactionId }),
  });
}

export async function deactivateTask(
  ctx: NeContext,
  m: DeactivateTaskRequest,
  deadline: number,
): Promise<OkResponse> {
  const xid = m.xId;
  if (!ctx.store.getTask(xid)) throw new X1Error('XidDoesNotExist', `XID ${xid} does not exist`);
  const outcome = await raceBudget(ctx, deadline, ctx.dataPlane.removeTask(xid), {
    onLateSuccess: () =>
      ctx.audit.commit(() => {
        ctx.store.deleteTask(xid);
        ctx.issues.task(xid, 'FullyActionedAndSuccessful', ISSUE_CODES.Actioned, 'deactivation completed');
      }),
    onLateFailure: (why) =>
      ctx.audit.commit(() => {
        ctx.store.deleteTask(xid);
        ctx.issues.task(
          xid,
          'FullyActionedAndUnsuccessful',
          ISSUE_CODES.Terminating,
          `deactivation failed: ${why}`,
        );
      }),
  });
  if (outcome.kind === 'late') {
    ctx.audit.commit(
      () => ctx.store.setProvisioningStatus(xid, 'awaitingProvisioning'),
      requestAuditRow(m, 'ok', 'acknowledged'),
    );
    return okResponse(ctx.me, m.header, 'DeactivateTaskResponse', 'Acknowledged');
  }
  // A data plane that fails to stop still loses the task: interception must not outlive its authorisation.
  const detail = outcome.kind === 'failed' ? `data plane reported: ${outcome.reason}` : undefined;
  ctx.audit.commit(() => ctx.store.deleteTask(xid), requestAuditRow(m, 'ok', detail));
  return okResponse(ctx.me, m.header, 'DeactivateTaskResponse', 'AcknowledgedAndCompleted');
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
  const outcome = await raceBudget(ctx, deadline, all, {
    onLateSuccess: () =>
      ctx.audit.commit(() => {
        for (const xid of xids) {
          ctx.store.deleteTask(xid);
          ctx.issues.task(xid, 'FullyActionedAndSuccessful', ISSUE_CODES.Actioned, 'deactivation completed');
        }
      }),
    onLateFailure: () => undefined,
  });
  if (outcome.kind === 'late') {
    ctx.audit.commit(
      () => {
        for (const xid of xids) ctx.store.setProvisioningStatus(xid, 'awaitingProvisioning');
      },
      requestAuditRow(m, 'ok', `${xids.length} task(s), acknowledged`),
    );
    return okResponse(ctx.me, m.header, 'DeactivateAllTasksResponse', 'Acknowledged');
  }
  ctx.audit.commit(
    () => {
      for (const xid of xids) ctx.store.deleteTask(xid);
    },
    requestAuditRow(m, 'ok', `${xids.length} task(s)`),
  );
  return okResponse(ctx.me, m.header, 'DeactivateAllTasksResponse', 'AcknowledgedAndCompleted');
}
