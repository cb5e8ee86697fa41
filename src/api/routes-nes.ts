/** REST routes for NEs (registry, live status, ping, reconciliation) and their destinations. */
import { AdmfError } from '../admf/errors.js';
import { healNe, neStatus, pingNe, reconcileNe } from '../admf/handed-changes.js';
import { lastDrift } from '../admf/reconcile.js';
import {
  createDestination,
  deactivateAllTasks,
  modifyDestination,
  removeAllDestinations,
  removeDestination,
} from '../admf/tasking.js';
import type { NeOptions, NeRecord } from '../store/admf-store.js';
import { toDestinationDetails, type DestinationInput } from './convert.js';
import { listOf, ref } from './response-schemas.js';
import type { ApiContext, RouteDef } from './routes.js';
import { destinationBody, destinationParams, idParams, neCreate, neUpdate } from './schemas.js';

type NeBody = { id?: string; url: string } & Partial<NeOptions>;

function options(b: NeBody): Partial<NeOptions> {
  const { id: _id, url: _url, ...rest } = b;
  return rest;
}

export function neView(ctx: ApiContext, ne: NeRecord) {
  return { ...ne, health: ctx.admf.health(ne.id) };
}

export function neRoutes(ctx: ApiContext): RouteDef[] {
  const { admf } = ctx;
  const tag = 'NEs';
  return [
    {
      method: 'GET',
      url: '/api/nes',
      operationId: 'listNes',
      response: listOf('Ne'),
      tag,
      summary: 'list the NEs with their health',
      handler: async () => (await admf.store.listNes()).map((ne) => neView(ctx, ne)),
    },
    {
      method: 'POST',
      url: '/api/nes',
      operationId: 'createNe',
      response: ref('Ne'),
      tag,
      summary: 'register an NE (identity, X1 URL, options)',
      body: neCreate,
      status: 201,
      handler: async ({ body }) => {
        const b = body as NeBody & { id: string };
        if (await admf.store.getNe(b.id))
          throw new AdmfError('conflict', `NE ${b.id} exists; use PUT to change it`);
        return neView(ctx, await admf.putNe({ id: b.id, url: b.url, options: options(b) }));
      },
    },
    {
      method: 'GET',
      url: '/api/nes/:id',
      operationId: 'getNe',
      response: ref('Ne'),
      tag,
      summary: 'one NE with its health',
      params: idParams,
      handler: async ({ params }) => neView(ctx, await admf.requireNe(params.id!)),
    },
    {
      method: 'PUT',
      url: '/api/nes/:id',
      operationId: 'updateNe',
      response: ref('Ne'),
      tag,
      summary: "change an NE's URL or options",
      params: idParams,
      body: neUpdate,
      handler: async ({ params, body }) => {
        await admf.requireNe(params.id!);
        const b = body as NeBody;
        return neView(ctx, await admf.putNe({ id: params.id!, url: b.url, options: options(b) }));
      },
    },
    {
      method: 'DELETE',
      url: '/api/nes/:id',
      operationId: 'removeNe',
      tag,
      summary: 'forget an NE with its destinations and tasks (nothing is sent to it)',
      params: idParams,
      status: 204,
      handler: async ({ params }) => void (await admf.removeNe(params.id!)),
    },
    {
      method: 'GET',
      url: '/api/nes/:id/status',
      operationId: 'getNeStatus',
      response: ref('NeStatus'),
      tag,
      summary: 'live status from the NE (GetNEStatus)',
      params: idParams,
      handler: async ({ params }) => neStatus(admf, params.id!),
    },
    {
      method: 'POST',
      url: '/api/nes/:id/ping',
      operationId: 'pingNe',
      response: ref('Ping'),
      tag,
      summary: 'X1 Ping to the NE',
      params: idParams,
      handler: async ({ params }) => pingNe(admf, params.id!),
    },
    {
      method: 'POST',
      url: '/api/nes/:id/reconcile',
      operationId: 'reconcileNe',
      response: ref('Drift'),
      tag,
      summary: 'compare the NE with the desired state (GetAllDetails); heals when the NE policy is auto',
      params: idParams,
      handler: async ({ params }) => reconcileNe(admf, params.id!),
    },
    {
      method: 'GET',
      url: '/api/nes/:id/drift',
      operationId: 'getNeDrift',
      response: ref('Drift'),
      tag,
      summary: 'drift found by the last reconciliation',
      params: idParams,
      handler: async ({ params }) => {
        await admf.requireNe(params.id!);
        const d = await lastDrift(admf, params.id!);
        if (!d) throw new AdmfError('not-found', `NE ${params.id} has not been reconciled yet`);
        return d;
      },
    },
    {
      method: 'POST',
      url: '/api/nes/:id/heal',
      operationId: 'healNe',
      response: ref('HealResult'),
      tag,
      summary: 'make the NE match the desired state (reconciles first)',
      params: idParams,
      handler: async ({ params }) => healNe(admf, params.id!),
    },
    {
      method: 'POST',
      url: '/api/nes/:id/deactivate-all-tasks',
      operationId: 'deactivateAllTasks',
      response: listOf('Task'),
      tag,
      summary: 'deactivate every task of the NE (DeactivateAllTasks; the NE refuses it unless agreed)',
      params: idParams,
      handler: async ({ params }) => deactivateAllTasks(admf, params.id!),
    },
    ...destinationRoutes(ctx),
  ];
}

