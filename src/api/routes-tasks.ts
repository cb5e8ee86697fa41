/** REST routes for tasks (activate, modify, deactivate, live status), reports, audit and health. */
import { AdmfError } from '../admf/errors.js';
import { activateTask, deactivateTask, modifyTask, taskStatus } from '../admf/tasking.js';
import { parseWarrant, warrantView } from '../admf/warrant.js';
import type { TaskRecord, TaskState } from '../store/admf-store.js';
import { toTaskDetails, type TaskInput } from './convert.js';
import { neView } from './routes-nes.js';
import { listOf, ref } from './response-schemas.js';
import { WithHeaders, type ApiContext, type RouteDef } from './routes.js';
import { API_LIMITS, recordQuery, taskCreate, taskModify, taskQuery, xidParams } from './schemas.js';
import { auditQuery } from './schemas-tokens.js';

const num = (v: string | number | undefined) => (v === undefined ? undefined : Number(v));
const str = (v: string | number | undefined) => (v === undefined ? undefined : String(v));

function page(q: Record<string, string | number | undefined>) {
  const since = num(q.since);
  const limit = num(q.limit);
  const ne = str(q.ne);
  const xid = str(q.xid)?.toLowerCase();
  return {
    ...(since !== undefined && { sinceId: since }),
    ...(limit !== undefined && { limit }),
    ...(ne !== undefined && { neId: ne }),
    ...(xid !== undefined && { xid }),
  };
}

const PENDING_DESCRIPTION =
  'accepted, pending: the NE could not be reached (or its answer was lost); the task is stored `activating` ' +
  'and is installed when the NE is reconciled and healed';

/**
 * A task whose activation did not reach the NE (state `activating`), as the 202 answer shows it: the record,
 * `pending: true` and a message saying what happens next (docs/admf.md "Pending activations").
 */
function pendingView(t: TaskRecord, handedOver: boolean) {
  const why = t.reason !== undefined ? `${t.reason}: ` : '';
  return {
    ...t,
    pending: true,
    message: handedOver
      ? `task ${t.xid} is stored (activating); ${t.neId} is owned by another ADMF instance, which sends it`
      : `${why}task ${t.xid} is pending (activating): it is installed when ${t.neId} answers again and is ` +
        `reconciled and healed (at once for an NE with heal auto; otherwise lix admf ne heal ${t.neId})`,
  };
}

