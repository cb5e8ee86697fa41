/** The OpenAPI 3.1 document of the REST API, built from the same route table and schemas fastify enforces. */
import { RESPONSE_SCHEMAS } from './response-schemas.js';
import { ruleFor } from './roles.js';
import type { RouteDef } from './routes.js';
import { errorBody } from './schemas.js';

/** What each tag groups (a tag without an entry is published without a description). */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  NEs: 'the NEs this ADMF tasks over X1: registry, health, live status, reconciliation',
  Destinations: 'delivery destinations on the NEs (X1 CreateDestination and friends)',
  Tasks: 'interception tasks on the NEs (X1 ActivateTask and friends)',
  Records: 'what the ADMF keeps: NE reports, the audit log, health',
  Subscribers: "a subscriber's identities tasked together as several X1 tasks",
  Operators: 'named API credentials and their roles, and who the caller is',
  Captures: "the collectors' intercepted messages, forwarded to their read-only HTTP API",
};

const ERROR_STATUSES = {
  400: 'invalid input (nothing changed)',
  401: 'missing, wrong or revoked API token',
  403: "the caller's role may not do this (the answer names the role needed)",
  404: 'no such NE, destination, task, collector, or capture',
  409: 'exists already, or in a state that forbids it',
  422: 'the NE refused (its X1 error code is in x1)',
  502: 'the NE or collector gave no usable answer',
} as const;

function parameters(r: RouteDef): object[] {
  const out: object[] = [];
  const add = (schema: object | undefined, where: 'path' | 'query') => {
    const s = schema as { properties?: Record<string, object>; required?: readonly string[] } | undefined;
    for (const [name, sch] of Object.entries(s?.properties ?? {}))
      out.push({
        name,
        in: where,
        required: where === 'path' || (s?.required ?? []).includes(name),
        schema: sch,
      });
  };
  add(r.params, 'path');
  add(r.querystring, 'query');
  return out;
}

function others(r: RouteDef): object {
  return Object.fromEntries(
    Object.entries(r.otherStatuses ?? {}).map(([code, description]) => [
      code,
      { description, content: { 'application/json': { schema: r.response ?? {} } } },
    ]),
  );
}

function operation(r: RouteDef): object {
  const status = String(r.status ?? 200);
  const ok =
    status === '204'
      ? { description: 'done' }
      : {
          description: 'success',
          content: { [r.responseType ?? 'application/json']: { schema: r.response ?? {} } },
        };
  const errors = Object.fromEntries(
    Object.entries(ERROR_STATUSES).map(([code, description]) => [
      code,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  );
  return {
    ...(r.operationId !== undefined && { operationId: r.operationId }),
    summary: r.summary,
    description: `Least role: ${ruleFor(r.method, r.url).role} (route class ${ruleFor(r.method, r.url).name}; docs/api.md).`,
    tags: [r.tag],
    parameters: parameters(r),
    ...(r.body && { requestBody: { required: true, content: { 'application/json': { schema: r.body } } } }),
    responses: { [status]: ok, ...others(r), ...errors },
  };
}

/**
 * The document for these routes. `servers` is the origin that serves it (`/`): the same document is right
 * for any address and scheme the API listens on.
 */
export function openApiDocument(routes: readonly RouteDef[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  const tags = [...new Set(routes.map((r) => r.tag))].map((name) => ({
    name,
    ...(TAG_DESCRIPTIONS[name] !== undefined && { description: TAG_DESCRIPTIONS[name] }),
  }));
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'lix ADMF REST API',
      version,
      description:
        'Tasking of NEs over ETSI TS 103 221-1 X1 through the lix ADMF. Every /api route needs ' +
        '"Authorization: Bearer <token>". Times are ISO 8601 (UTC).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'the ADMF that serves this document' }],
    tags,
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorBody, ...RESPONSE_SCHEMAS },
    },
    paths,
  };
}
