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
  MessageHeader,
  NeStatusDetails,
  TaskResponseDetails,
  TaskStatus,
} from '../../x1/model.js';
import type { NeSnapshot, StoredDestination, StoredTask, TaskSliceEntry } from '../../store/ne-store.js';
import {
  bulkTaskResponse,
  listAllDetailsResponse,
  type PreEncodedTask,
  type StreamedResponseMessage,
} from '../../x1/encode-stream.js';
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

/** Tasks per slice of a bulk answer (~150 KB): small enough that a Ping waits for one slice at most. */
export const BULK_SLICE_TASKS = 256;
/** XIDs per slice of a ListAllDetails answer. */
export const BULK_SLICE_XIDS = 4096;

/** Bulk status requests, whose answers grow with the number of tasks. */
export const BULK_REQUESTS: ReadonlySet<string> = new Set([
  'GetAllDetailsRequest',
  'GetAllTaskDetailsRequest',
  'ListAllDetailsRequest',
]);

const NO_EXTENSIONS: TaskStatus['taskStatusExtensions'] = [];

/** The answer's status of a stored task (X3 amounts are not reported: the probe delivers X2 only). */
function toPreEncoded(t: TaskSliceEntry): PreEncodedTask {
  const s = t.status;
  const taskStatus: { -readonly [K in keyof TaskStatus]: TaskStatus[K] } = {
    provisioningStatus: s.provisioningStatus,
    listOfFaults: t.faults as TaskStatus['listOfFaults'],
    amountOfX2Data: s.amountOfX2Data,
    numberOfModifications: s.numberOfModifications,
    taskStatusExtensions: NO_EXTENSIONS,
  };
  if (s.timeOfLastIntercept !== undefined) taskStatus.timeOfLastIntercept = s.timeOfLastIntercept;
  if (s.timeOfLastModification !== undefined) taskStatus.timeOfLastModification = s.timeOfLastModification;
  return { taskDetailsXml: t.taskDetailsXml, taskStatus };
}

/** Runs `fn` on a new snapshot, which the answer releases; closes it at once when `fn` throws. */
function withSnapshot<T>(ctx: NeContext, fn: (snap: NeSnapshot) => T): T {
  const snap = ctx.store.snapshot();
  try {
    return fn(snap);
  } catch (err) {
    snap.close();
    throw err;
  }
}

function taskSource(snap: NeSnapshot) {
  return {
    nextSlice: () => snap.nextTasks(BULK_SLICE_TASKS).map(toPreEncoded),
    release: () => snap.close(),
  };
}

/**
 * Every task, destination and the NE's status as they were when the request was handled (a store snapshot),
 * written slice by slice: bounded memory at any number of tasks.
 */
export function getAllDetails(ctx: NeContext, h: MessageHeader): StreamedResponseMessage {
  return withSnapshot(ctx, (snap) => {
    const neFaults = snap.faultsByScope('ne').get(ctx.config.id) ?? [];
    const destFaults = snap.faultsByScope('destination');
    return bulkTaskResponse('GetAllDetailsResponse', responseHeader(ctx.me, h), taskSource(snap), {
      neStatusDetails: { neStatus: neFaults.length > 0 ? 'Faults' : 'OK', listOfFaults: neFaults },
      destinations: snap.destinations().map((d) => destinationResponseDetails(ctx, d, destFaults)),
    });
  });
}

export function getAllTaskDetails(ctx: NeContext, h: MessageHeader): StreamedResponseMessage {
  return withSnapshot(ctx, (snap) =>
    bulkTaskResponse('GetAllTaskDetailsResponse', responseHeader(ctx.me, h), taskSource(snap), undefined),
  );
}

export function getAllDestinationDetails(ctx: NeContext, h: MessageHeader): GetAllDestinationDetailsResponse {
  return {
    type: 'GetAllDestinationDetailsResponse',
    header: responseHeader(ctx.me, h),
    listOfDestinationResponseDetails: allDestinations(ctx),
  };
}

export function listAllDetails(ctx: NeContext, h: MessageHeader): StreamedResponseMessage {
  return withSnapshot(ctx, (snap) =>
    listAllDetailsResponse(responseHeader(ctx.me, h), {
      nextXids: () => snap.nextXids(BULK_SLICE_XIDS),
      dids: { dIds: snap.dids(), dSIds: [] },
      release: () => snap.close(),
    }),
  );
}
