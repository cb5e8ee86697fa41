/**
 * The collectors' captures through the ADMF (issue #15; docs/admf.md "Collectors"): the configured
 * collectors with their reachability, and each one's XIDs, message pages, single messages, event stream and
 * PCAPng download forwarded to its HTTP API with its own token. Any role may read them (src/api/roles.ts).
 */
import { AdmfError } from '../admf/errors.js';
import { forward, reachability } from './collector-proxy.js';
import { ref } from './response-schemas.js';
import type { ApiContext, CollectorLink, RouteDef } from './routes.js';
import { UUID_PATTERN } from './schemas.js';

export const COLLECTOR_NAME_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
export const MESSAGE_ID_PATTERN = '^[0-9]{1,9}-[0-9]{1,15}$';

const name = { type: 'string', pattern: COLLECTOR_NAME_PATTERN, description: 'collector name' } as const;
const xid = { type: 'string', pattern: UUID_PATTERN, description: "the task's XID" } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name } } as const;
const xidParams = { type: 'object', required: ['name', 'xid'], properties: { name, xid } } as const;
const messageParams = {
  type: 'object',
  required: ['name', 'xid', 'id'],
  properties: { name, xid, id: { type: 'string', pattern: MESSAGE_ID_PATTERN, description: 'message id' } },
} as const;
const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    after: { type: 'string', pattern: MESSAGE_ID_PATTERN, description: 'the `next` of the page before' },
    from: { type: 'string', format: 'date-time', description: 'messages at or after (ISO 8601 with zone)' },
    to: { type: 'string', format: 'date-time', description: 'messages at or before (ISO 8601 with zone)' },
    protocol: { type: 'string', enum: ['sip', 'diameter', 'gtpv2'] },
    callId: { type: 'string', minLength: 1, maxLength: 512, description: 'SIP Call-ID' },
  },
} as const;

function linkOf(ctx: ApiContext, n: string | undefined): CollectorLink {
  const link = ctx.collectors?.find((c) => c.name === n);
  if (!link) throw new AdmfError('not-found', `no collector named ${n ?? ''} in the ADMF configuration`);
  return link;
}

const enc = encodeURIComponent;

export function collectorRoutes(ctx: ApiContext): RouteDef[] {
  const tag = 'Captures';
  return [
    {
      method: 'GET',
      url: '/api/collectors',
      tag,
      operationId: 'listCollectors',
      summary: 'the collectors named in the ADMF configuration, each with whether it answers now',
      response: ref('CollectorList'),
      handler: async () => ({
        collectors: await Promise.all(
          (ctx.collectors ?? []).map(async (c) => ({ name: c.name, url: c.url, ...(await reachability(c)) })),
        ),
      }),
    },
    {
      method: 'GET',
      url: '/api/collectors/:name/xids',
      tag,
      operationId: 'listCollectorXids',
      summary: "the XIDs of a collector's captures with message counts, sizes and time ranges",
      params: nameParams,
      response: ref('CollectorXidList'),
      handler: async ({ params }) => forward(linkOf(ctx, params.name), 'api/xids'),
    },
    {
      method: 'GET',
      url: '/api/collectors/:name/xids/:xid/messages',
      tag,
      operationId: 'listCollectorMessages',
      summary: "a page of an XID's decoded messages, oldest first, with filters",
      params: xidParams,
      querystring: pageQuery,
      response: ref('CapturedMessagePage'),
      handler: async ({ params, query }) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
        const path = `api/xids/${enc(params.xid!)}/messages${q.size ? `?${q}` : ''}`;
        return forward(linkOf(ctx, params.name), path);
      },
    },
    {
      method: 'GET',
      url: '/api/collectors/:name/xids/:xid/messages/:id',
      tag,
      operationId: 'getCollectorMessage',
      summary: 'one captured message with its detail (SIP text, Diameter/GTPv2-C fields) and frame',
      params: messageParams,
      response: ref('CapturedMessage'),
      handler: async ({ params }) =>
        forward(linkOf(ctx, params.name), `api/xids/${enc(params.xid!)}/messages/${enc(params.id!)}`),
    },
    {
      method: 'GET',
      url: '/api/collectors/:name/xids/:xid/stream',
      tag,
      operationId: 'streamCollectorMessages',
      summary: "an XID's new messages as Server-Sent Events (event `message`, data a message summary)",
      params: xidParams,
      responseType: 'text/event-stream',
      response: {
        type: 'string',
        description: 'event: message, id: <message id>, data: <CapturedMessageSummary JSON>',
      },
      handler: async ({ params }) => forward(linkOf(ctx, params.name), `api/xids/${enc(params.xid!)}/stream`),
    },
    {
      method: 'GET',
      url: '/api/collectors/:name/xids/:xid/pcapng',
      tag,
      operationId: 'downloadCollectorPcapng',
      summary: "an XID's capture files as one PCAPng download (one section per file)",
      params: xidParams,
      responseType: 'application/vnd.tcpdump.pcap',
      response: { type: 'string', format: 'binary' },
      handler: async ({ params }) => forward(linkOf(ctx, params.name), `api/xids/${enc(params.xid!)}/pcapng`),
    },
  ];
}
