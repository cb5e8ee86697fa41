/**
 * The HTTPS baseline (`https.echo`) for benches of X1 over mutual TLS: a bare `node:https` server that
 * answers every POST with a fixed body, and a keep-alive client loop, both with the test PKI. Benches report
 * their X1 rate as a ratio to this, measured in the same run, because the machines are noisy.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { getTestPki } from '../../test/support/pki.js';

export interface RateOptions {
  readonly seconds: number;
  /** Requests kept in flight at once. */
  readonly concurrency: number;
  /** Warm-up before counting (default: a tenth of the run, at least 200 ms). */
  readonly warmupMs?: number;
}

/**
 * Runs `post` from `concurrency` loops for `seconds` (after a warm-up) and returns completed requests per
 * second. A failing request fails the measurement.
 */
export async function measureRequestsPerSecond(
  post: () => Promise<unknown>,
  o: RateOptions,
): Promise<number> {
  const warmupMs = o.warmupMs ?? Math.max(200, (o.seconds * 1000) / 10);
  const loop = async (until: number, count: { n: number }) => {
    while (performance.now() < until) {
      await post();
      count.n++;
    }
  };
  const run = (ms: number, count: { n: number }) => {
    const until = performance.now() + ms;
    return Promise.all(Array.from({ length: o.concurrency }, () => loop(until, count)));
  };
  await run(warmupMs, { n: 0 });
  const count = { n: 0 };
  const start = performance.now();
  await run(o.seconds * 1000, count);
  return (count.n * 1000) / (performance.now() - start);
}

/** Sizes of the echo exchange: about an X1 PingRequest and its response. */
export const ECHO = { requestBytes: 600, responseBytes: 700 } as const;

export interface EchoOptions extends RateOptions {
  readonly requestBytes?: number;
  readonly responseBytes?: number;
}

/** Requests per second of a bare `node:https` mutual-TLS echo over keep-alive on loopback. */
export async function measureHttpsEcho(o: EchoOptions): Promise<number> {
  const pki = await getTestPki();
  const read = (name: string) => {
    const t = pki.tls(name);
    return { cert: readFileSync(t.certFile), key: readFileSync(t.keyFile), ca: readFileSync(t.caFile) };
  };
  const response = Buffer.alloc(o.responseBytes ?? ECHO.responseBytes, 0x61);
  const request = Buffer.alloc(o.requestBytes ?? ECHO.requestBytes, 0x62);
  const server = https.createServer(
    { ...read('ne-1'), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': response.length });
        res.end(response);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new https.Agent({ ...read('admf-1'), keepAlive: true, maxSockets: o.concurrency });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/X1/NE',
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/xml', 'Content-Length': request.length },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(request);
    });
  try {
    return await measureRequestsPerSecond(post, o);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
