// Issue #17 part 4 and 5a: one host cannot starve new connections, and cannot flood the log. Independent
// drivers: Node sockets that open TCP and say nothing, Python's ssl sending a ClientHello and then silence,
// a mutual-TLS client bound to another loopback address (127.0.0.2, .3). Timeouts are small configured
// values; the assertions are about what happened (closed, refused, served), never about durations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import https from 'node:https';
import { createX1Server, type X1ServerOptions } from '../../src/transport/https-server.js';
import { getTestPki } from '../support/pki.js';
import {
  captureLogger,
  clientTls,
  closed,
  idleTcp,
  post,
  pythonHellos,
  until,
} from '../support/conn-flood.js';

const PATH = '/X1/NE';

async function x1Server(extra: Partial<X1ServerOptions>) {
  const pki = await getTestPki();
  const { logger, lines } = captureLogger();
  const server = await createX1Server({
    tls: pki.tls('ne-1'),
    listen: { host: '0.0.0.0', port: 0 },
    path: PATH,
    logger,
    handler: async () => ({ body: '<ok/>' }),
    ...extra,
  });
  const port = server.address().port;
  const legit = (localAddress: string, agent: https.Agent | false = false) =>
    post(port, PATH, { ...clientTls(pki.tls('admf-1'), localAddress), agent });
  const keepAlive = (localAddress: string) =>
    new https.Agent({ keepAlive: true, maxSockets: 1, ...clientTls(pki.tls('admf-1'), localAddress) });
  return { server, port, lines, legit, keepAlive };
}

test('X1: one host flooding idle TCP and TLS hellos is capped per address; a mutual-TLS client from another address always gets in', async () => {
  const x = await x1Server({
    maxConnectionsPerAddress: 8,
    maxConnections: 64,
    warningsPerMinute: 5,
    timeouts: { handshakeMs: 120_000 },
  });
  const hellos = await pythonHellos(x.port, 20);
  const idle = [];
  for (let i = 0; i < 40; i++) idle.push(await idleTcp(x.port));
  await until(() => x.server.stats().connectionsRefused.per_address === 52, '52 refusals');
  // The flood goes on (every refused socket reopened at once) while the legitimate client connects anew.
  let stop = false;
  let reopened = 0;
  const flooders = Array.from({ length: 4 }, async () => {
    while (!stop) {
      await closed(await idleTcp(x.port));
      reopened++;
    }
  });
  let ok = 0;
  for (let i = 0; i < 30; i++) if ((await x.legit('127.0.0.2')).status === 200) ok++;
  stop = true;
  await Promise.all(flooders);
  assert.equal(ok, 30, 'every legitimate connection served');
  assert.ok(reopened > 0);
  const s = x.server.stats();
  assert.equal(s.connectionsRefused.per_address, 52 + reopened);
  assert.equal(s.connectionsRefused.total, 0);
  assert.equal(s.tlsRejections, 0, 'a refusal by the guard is not a refused handshake');
  assert.equal(s.connections, 30);
  // Python sees 12 of its 20 connections closed by the server at once, the first 8 still in their handshake.
  assert.deepEqual(await hellos.ask('check'), { closed: 12, of: 20 });
  // Python's 8 connections still in their handshake are reset by the peer: those are refused handshakes.
  await hellos.stop();
  await until(() => x.server.stats().tlsRejections === 8, 'the 8 resets');
  for (const c of idle) c.destroy();
  await x.server.close();
  const refusedLines = x.lines.filter((l) => l.msg === 'X1 connection refused');
  assert.equal(refusedLines.length, 5, 'the first 5 refusals of 127.0.0.1 are logged');
  const summary = x.lines.filter((l) => String(l.msg).startsWith('suppressed '));
  assert.deepEqual(
    summary.map((l) => l.msg),
    [`suppressed ${52 + reopened + 8 - 5} warnings from 127.0.0.1 in the last 60 s`],
  );
  assert.equal(x.server.stats().warningsSuppressed, 52 + reopened + 8 - 5);
});

