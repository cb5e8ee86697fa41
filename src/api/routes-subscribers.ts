/**
 * REST routes for subscribers (docs/admf.md "Subscribers"): create, list, show, modify and end a subscriber,
 * whose identities are tasked on its NEs as several X1 tasks. A change answers 201/200 when every task is in
 * sync, 207 (Multi-Status) when any is not: the body then says, per task, what failed and why.
 */
import type { SubscriberIdentity } from '../admf/subscriber-targets.js';
import {
  createSubscriber,
  endSubscriber,
  getSubscriber,
  listSubscribers,
  modifySubscriber,
  type SubscriberResult,
  type TaskDetailsBuilder,
} from '../admf/subscribers.js';
import type { DeliveryType } from '../x1/model.js';
import { toTaskDetails, type TargetInput } from './convert.js';
import { WithHeaders, type ApiContext, type RouteDef } from './routes.js';
import {
  subscriberCreate,
  subscriberList,
  subscriberModify,
  subscriberParams,
  subscriberResult,
  subscriberView,
} from './schemas-subscribers.js';

interface PlacementInput {
  readonly ne: string;
  readonly dids: readonly string[];
}

interface CreateBody {
  readonly id?: string;
  readonly name?: string;
  readonly identities: readonly SubscriberIdentity[];
  readonly nes: readonly PlacementInput[];
  readonly deliveryType?: DeliveryType;
}

interface ModifyBody {
  readonly name?: string;
  readonly identities?: readonly SubscriberIdentity[];
  readonly addIdentities?: readonly SubscriberIdentity[];
  readonly removeIdentities?: readonly SubscriberIdentity[];
  readonly nes?: readonly PlacementInput[];
  readonly deliveryType?: DeliveryType;
}

const MULTI_STATUS = 207;
const PARTIAL =
  'some tasks are not in sync (refused, unreachable and pending, awaiting a report...): see results and outOfSync';

const placements = (nes: readonly PlacementInput[]) =>
  nes.map((p) => ({ neId: p.ne, dids: p.dids.map((d) => d.toLowerCase()) }));

/** The answer to a change: the view with the per-task results, 207 when anything is out of sync. */
function answer(r: SubscriberResult): unknown {
  const body = { ...r.subscriber, results: r.results };
  return r.subscriber.inSync ? body : new WithHeaders(body, {}, MULTI_STATUS);
}

export function subscriberRoutes(ctx: ApiContext): RouteDef[] {
  const { admf, codec } = ctx;
  const tag = 'Subscribers';
  // Each task's details checked as X1 by the ADMF's codec, as a task given on its own would be.
  const build: TaskDetailsBuilder = (xid, target, dids, deliveryType) =>
    toTaskDetails(codec, { xid, targets: [target as TargetInput], dids, deliveryType });
  return [
    {
      method: 'GET',
      url: '/api/subscribers',
      tag,
      operationId: 'listSubscribers',
      summary: 'subscribers, each with its tasks and whether they are in sync',
      response: subscriberList,
      handler: async () => listSubscribers(admf),
    },
    {
      method: 'POST',
      url: '/api/subscribers',
      tag,
      operationId: 'createSubscriber',
      summary: 'create a subscriber: one X1 task per target of its identities on each of its NEs',
      body: subscriberCreate,
      status: 201,
      otherStatuses: { [MULTI_STATUS]: `created; ${PARTIAL}` },
      response: subscriberResult,
      handler: async ({ body }) => {
        const b = body as CreateBody;
        return answer(
          await createSubscriber(
            admf,
            {
              ...(b.id !== undefined && { id: b.id }),
              ...(b.name !== undefined && { name: b.name }),
              identities: b.identities,
              placements: placements(b.nes),
              ...(b.deliveryType !== undefined && { deliveryType: b.deliveryType }),
            },
            build,
          ),
        );
      },
    },
    {
      method: 'GET',
      url: '/api/subscribers/:id',
      tag,
      operationId: 'getSubscriber',
      summary: 'one subscriber: its identities, targets and tasks, and what is out of sync',
      params: subscriberParams,
      response: subscriberView,
      handler: async ({ params }) => getSubscriber(admf, params.id!),
    },
    {
      method: 'PATCH',
      url: '/api/subscribers/:id',
      tag,
      operationId: 'modifySubscriber',
      summary:
        'change identities, NEs, destinations or delivery type: tasks are activated, modified and deactivated ' +
        'together; an empty change retries the tasks that are out of sync',
      params: subscriberParams,
      body: subscriberModify,
      otherStatuses: { [MULTI_STATUS]: `changed; ${PARTIAL}` },
      response: subscriberResult,
      handler: async ({ params, body }) => {
        const b = body as ModifyBody;
        return answer(
          await modifySubscriber(
            admf,
            params.id!,
            {
              ...(b.name !== undefined && { name: b.name }),
              ...(b.identities !== undefined && { identities: b.identities }),
              ...(b.addIdentities !== undefined && { addIdentities: b.addIdentities }),
              ...(b.removeIdentities !== undefined && { removeIdentities: b.removeIdentities }),
              ...(b.nes !== undefined && { placements: placements(b.nes) }),
              ...(b.deliveryType !== undefined && { deliveryType: b.deliveryType }),
            },
            build,
          ),
        );
      },
    },
    {
      method: 'DELETE',
      url: '/api/subscribers/:id',
      tag,
      operationId: 'endSubscriber',
      summary: 'end a subscriber: every task of it is deactivated (the record stays, ended; again retries)',
      params: subscriberParams,
      otherStatuses: { [MULTI_STATUS]: `ended; some tasks could not be deactivated yet: see results` },
      response: subscriberResult,
      handler: async ({ params }) => answer(await endSubscriber(admf, params.id!)),
    },
  ];
}
