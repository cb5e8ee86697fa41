/**
 * The collector's read-only HTTP API (docs/collector.md "HTTP API"): the XIDs of the output directory, pages
 * of their decoded messages, one message with its detail, new messages as Server-Sent Events, and the XID's
 * capture files as one PCAPng download. A bearer token on every route (401 with a reason), GET only (405),
 * parameters checked (400 with a reason), an XID without files is 404. Served by `lix collector --api-listen`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { CaptureCatalog } from '../../collector/capture-catalog.js';
import type { Logger } from '../../lib/logger.js';
import { classifyFrame, isoMicros } from './message.js';
import { readMessage, readPage } from './pages.js';
import { idProblem, pageQuery, pathProblem, xidProblem } from './query.js';
import { pcapngDownload } from './download.js';
import { EventStreams } from './stream.js';

export interface CollectorApiOptions {
  /** The collector's `--out` directory. */
  readonly outDir: string;
  readonly token: string;
  readonly logger?: Logger;
  /** How often a stream looks for new messages (ms). */
  readonly pollMs?: number;
}

export const COLLECTOR_API_DEFAULTS = { pollMs: 250, maxStreams: 64, keepAliveMs: 15_000 } as const;

const sha256 = (s: string) => createHash('sha256').update(s).digest();

function send(reply: FastifyReply, status: number, error: string, message: string) {
  return reply.code(status).send({ error, message });
}

/** Builds the app (not listening). */
export async function buildCollectorApi(o: CollectorApiOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const catalog = new CaptureCatalog(o.outDir, classifyFrame);
  const want = sha256(o.token);
  const streams = new EventStreams(catalog, {
    pollMs: o.pollMs ?? COLLECTOR_API_DEFAULTS.pollMs,
    maxStreams: COLLECTOR_API_DEFAULTS.maxStreams,
    keepAliveMs: COLLECTOR_API_DEFAULTS.keepAliveMs,
  });

  app.addHook('onRequest', async (req, reply) => {
    const bad = pathProblem(req.url);
    if (bad) return send(reply, 400, 'invalid', bad);
    const h = req.headers.authorization;
    const m = h && /^Bearer +(\S+)$/i.exec(h);
    if (!m) {
      reply.header('WWW-Authenticate', 'Bearer');
      return send(
        reply,
        401,
        'unauthorized',
        'send the collector API token as Authorization: Bearer <token>',
      );
    }
    if (!timingSafeEqual(sha256(m[1]!), want)) {
      reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return send(reply, 401, 'unauthorized', 'the token is not the collector API token');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply.header('Allow', 'GET, HEAD');
      return send(
        reply,
        405,
        'method-not-allowed',
        `the collector API is read-only: ${req.method} is not allowed`,
      );
    }
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err.statusCode !== undefined && err.statusCode < 500)
      return send(reply, err.statusCode, 'invalid', err.message);
    o.logger?.error({ err }, 'collector API request failed');
    return send(reply, 500, 'internal', 'internal error; see the collector log');
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, 404, 'not-found', `no route ${req.method} ${req.url.split('?')[0]}`),
  );
  app.addHook('onClose', async () => streams.close());

  app.get('/api/health', async () => ({ status: 'ok' }));

  app.get('/api/xids', async () => ({
    xids: (await catalog.xids()).map((x) => ({
      ...x,
      first: x.first === undefined ? null : isoMicros(x.first),
      last: x.last === undefined ? null : isoMicros(x.last),
    })),
  }));

  app.get<{ Params: { xid: string } }>('/api/xids/:xid/messages', async (req, reply) => {
    const bad = xidProblem(req.params.xid);
    if (bad) return send(reply, 400, 'invalid', bad);
    const q = pageQuery(req.query);
    if ('error' in q) return send(reply, 400, 'invalid', q.error);
    const page = await readPage(catalog, req.params.xid, q.ok);
    return page ?? send(reply, 404, 'not-found', `no capture of XID ${req.params.xid}`);
  });

  app.get<{ Params: { xid: string; id: string } }>('/api/xids/:xid/messages/:id', async (req, reply) => {
    const bad = xidProblem(req.params.xid) ?? idProblem(req.params.id);
    if (bad) return send(reply, 400, 'invalid', bad);
    const m = await readMessage(catalog, req.params.xid, req.params.id);
    return (
      m ??
      send(reply, 404, 'not-found', `no message ${req.params.id} in the captures of XID ${req.params.xid}`)
    );
  });

  app.get<{ Params: { xid: string } }>('/api/xids/:xid/stream', async (req, reply) => {
    const bad = xidProblem(req.params.xid);
    if (bad) return send(reply, 400, 'invalid', bad);
    const after = req.headers['last-event-id'];
    if (typeof after === 'string' && idProblem(after))
      return send(reply, 400, 'invalid', 'header Last-Event-ID must be a message id from this API');
    if (!streams.room()) return send(reply, 503, 'busy', 'too many event streams are open; try again later');
    await streams.open(req.params.xid.toLowerCase(), reply, typeof after === 'string' ? after : undefined);
  });

  app.get<{ Params: { xid: string } }>('/api/xids/:xid/pcapng', async (req, reply) => {
    const bad = xidProblem(req.params.xid);
    if (bad) return send(reply, 400, 'invalid', bad);
    const files = await catalog.files(req.params.xid);
    if (files.length === 0) return send(reply, 404, 'not-found', `no capture of XID ${req.params.xid}`);
    const xid = req.params.xid.toLowerCase();
    const body = await pcapngDownload(files);
    return reply
      .header('Content-Type', 'application/vnd.tcpdump.pcap')
      .header('Content-Disposition', `attachment; filename="${xid}.pcapng"`)
      .header('Content-Length', String(body.bytes))
      .send(body.stream);
  });

  await app.ready();
  return app;
}