export function taskRoutes(ctx: ApiContext): RouteDef[] {
  const { admf, codec } = ctx;
  const tag = 'Tasks';
  /** A task as REST shows it: warrant times in ISO-8601, with `remainingSeconds` and `expiring`. */
  const view = <T extends TaskRecord>(t: T) => warrantView(t, admf.clock.now(), admf.warrantWarningMs);
  return [
    {
      method: 'GET',
      url: '/api/tasks',
      operationId: 'listTasks',
      response: listOf('Task'),
      tag,
      summary: `tasks, by NE and state, in pages (default ${API_LIMITS.defaultTaskPage}; Link header to the next)`,
      querystring: taskQuery,
      handler: async ({ query }) => {
        const ne = str(query.ne);
        const state = str(query.state) as TaskState | undefined;
        const limit = num(query.limit) ?? API_LIMITS.defaultTaskPage;
        const cursor = str(query.cursor)?.split('~');
        const rows = await admf.store.listTasks({
          ...(ne !== undefined && { neId: ne }),
          ...(state !== undefined && { states: [state] }),
          ...(cursor && { after: { createdAt: Number(cursor[0]), xid: cursor[1]! } }),
          limit: limit + 1,
        });
        if (rows.length <= limit) return rows.map(view);
        const page = rows.slice(0, limit);
        const last = page[page.length - 1]!;
        const next = new URLSearchParams({
          ...(ne !== undefined && { ne }),
          ...(state !== undefined && { state }),
          limit: String(limit),
          cursor: `${last.createdAt}~${last.xid}`,
        });
        return new WithHeaders(page.map(view), { link: `</api/tasks?${next}>; rel="next"` });
      },
    },
    {
      method: 'POST',
      url: '/api/tasks',
      operationId: 'activateTask',
      response: ref('Task'),
      tag,
      summary:
        'activate a task on an NE (ActivateTask); an XID is made when none is given; with a validFrom in the ' +
        'future it is stored scheduled and activated then',
      body: taskCreate,
      status: 201,
      otherStatuses: { 202: PENDING_DESCRIPTION },
      handler: async ({ body }) => {
        const b = body as TaskInput & { ne: string };
        // An unknown NE is refused (404) inside the audited activation.
        const w = parseWarrant(b, admf.clock.now());
        const t = await activateTask(admf, b.ne, toTaskDetails(codec, b, undefined, w), w);
        return t.state === 'activating'
          ? new WithHeaders(view(pendingView(t, !admf.owns(b.ne))), {}, 202)
          : view(t);
      },
    },
    {
      method: 'GET',
      url: '/api/tasks/:xid',
      operationId: 'getTask',
      response: ref('Task'),
      tag,
      summary: 'one task as the ADMF holds it (with the subscriber it was made for, if any)',
      params: xidParams,
      handler: async ({ params }) => {
        const t = await admf.store.getTask(params.xid!.toLowerCase());
        if (!t) throw new AdmfError('not-found', `no task ${params.xid}`);
        const subscriber = await admf.store.subscriberOfTask(t.xid);
        return subscriber === undefined ? view(t) : { ...view(t), subscriber };
      },
    },
    {
      method: 'PUT',
      url: '/api/tasks/:xid',
      operationId: 'modifyTask',
      response: ref('Task'),
      tag,
      summary:
        'modify a task (ModifyTask: the details and the warrant fields are replaced as a whole; a scheduled ' +
        'task changes at the ADMF only)',
      params: xidParams,
      body: taskModify,
      handler: async ({ params, body }) => {
        const xid = params.xid!.toLowerCase();
        if (!(await admf.store.getTask(xid))) throw new AdmfError('not-found', `no task ${xid}`);
        const w = parseWarrant(body as TaskInput, admf.clock.now());
        return view(await modifyTask(admf, toTaskDetails(codec, body as TaskInput, xid, w), w));
      },
    },
    {
      method: 'DELETE',
      url: '/api/tasks/:xid',
      operationId: 'deactivateTask',
      response: ref('Task'),
      tag,
      summary: 'deactivate a task (DeactivateTask); the record stays, ended',
      params: xidParams,
      handler: async ({ params }) => view(await deactivateTask(admf, params.xid!.toLowerCase())),
    },
    {
      method: 'GET',
      url: '/api/tasks/:xid/status',
      operationId: 'getTaskStatus',
      response: ref('TaskStatus'),
      tag,
      summary: 'live status from the NE (GetTaskDetails); live is absent when the NE does not have the task',
      params: xidParams,
      handler: async ({ params }) => taskStatus(admf, params.xid!.toLowerCase()),
    },
    {
      method: 'GET',
      url: '/api/reports',
      operationId: 'listReports',
      response: listOf('Report'),
      tag: 'Records',
      summary: 'reports received from the NEs (unknown = about an XID/DID this ADMF does not know)',
      querystring: recordQuery,
      handler: async ({ query }) => admf.store.listReports(page(query)),
    },
    {
      method: 'GET',
      url: '/api/audit',
      operationId: 'listAudit',
      response: listOf('Audit'),
      tag: 'Records',
      summary: 'the audit log: every operator action and X1 exchange, each naming the operator who caused it',
      querystring: auditQuery,
      handler: async ({ query }) =>
        admf.store.readAudit({
          ...page(query),
          ...(query.operator !== undefined && { operator: String(query.operator) }),
        }),
    },
    {
      method: 'GET',
      url: '/api/health',
      operationId: 'getHealth',
      response: ref('Health'),
      tag: 'Records',
      summary: 'the ADMF and the health of every NE',
      handler: async () => ({
        admf: {
          id: admf.deps.settings.id,
          ...(ctx.x1Url !== undefined && { x1Url: ctx.x1Url }),
          ownership: admf.ownership.stats(),
        },
        nes: (await admf.store.listNes()).map((ne) => neView(ctx, ne)),
      }),
    },
  ];
}
