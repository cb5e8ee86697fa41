/** The OpenAPI 3.1 document of the REST API, built from the same route table and schemas fastify enforces. */
import { ruleFor } from './roles.js';
import type { RouteDef } from './routes.js';
import { errorBody } from './schemas.js';

const ERROR_STATUSES = {
  400: 'invalid input (nothing changed)',
  401: 'missing, wrong or revoked API token',
  403: "the caller's role may not do this (the answer names the role needed)",
  404: 'no such NE, destination or task',
  409: 'exists already, or in a state that forbids it',
  422: 'the NE refused (its X1 error code is in x1)',
  502: 'the NE gave no usable answer',
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
      : { description: 'success', content: { 'application/json': { schema: r.response ?? {} } } };
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

export function openApiDocument(routes: readonly RouteDef[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
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
        '"Authorization: Bearer <token>".',
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorBody },
    },
    paths,
  };
}