test('X1: connections that do not finish their TLS handshake are closed after the short timeout; an authenticated idle keep-alive connection is not', async () => {
  const x = await x1Server({ timeouts: { handshakeMs: 300, keepAliveMs: 120_000 } });
  const agent = x.keepAlive('127.0.0.2');
  try {
    const first = await x.legit('127.0.0.2', agent);
    assert.equal(first.status, 200);
    const hellos = await pythonHellos(x.port, 2);
    await closed(await idleTcp(x.port));
    assert.deepEqual(await hellos.ask('wait'), { closed: 2, of: 2 });
    await hellos.stop();
    await closed(await idleTcp(x.port)); // a second round of the short timeout has passed
    const second = await x.legit('127.0.0.2', agent);
    assert.equal(second.status, 200);
    assert.equal(second.socket, first.socket, 'the keep-alive connection was kept');
    const s = x.server.stats();
    assert.equal(s.connections, 1);
    assert.equal(s.connectionsRefused.pending_timeout, 4);
  } finally {
    agent.destroy();
    await x.server.close();
  }
});

test('X1: at the total cap a connection still in its handshake is evicted for a new one; an authenticated one never is', async () => {
  const x = await x1Server({ maxConnections: 4, timeouts: { handshakeMs: 120_000, keepAliveMs: 120_000 } });
  const agent = x.keepAlive('127.0.0.2');
  const idle = [];
  try {
    const first = await x.legit('127.0.0.2', agent);
    for (let i = 0; i < 3; i++) idle.push(await idleTcp(x.port));
    assert.equal(x.server.stats().connectionsRefused.evicted, 0);
    assert.equal((await x.legit('127.0.0.3')).status, 200, 'a new peer is admitted at the cap');
    await closed(idle[0]!);
    assert.equal(idle[1]!.destroyed || idle[2]!.destroyed, false, 'only the oldest was evicted');
    const again = await x.legit('127.0.0.2', agent);
    assert.equal(again.socket, first.socket, 'the authenticated connection was not evicted');
    assert.equal(x.server.stats().connectionsRefused.evicted, 1);
  } finally {
    for (const c of idle) c.destroy();
    agent.destroy();
    await x.server.close();
  }
});

test('X1: 500 bad handshakes from one address write at most N lines and one summary; all 500 are counted', async () => {
  const x = await x1Server({ warningsPerMinute: 5 });
  const garbage = async () => {
    const s = connect({ port: x.port, host: '127.0.0.1' });
    s.on('error', () => undefined);
    await once(s, 'connect');
    s.write('GET / HTTP/1.0\r\n\r\n');
    await closed(s);
  };
  for (let i = 0; i < 100; i++) await Promise.all(Array.from({ length: 5 }, garbage));
  await until(() => x.server.stats().tlsRejections === 500, '500 refused handshakes');
  await x.server.close();
  const about = x.lines.filter((l) => l.remoteAddress === '127.0.0.1');
  assert.equal(about.filter((l) => l.msg === 'TLS handshake refused').length, 5);
  assert.deepEqual(
    about.filter((l) => l.msg !== 'TLS handshake refused').map((l) => l.msg),
    ['suppressed 495 warnings from 127.0.0.1 in the last 60 s'],
  );
  assert.equal(x.server.stats().warningsSuppressed, 495);
});

test('lix ne takes maxConnectionsPerAddress from its configuration file', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { startLix } = await import('../support/daemon.js');
  const pki = await getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'lix-conn-cfg-'));
  const config = join(dir, 'ne.json');
  writeFileSync(
    config,
    JSON.stringify({
      id: 'ne-1',
      admfId: 'admf-1',
      listenHost: '127.0.0.1',
      listenPort: 0,
      certFile: pki.identities['ne-1']!.certFile,
      keyFile: pki.identities['ne-1']!.keyFile,
      caFile: pki.caFile,
      dataDir: join(dir, 'data'),
      maxConnectionsPerAddress: 2,
    }),
  );
  const ne = startLix(['ne', '--config', config]);
  try {
    const line = await ne.waitFor(/listening on https:\/\/127\.0\.0\.1:(\d+)/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
    const kept = [await idleTcp(port), await idleTcp(port)];
    const third = await idleTcp(port);
    await closed(third);
    for (const s of kept) assert.ok(!s.destroyed && s.readyState === 'open', 'the first two stay open');
    for (const s of kept) s.destroy();
  } finally {
    ne.child.kill('SIGTERM');
    await ne.exited;
  }
});
