/** Routes each decoded X1 request to its handler (one file per request family under handlers/). */
import type { ResponseMessageOut } from '../x1/encode-stream.js';
import { X1Error } from '../x1/errors.js';
import type { X1Request } from '../x1/model.js';
import {
  createDestination,
  modifyDestination,
  removeAllDestinations,
  removeDestination,
} from './handlers/destinations.js';
import {
  getAllDestinationDetails,
  getAllDetails,
  getAllTaskDetails,
  getDestinationDetails,
  getNeStatus,
  getTaskDetails,
  listAllDetails,
} from './handlers/status.js';
import {
  activateTask,
  deactivateAllTasks,
  deactivateTask,
  modifyTask,
  type DeferredResponse,
} from './handlers/tasks.js';
import type { NeContext } from './context.js';
import { okResponse } from '../x1/responses.js';

const MUTATING: ReadonlySet<string> = new Set([
  'ActivateTaskRequest',
  'ModifyTaskRequest',
  'DeactivateTaskRequest',
  'DeactivateAllTasksRequest',
  'CreateDestinationRequest',
  'ModifyDestinationRequest',
  'RemoveDestinationRequest',
  'RemoveAllDestinationsRequest',
]);

export function isMutating(m: X1Request): boolean {
  return MUTATING.has(m.type);
}

/** What a handler may ask of the running NE beyond its context. */
export interface NeHooks {
  keepaliveSeen(): void;
}

export async function handleMessage(
  ctx: NeContext,
  hooks: NeHooks,
  m: X1Request,
  deadline: number,
): Promise<ResponseMessageOut | DeferredResponse> {
  switch (m.type) {
    case 'ActivateTaskRequest':
      return activateTask(ctx, m, deadline);
    case 'ModifyTaskRequest':
      return modifyTask(ctx, m, deadline);
    case 'DeactivateTaskRequest':
      return deactivateTask(ctx, m, deadline);
    case 'DeactivateAllTasksRequest':
      return deactivateAllTasks(ctx, m, deadline);
    case 'CreateDestinationRequest':
      return createDestination(ctx, m);
    case 'ModifyDestinationRequest':
      return modifyDestination(ctx, m);
    case 'RemoveDestinationRequest':
      return removeDestination(ctx, m);
    case 'RemoveAllDestinationsRequest':
      return removeAllDestinations(ctx, m);
    case 'GetTaskDetailsRequest':
      return getTaskDetails(ctx, m.header, m.xId);
    case 'GetDestinationDetailsRequest':
      return getDestinationDetails(ctx, m.header, m.dId);
    case 'GetNEStatusRequest':
      return getNeStatus(ctx, m.header);
    case 'GetAllDetailsRequest':
      return getAllDetails(ctx, m.header);
    case 'GetAllTaskDetailsRequest':
      return getAllTaskDetails(ctx, m.header);
    case 'GetAllDestinationDetailsRequest':
      return getAllDestinationDetails(ctx, m.header);
    case 'ListAllDetailsRequest':
      return listAllDetails(ctx, m.header);
    case 'PingRequest':
      return okResponse(ctx.me, m.header, 'PingResponse', 'AcknowledgedAndCompleted');
    case 'KeepaliveRequest':
      hooks.keepaliveSeen();
      return okResponse(ctx.me, m.header, 'KeepaliveResponse', 'AcknowledgedAndCompleted');
    case 'ReportTaskIssueRequest':
    case 'ReportDestinationIssueRequest':
    case 'ReportNEIssueRequest':
      throw new X1Error('UnsupportedMessage', `${m.type} is sent by an NE to the ADMF, not to an NE`);
    default:
      throw new X1Error('UnsupportedMessage', `${m.type} (generic objects) is not supported by this NE`);
  }
}
