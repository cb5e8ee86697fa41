/**
 * Status at the NE (TS 103 221-1 clause 6.4): answered from the store, with faults kept until cleared.
 */
import { X1Error } from '../../x1/errors.js';
import type {
  DestinationResponseDetails,
  ErrorInformation,
  GetAllDestinationDetailsResponse,
  GetDestinationDetailsResponse,
  GetNEStatusResponse,
  GetTaskDetailsResponse,
  ListAllDetailsResponse,
  MessageHeader,
  NeStatusDetails,
  TaskResponseDetails,
} from '../../x1/model.js';
import type { StoredDestination, StoredTask } from '../../store/ne-store.js';
import { encodeBulkTaskResponse, type EncodedResponseMessage, type PreEncodedTask } from '../../x1/encode.js';
import type { NeContext } from '../context.js';
import { responseHeader } from '../../x1/responses.js';

export function taskResponseDetails(
  ctx: NeContext,
  t: StoredTask,
  faults?: Map<string, ErrorInformation[]>,
): TaskResponseDetails {
  const s = t.status;
  return {
    taskDetails: t.details,
    taskStatus: {
      provisioningStatus: s.provisioningStatus,
      listOfFaults: faults
        ? (faults.get(t.details.xId) ?? [])
        : ctx.store.listFaults({ kind: 'task', id: t.details.xId }),
      ...(s.timeOfLastIntercept !== undefined && { timeOfLastIntercept: s.timeOfLastIntercept }),
      amountOfX2Data: s.amountOfX2Data,
      ...(s.timeOfLastModification !== undefined && { timeOfLastModification: s.timeOfLastModification }),
      numberOfModifications: s.numberOfModifications,
      taskStatusExtensions: [],
    },
  };
}

export function destinationResponseDetails(
  ctx: NeContext,
  d: StoredDestination,
  faults?: Map<string, ErrorInformation[]>,
): DestinationResponseDetails {
  return {
    destinationDetails: d.details,
    destinationStatus: {
      destinationDeliveryStatus: d.deliveryStatus,
      listOfFaults: faults
        ? (faults.get(d.details.dId) ?? [])
        : ctx.store.listFaults({ kind: 'destination', id: d.details.dId }),
    },
  };
}

function neStatusDetails(ctx: NeContext): NeStatusDetails {
  const listOfFaults = ctx.store.listFaults({ kind: 'ne', id: ctx.config.id });
  return { neStatus: listOfFaults.length > 0 ? 'Faults' : 'OK', listOfFaults };
}

export function getTaskDetails(ctx: NeContext, h: MessageHeader, xid: string): GetTaskDetailsResponse {
  const t = ctx.store.getTask(xid);
  if (!t) throw new X1Error('XidDoesNotExist', `XID ${xid} does not exist`);
  return {
    type: 'GetTaskDetailsResponse',
    header: responseHeader(ctx.me, h),
    taskResponseDetails: taskResponseDetails(ctx, t),
  };
}

export function getDestinationDetails(
  ctx: NeContext,
  h: MessageHeader,
  did: string,
): GetDestinationDetailsResponse {
  const d = ctx.store.getDestination(did);
  if (!d) throw new X1Error('DidDoesNotExist', `DID ${did} does not exist`);
  return {
    type: 'GetDestinationDetailsResponse',
    header: responseHeader(ctx.me, h),
    destinationResponseDetails: destinationResponseDetails(ctx, d),
  };
}

export function getNeStatus(ctx: NeContext, h: MessageHeader): GetNEStatusResponse {
  return {
    type: 'GetNEStatusResponse',
    header: responseHeader(ctx.me, h),
    neStatusDetails: neStatusDetails(ctx),
  };
}

function allDestinations(ctx: NeContext): DestinationResponseDetails[] {
  const faults = ctx.store.faultsByScope('destination');
  return ctx.store.listDestinations().map((d) => destinationResponseDetails(ctx, d, faults));
}

/** Every task from its stored fragment: no parsing and re-encoding of 100,000 task details. */
function* preEncodedTasks(ctx: NeContext): Generator<PreEncodedTask> {
  const faults = ctx.store.faultsByScope('task');
  for (const t of ctx.store.iterateTaskFragments()) {
    const s = t.status;
    yield {
      taskDetailsXml: t.taskDetailsXml,
      taskStatus: {
        provisioningStatus: s.provisioningStatus,
        listOfFaults: faults.get(t.xid) ?? [],
        ...(s.timeOfLastIntercept !== undefined && { timeOfLastIntercept: s.timeOfLastIntercept }),
        amountOfX2Data: s.amountOfX2Data,
        ...(s.timeOfLastModification !== undefined && { timeOfLastModification: s.timeOfLastModification }),
        numberOfModifications: s.numberOfModifications,
        taskStatusExtensions: [],
      },
    };
  }
}

export function getAllDetails(ctx: NeContext, h: MessageHeader): EncodedResponseMessage {
  return encodeBulkTaskResponse('GetAllDetailsResponse', responseHeader(ctx.me, h), preEncodedTasks(ctx), {
    neStatusDetails: neStatusDetails(ctx),
    destinations: allDestinations(ctx),
  });
}

export function getAllTaskDetails(ctx: NeContext, h: MessageHeader): EncodedResponseMessage {
  return encodeBulkTaskResponse(
    'GetAllTaskDetailsResponse',
    responseHeader(ctx.me, h),
    preEncodedTasks(ctx),
    undefined,
  );
}

export function getAllDestinationDetails(ctx: NeContext, h: MessageHeader): GetAllDestinationDetailsResponse {
  return {
    type: 'GetAllDestinationDetailsResponse',
    header: responseHeader(ctx.me, h),
    listOfDestinationResponseDetails: allDestinations(ctx),
  };
}

export function listAllDetails(ctx: NeContext, h: MessageHeader): ListAllDetailsResponse {
  return {
    type: 'ListAllDetailsResponse',
    header: responseHeader(ctx.me, h),
    ListOfXIDs: ctx.store.listXids(),
    ListOfDIDs: { dIds: ctx.store.listDestinations().map((d) => d.details.dId), dSIds: [] },
  };
}
