/**
 * The ADMF REST API on fastify: every route of the table (routes-nes.ts, routes-tasks.ts, routes-tokens.ts)
 * with its JSON Schema enforced (unknown properties refused), a bearer token on every `/api` route (the
 * startup token or a named credential, auth.ts) and the caller's role checked against the route's class
 * (roles.ts), each handler run on behalf of its caller (audit rows name them), AdmfError kinds mapped to HTTP
 * statuses, and the OpenAPI document at `/openapi.json`. Tests drive it in memory with `inject`; `listenApi`
 * binds it (loopback by default), over HTTPS when built with TLS.
 */
import { Server as TlsServer, type SecureContextOptions } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AdmfError, type AdmfErrorKind } from '../admf/errors.js';
import { isoTimes } from '../lib/iso-times.js';
import { actingAs } from '../admf/operator-context.js';
import type { Logger } from '../lib/logger.js';
import { ApiAuth, isRefusal, type Principal } from './auth.js';
import { registerConsole } from './console-static.js';
import { openApiDocument } from './openapi.js';
import { EventStream, eventRoutes, pipeEvents } from './routes-events.js';
import { roleAllows, ruleFor } from './roles.js';
import { neRoutes } from './routes-nes.js';
import { subscriberRoutes } from './routes-subscribers.js';
import { taskRoutes } from './routes-tasks.js';
import { tokenRoutes } from './routes-tokens.js';
import { Streamed, WithHeaders, type ApiContext, type ApiRequest, type RouteDef } from './routes.js';
import { collectorRoutes } from './routes-collectors.js';
import { API_LIMITS } from './schemas.js';
import { validationMessage, type SchemaError } from './validation-message.js';

/** What fastify adds to an error when a request fails its schema. */
interface ValidationFailure {
  readonly validation?: SchemaError[];
  readonly validationContext?: string;
  readonly statusCode?: number;
}

export const API_VERSION = '1.0.0';

export const HTTP_FOR_KIND: Record<AdmfErrorKind, number> = {
  'not-found': 404,
  conflict: 409,
  refused: 422,
  unreachable: 502,
  invalid: 400,
};

export interface ApiOptions extends ApiContext {
  /** The startup token: its holder is the administrator `admin` (auth.ts). */
  readonly token: string;
  readonly logger?: Logger;
  /** Serve HTTPS with these options (src/api/tls.ts); plain HTTP without. */
  readonly https?: SecureContextOptions;
  /** The built console to serve under `/` (default dist/console, console-static.ts). */
  readonly consoleDir?: string;
}

export { isoTimes };

function sendError(
  reply: FastifyReply,
  status: number,
  error: string,
  message: string,
  extra?: { x1?: object; role?: string },
) {
  return reply.code(status).send({ error, message, ...extra });
}

export function allRoutes(ctx: ApiContext): RouteDef[] {
  return [
    ...neRoutes(ctx),
    ...taskRoutes(ctx),
    ...subscriberRoutes(ctx),
    ...tokenRoutes(ctx),
    ...eventRoutes(ctx),
    ...collectorRoutes(ctx),
  ];
}

