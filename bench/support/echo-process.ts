/**
 * The out-of-process baseline for X1 benches: a bare `node:https` server with mutual TLS that answers every
 * POST with a fixed body of the size of an X1 response. Run as a child (`startEchoProcess`) so that, like the
 * NE under test, it has a core of its own and the client's cost is the same on both sides.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

export interface EchoProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

/** Child side: `node --import tsx bench/support/echo-process.ts CERT KEY CA BYTES`. */
async function serve(): Promise<void> {
  const [cert, key, ca, bytes] = process.argv.slice(2);
  const body = Buffer.alloc(Number(bytes ?? 700), 0x61);
  const server = https.createServer(
    {
      cert: readFileSync(cert!),
      key: readFileSync(key!),
      ca: readFileSync(ca!),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': body.length });
        res.end(body);
      });
    },
  );
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`listening on https://127.0.0.1:${(server.address() as AddressInfo).port}/X1/NE\n`);
}

export async function startEchoProcess(
  t: { certFile: string; keyFile: string; caFile: string },
  bytes = 700,
): Promise<EchoProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, t.certFile, t.keyFile, t.caFile, String(bytes)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /listening on (\S+)/.exec(l);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
  return {
    child,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (process.argv[1] === import.meta.filename) void serve();
