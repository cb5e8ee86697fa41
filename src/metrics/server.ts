/**
 * The metrics and health endpoint of a daemon, on an address the operator chooses (off unless asked):
 * `GET /metrics` (Prometheus text format) and `GET /healthz` (200 with the checks that passed, 503 with those
 * that failed, as JSON). Plain HTTP on purpose: bind it to loopback or a management network.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** One health check: a name and why it fails (undefined when it passes). */
export type HealthCheck = () => Promise<string | undefined> | string | undefined;

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly checks: Readonly<Record<string, HealthCheck>>;
  /**
   * Warnings shown on `/healthz` (under `warnings`) without failing it, e.g. key masking switched off; each
   * returns its text, or undefined when there is nothing to say.
   */
  readonly warnings?: Readonly<Record<string, HealthCheck>>;
}

export interface MetricsServer {
  /** `http://HOST:PORT` (the bound port when 0 was asked). */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the endpoint; rejects with a one-line reason when the address cannot be bound. */
export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    void answer(o, req.method ?? 'GET', (req.url ?? '/').split('?')[0]!).then(
      ({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `${o.host}:${o.port} is already in use`
            : `cannot listen on ${o.host}:${o.port}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.address.includes(':') ? `[${a.address}]` : a.address;
  return { url: `http://${host}:${a.port}`, close: () => closeServer(server) };
}

async function answer(
  o: MetricsServerOptions,
  method: string,
  path: string,
): Promise<{ status: number; type: string; body: string }> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, type: 'text/plain', body: 'GET only\n' };
  if (path === '/metrics')
    return { status: 200, type: o.registry.contentType, body: await o.registry.metrics() };
  if (path === '/healthz') {
    const failed: Record<string, string> = {};
    for (const [name, check] of Object.entries(o.checks)) {
      try {
        const why = await check();
        if (why !== undefined) failed[name] = why;
      } catch (err) {
        failed[name] = err instanceof Error ? err.message : String(err);
      }
    }
    const ok = Object.keys(failed).length === 0;
    const warnings = await warningsOf(o.warnings ?? {});
    const body = JSON.stringify({
      status: ok ? 'ok' : 'failing',
      checks: Object.keys(o.checks),
      failed,
      ...(Object.keys(warnings).length > 0 && { warnings }),
    });
    return { status: ok ? 200 : 503, type: 'application/json', body: `${body}\n` };
  }
  return { status: 404, type: 'text/plain', body: 'not found: /metrics or /healthz\n' };
}

async function warningsOf(notes: Readonly<Record<string, HealthCheck>>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, note] of Object.entries(notes)) {
    try {
      const text = await note();
      if (text !== undefined) out[name] = text;
    } catch (err) {
      out[name] = err instanceof Error ? err.message : String(err);
    }
  }
  return out;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