/** Builds the app (not listening). */
export async function buildApi(o: ApiOptions): Promise<FastifyInstance> {
  const options = {
    logger: false,
    bodyLimit: API_LIMITS.bodyLimit,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: true } },
  };
  // The routes do not depend on the server's type: an HTTPS app is used as the HTTP one.
  const app = o.https
    ? (Fastify({ ...options, https: o.https }) as unknown as FastifyInstance)
    : Fastify(options);
  const auth = new ApiAuth({ token: o.token, store: o.admf.store, clock: o.admf.clock });
  const callers = new WeakMap<FastifyRequest, Principal>();
  const routes = allRoutes(o);
  const doc = openApiDocument(routes, API_VERSION);

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/') && req.url !== '/api') return;
    const who = await auth.authenticate(req.headers.authorization);
    if (isRefusal(who)) {
      // RFC 6750 §3: no error code when no credentials were sent at all.
      reply.header(
        'WWW-Authenticate',
        who.code === 'token_missing' ? 'Bearer' : `Bearer error="${who.code}"`,
      );
      return sendError(reply, 401, 'unauthorized', who.message);
    }
    const pattern = req.routeOptions.url;
    if (pattern !== undefined) {
      const rule = ruleFor(req.method === 'HEAD' ? 'GET' : req.method, pattern);
      if (!roleAllows(who.role, rule.role))
        return sendError(
          reply,
          403,
          'forbidden',
          `${rule.name} needs the ${rule.role} role; ${who.name} has the ${who.role} role`,
          { role: rule.role },
        );
    }
    callers.set(req, who);
  });
  // No text may hold a NUL (U+0000): no X1 string allows it, and PostgreSQL cannot store it. Refused before
  // anything runs, on either store, with where it was.
  app.addHook('preValidation', async (req, reply) => {
    const where = nulAt(req.params, 'path') ?? nulAt(req.query, 'query') ?? nulAt(req.body, 'body');
    if (where !== undefined)
      return sendError(
        reply,
        400,
        'invalid',
        `${where} holds a NUL character (U+0000), which no field may contain`,
      );
  });
  // Times travel as ISO 8601 (UTC, milliseconds), as an operator reads them; the store keeps epoch ms.
  app.addHook('preSerialization', async (_req, _reply, payload) => isoTimes(payload));
  app.setErrorHandler((err: Error & ValidationFailure, _req, reply) => {
    if (err instanceof AdmfError)
      return sendError(reply, HTTP_FOR_KIND[err.kind], err.kind, err.message, err.x1 && { x1: err.x1 });
    if (Array.isArray(err.validation))
      return sendError(reply, 400, 'invalid', validationMessage(err.validation, err.validationContext));
    if (err.statusCode !== undefined && err.statusCode < 500)
      return sendError(reply, err.statusCode ?? 400, 'invalid', err.message);
    o.logger?.error({ err }, 'REST request failed');
    return sendError(reply, 500, 'internal', 'internal error; see the ADMF log');
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, 'not-found', `no route ${req.method} ${req.url}`),
  );
  app.get('/openapi.json', async () => doc);
  registerConsole(app, o.consoleDir);
  // Open event streams end when the app closes (else close would wait for them).
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of streams) stop();
  });
  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url,
      schema: {
        ...(r.params && { params: r.params }),
        ...(r.querystring && { querystring: r.querystring }),
        ...(r.body && { body: r.body }),
      },
      handler: async (req, reply) => {
        const caller = callers.get(req);
        const request: ApiRequest = {
          params: req.params as ApiRequest['params'],
          query: req.query as ApiRequest['query'],
          body: req.body,
          headers: req.headers,
          ...(caller && { caller }),
        };
        let result = caller
          ? await actingAs(caller.name, () => r.handler(request))
          : await r.handler(request);
        if (result instanceof Streamed) {
          const body = result.body;
          // The client went away: stop reading from the collector too.
          reply.raw.on('close', () => body.destroy());
          return reply.code(result.status).headers(result.headers).send(body);
        }
        let status = r.status ?? 200;
        if (result instanceof EventStream) {
          reply.hijack();
          const stop = pipeEvents(result.events, reply.raw);
          streams.add(stop);
          reply.raw.once('close', () => streams.delete(stop));
          return;
        }
        if (result instanceof WithHeaders) {
          reply.headers(result.headers);
          status = result.status ?? status;
          result = result.body;
        }
        reply.code(status);
        return status === 204 ? reply.send() : result;
      },
    });
  }
  await app.ready();
  return app;
}

/** Where in a parsed request part a string (or key) holds U+0000 (`body.targets[0].value`), if anywhere. */
export function nulAt(v: unknown, path: string, depth = 0): string | undefined {
  if (typeof v === 'string') return v.includes('\u0000') ? path : undefined;
  if (v === null || typeof v !== 'object' || depth > 64) return undefined;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const at = nulAt(x, `${path}[${i}]`, depth + 1);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    if (k.includes('\u0000')) return `${path} (a key)`;
    const at = nulAt(x, `${path}.${k}`, depth + 1);
    if (at !== undefined) return at;
  }
  return undefined;
}

/** Binds the app; returns its base URL (`https:` when it was built with TLS). */
export async function listenApi(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const addr = app.server.address();
  const p = typeof addr === 'object' && addr ? addr.port : port;
  const scheme = app.server instanceof TlsServer ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${p}`;
}
