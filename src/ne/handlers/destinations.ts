/**
 * Destinations at the NE (TS 103 221-1 clauses 6.3.1–6.3.4): CreateDestination, ModifyDestination,
 * RemoveDestination (refused while a task uses it), RemoveAllDestinations (when enabled; refused while any is
 * used).
 */
import { X1Error } from '../../x1/errors.js';
import type {
  CreateDestinationRequest,
  DestinationDetails,
  ModifyDestinationRequest,
  OkResponse,
  RemoveAllDestinationsRequest,
  RemoveDestinationRequest,
} from '../../x1/model.js';
import type { NeContext } from '../context.js';
import { requestAuditRow } from '../audit.js';
import { okResponse } from '../../x1/responses.js';

function check(ctx: NeContext, d: DestinationDetails): void {
  const refusal = ctx.dataPlane.checkDestination(d);
  if (refusal) throw new X1Error(refusal.kind, refusal.reason);
}

export async function createDestination(ctx: NeContext, m: CreateDestinationRequest): Promise<OkResponse> {
  const d = m.destinationDetails;
  if (ctx.store.getDestination(d.dId)) throw new X1Error('DidAlreadyExists', `DID ${d.dId} already exists`);
  check(ctx, d);
  ctx.audit.commit(() => ctx.store.insertDestination(d), requestAuditRow(m, 'ok'));
  await ctx.dataPlane.applyDestination(d);
  return okResponse(ctx.me, m.header, 'CreateDestinationResponse', 'AcknowledgedAndCompleted');
}

export async function modifyDestination(ctx: NeContext, m: ModifyDestinationRequest): Promise<OkResponse> {
  const d = m.destinationDetails;
  const old = ctx.store.getDestination(d.dId);
  if (!old) throw new X1Error('DidDoesNotExist', `DID ${d.dId} does not exist`);
  check(ctx, d);
  for (const xid of ctx.store.tasksUsingDestination(d.dId)) {
    const t = ctx.store.getTask(xid);
    const tdt = t?.details.deliveryType;
    if (tdt && tdt !== 'X2andX3' && d.deliveryType !== 'X2andX3' && d.deliveryType !== tdt) {
      throw new X1Error(
        'DeliveryTypeMismatch',
        `task ${xid} (${tdt}) uses this destination; it cannot become ${d.deliveryType}`,
      );
    }
  }
  ctx.audit.commit(() => ctx.store.replaceDestination(d), requestAuditRow(m, 'ok'));
  await ctx.dataPlane.applyDestination(d);
  return okResponse(ctx.me, m.header, 'ModifyDestinationResponse', 'AcknowledgedAndCompleted');
}

export async function removeDestination(ctx: NeContext, m: RemoveDestinationRequest): Promise<OkResponse> {
  if (!ctx.store.getDestination(m.dId)) throw new X1Error('DidDoesNotExist', `DID ${m.dId} does not exist`);
  const users = ctx.store.tasksUsingDestination(m.dId);
  if (users.length > 0) {
    throw new X1Error(
      'DestinationInUse',
      `DID ${m.dId} is used by ${users.length} task(s), e.g. ${users[0]}`,
    );
  }
  ctx.audit.commit(() => ctx.store.deleteDestination(m.dId), requestAuditRow(m, 'ok'));
  await ctx.dataPlane.removeDestination(m.dId);
  return okResponse(ctx.me, m.header, 'RemoveDestinationResponse', 'AcknowledgedAndCompleted');
}

export async function removeAllDestinations(
  ctx: NeContext,
  m: RemoveAllDestinationsRequest,
): Promise<OkResponse> {
  if (!ctx.config.removeAllDestinationsEnabled) {
    throw new X1Error('RemoveAllDestinationsDisabled', 'RemoveAllDestinations is not enabled on this NE');
  }
  const dids = ctx.store.listDestinations().map((d) => d.details.dId);
  const used = dids.filter((did) => ctx.store.tasksUsingDestination(did).length > 0);
  if (used.length > 0)
    throw new X1Error('DestinationsInUse', `${used.length} destination(s) are in use, e.g. ${used[0]}`);
  ctx.audit.commit(
    () => ctx.store.deleteAllDestinations(),
    requestAuditRow(m, 'ok', `${dids.length} removed`),
  );
  for (const did of dids) await ctx.dataPlane.removeDestination(did);
  return okResponse(ctx.me, m.header, 'RemoveAllDestinationsResponse', 'AcknowledgedAndCompleted');
}
