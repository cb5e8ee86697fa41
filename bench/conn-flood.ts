/**
 * Issue #17 part 4, measured: one host (127.0.0.1) keeps reopening idle TCP connections to an X1 server
 * (each sits until the server closes it), while a mutual-TLS client from 127.0.0.2 opens a new connection
 * every 50 ms and sends one request with a 2 s limit. Prints the legitimate client's success rate.
 * Run against any checkout to compare: `node --import tsx bench/conn-flood.ts [ROOT] [SECONDS]` (ROOT: a
 * lix checkout whose src/transport/https-server.ts is measured, default this one).
 */
import { resolve } from 'node:path';
import { connect, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../src/lib/logger.js';
import type * as HttpsServer from '../src/transport/https-server.js';
import { getTestPki } from '../test/support/pki.js';
import { clientTls, post } from '../test/support/conn-flood.js';

const root = resolve(process.argv[2] ?? resolve(import.meta.dirname, '..'));
const seconds = Number(process.argv[3] ?? 20);
const FLOOD_PARALLEL = 300;

const { createX1Server } = (await import(
  pathToFileURL(resolve(root, 'src/transport/https-server.ts')).href
)) as typeof HttpsServer;
const pki = await getTestPki();
const server = await createX1Server({
  tls: pki.tls('ne-1'),
  listen: { host: '0.0.0.0', port: 0 },
  path: '/X1/NE',
  logger: silentLogger,
  handler: async () => ({ body: '<ok/>' }),
});
const port = server.address().port;
let stop = false;
let floodOpened = 0;
const open = new Set<Socket>();
const flooder = async () => {
  while (!stop) {
    await new Promise<void>((done) => {
      const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1' });
      open.add(s);
      floodOpened++;
      s.on('error', () => undefined);
      s.on('close', () => {
        open.delete(s);
        setTimeout(done, 20);
      });
    });
  }
};
const flood = Array.from({ length: FLOOD_PARALLEL }, flooder);
await new Promise((r) => setTimeout(r, 1000));
let ok = 0;
let tried = 0;
const tls = clientTls(pki.tls('admf-1'), '127.0.0.2');
const end = Date.now() + seconds * 1000;
const attempts: Promise<void>[] = [];
while (Date.now() < end) {
  tried++;
  attempts.push(
    Promise.race([
      post(port, '/X1/NE', { ...tls, agent: false }).then((r) => r.status === 200),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
    ])
      .catch(() => false)
      .then((good) => void (good && ok++)),
  );
  await new Promise((r) => setTimeout(r, 50));
}
await Promise.all(attempts);
stop = true;
for (const s of open) s.destroy();
await Promise.all(flood);
const stats = server.stats() as unknown as Record<string, unknown>;
await server.close();
console.log(
  JSON.stringify({
    root,
    seconds,
    legitimate: { tried, ok, rate: Number((ok / tried).toFixed(3)) },
    floodConnectionsOpened: floodOpened,
    connectionsRefused: stats.connectionsRefused ?? 'n/a',
  }),
);
process.exit(0);