function destinationRoutes(ctx: ApiContext): RouteDef[] {
  const { admf, codec } = ctx;
  const tag = 'Destinations';
  return [
    {
      method: 'GET',
      url: '/api/destinations',
      operationId: 'listDestinations',
      response: listOf('Destination'),
      tag,
      summary: 'every destination of every NE',
      handler: async () => admf.store.listDestinations(),
    },
    {
      method: 'GET',
      url: '/api/nes/:id/destinations',
      operationId: 'listNeDestinations',
      response: listOf('Destination'),
      tag,
      summary: "an NE's destinations",
      params: idParams,
      handler: async ({ params }) => {
        await admf.requireNe(params.id!);
        return admf.store.listDestinations(params.id!);
      },
    },
    {
      method: 'POST',
      url: '/api/nes/:id/destinations',
      operationId: 'createDestination',
      response: ref('Destination'),
      tag,
      summary: 'create a destination on the NE (CreateDestination); a DID is made when none is given',
      params: idParams,
      body: destinationBody,
      status: 201,
      handler: async ({ params, body }) => {
        await admf.requireNe(params.id!);
        return createDestination(admf, params.id!, toDestinationDetails(codec, body as DestinationInput));
      },
    },
    {
      method: 'DELETE',
      url: '/api/nes/:id/destinations',
      operationId: 'removeAllDestinations',
      tag,
      summary: 'remove every destination of the NE (RemoveAllDestinations; the NE refuses it unless agreed)',
      params: idParams,
      status: 204,
      handler: async ({ params }) => void (await removeAllDestinations(admf, params.id!)),
    },
    {
      method: 'GET',
      url: '/api/nes/:id/destinations/:did',
      operationId: 'getDestination',
      response: ref('Destination'),
      tag,
      summary: 'one destination',
      params: destinationParams,
      handler: async ({ params }) => {
        const d = await admf.store.getDestination(params.id!, params.did!.toLowerCase());
        if (!d) throw new AdmfError('not-found', `no destination ${params.did} on ${params.id}`);
        return d;
      },
    },
    {
      method: 'PUT',
      url: '/api/nes/:id/destinations/:did',
      operationId: 'modifyDestination',
      response: ref('Destination'),
      tag,
      summary: 'modify a destination (ModifyDestination)',
      params: destinationParams,
      body: destinationBody,
      handler: async ({ params, body }) => {
        const did = params.did!.toLowerCase();
        if (!(await admf.store.getDestination(params.id!, did)))
          throw new AdmfError('not-found', `no destination ${did} on ${params.id}`);
        return modifyDestination(
          admf,
          params.id!,
          toDestinationDetails(codec, body as DestinationInput, did),
        );
      },
    },
    {
      method: 'DELETE',
      url: '/api/nes/:id/destinations/:did',
      operationId: 'removeDestination',
      tag,
      summary: 'remove a destination (RemoveDestination; refused by the NE while a task uses it)',
      params: destinationParams,
      status: 204,
      handler: async ({ params }) =>
        void (await removeDestination(admf, params.id!, params.did!.toLowerCase())),
    },
  ];
}
