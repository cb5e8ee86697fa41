import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { pino } from 'pino';
import { silentLogger } from '../lib/logger.js';
import { getTestPki, type TestPki } from '../../test/support/pki.js';
import { createX1Server, isAcceptedMediaType, type X1Server, type X1ServerRequest } from './https-server.js';

const XML = 'application/xml';

async function startServer(pki: TestPki, extra: Partial<Parameters<typeof createX1Server>[0]> = {}) {
  const seen: X1ServerRequest[] = [];
  const server = await createX1Server({
    tls: pki.tls('ne-1'),
    listen: { host: '127.0.0.1', port: 0 },
    path: '/X1/NE',
    logger: silentLogger,
    handler: async (req) => {
      seen.push(req);
      return { body: `<echo>${req.body.length}</echo>` };
    },
    ...extra,
  });
  return { server, seen };
}

function agentFor(pki: TestPki, name: string): https.Agent {
  const t = pki.tls(name);
  return new https.Agent({
    keepAlive: true,
    maxSockets: 1,
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: readFileSync(t.caFile),
  });
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: unknown;
}

function request(
  server: X1Server,
  agent: https.Agent,
  opts: { method?: string; path?: string; contentType?: string; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: server.address().port,
        method: opts.method ?? 'POST',
        path: opts.path ?? '/X1/NE',
        agent,
        headers: opts.contentType === undefined ? {} : { 'Content-Type': opts.contentType },
      },
      (res) => {
        const socket = res.socket; // detached from the response once it ends
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            socket,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body ?? '<x/>');
  });
}

test('media types: application/xml and text/xml, charset utf-8 only', () => {
  for (const ok of [
    'application/xml',
    'text/xml',
    'Application/XML; charset=UTF-8',
    'text/xml;charset="utf-8"',
  ])
    assert.equal(isAcceptedMediaType(ok), true, ok);
  for (const bad of [undefined, '', 'application/json', 'text/plain', 'application/xml; charset=iso-8859-1'])
    assert.equal(isAcceptedMediaType(bad), false, String(bad));
});

test('a valid client reaches the handler with its identity; the response has a Content-Length', async () => {
  const pki = await getTestPki();
  const { server, seen } = await startServer(pki);
  const agent = agentFor(pki, 'admf-1');
  try {
    const r = await request(server, agent, { contentType: `${XML}; charset=utf-8`, body: '<hello/>' });
    assert.equal(r.status, 200);
    assert.equal(r.body, '<echo>8</echo>');
    assert.equal(r.headers['content-length'], '14');
    assert.equal(r.headers['transfer-encoding'], undefined);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.peerIdentity, 'admf-1');
    assert.equal(seen[0]!.body.toString(), '<hello/>');
    assert.equal(seen[0]!.remoteAddress, '127.0.0.1');
  } finally {
    agent.destroy();
    await server.close();
  }
});

test('HTTP-level faults: 404 wrong path, 405 wrong method with Allow, 415 wrong media type', async () => {
  const pki = await getTestPki();
  const { server, seen } = await startServer(pki);
  const agent = agentFor(pki, 'admf-1');
  try {
    assert.equal((await request(server, agent, { path: '/X1/ADMF', contentType: XML })).status, 404);
    const r405 = await request(server, agent, { method: 'PUT', contentType: XML });
    assert.equal(r405.status, 405);
    assert.equal(r405.headers.allow, 'POST');
    assert.equal((await request(server, agent, { contentType: 'application/json' })).status, 415);
    assert.equal((await request(server, agent, {})).status, 415);
    assert.equal(seen.length, 0);
    assert.equal(server.stats().httpFaults, 4);
  } finally {
    agent.destroy();
    await server.close();
  }
});

test('413 for a body over the limit, declared or chunked', async () => {
  const pki = await getTestPki();
  const { server, seen } = await startServer(pki, { maxBodyBytes: 1000 });
  const agent = agentFor(pki, 'admf-1');
  try {
    assert.equal((await request(server, agent, { contentType: XML, body: 'x'.repeat(1001) })).status, 413);
    assert.equal((await request(server, agent, { contentType: XML, body: 'x'.repeat(1000) })).status, 200);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: server.address().port, method: 'POST', path: '/X1/NE', agent },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.setHeader('Content-Type', XML);
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('y'.repeat(400));
      req.end();
    });
    assert.equal(chunked, 413);
    assert.equal(seen.length, 1);
  } finally {
    agent.destroy();
    await server.close();
  }
});

test('a 20 MB body gets 413 long before it is sent, and the server does not read it', async () => {
  const pki = await getTestPki();
  const { server } = await startServer(pki);
  const t = pki.tls('admf-1');
  const total = 20 * 2 ** 20;
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  try {
    for (const declared of [true, false]) {
      const started = performance.now();
      const before = server.stats().bodyBytes;
      const result = await new Promise<{ status: string; sent: number }>((resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: server.address().port,
          cert: readFileSync(t.certFile),
          key: readFileSync(t.keyFile),
          ca: readFileSync(t.caFile),
          servername: 'localhost',
        });
        let sent = 0;
        let answer = '';
        socket.on('error', () => resolve({ status: answer.split('\r\n')[0] ?? '', sent }));
        socket.on('data', (d: Buffer) => {
          answer += d.toString('latin1');
          if (answer.includes('\r\n')) resolve({ status: answer.split('\r\n')[0]!, sent });
        });
        socket.on('close', () => resolve({ status: answer.split('\r\n')[0] ?? '', sent }));
        socket.once('secureConnect', () => {
          const length = declared ? `Content-Length: ${total}` : 'Transfer-Encoding: chunked';
          socket.write(`POST /X1/NE HTTP/1.1\r\nHost: x\r\nContent-Type: ${XML}\r\n${length}\r\n\r\n`);
          // One chunk per turn of the event loop, so that the answer is seen as soon as it arrives.
          const pump = () => {
            if (sent >= total || answer || socket.destroyed) return;
            sent += chunk.length;
            const frame = declared
              ? chunk
              : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
            if (socket.write(frame)) setImmediate(pump);
            else socket.once('drain', pump);
          };
          pump();
        });
        setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref();
      });
      assert.match(result.status, /^HTTP\/1\.1 413 /, `declared=${declared}`);
      assert.ok(result.sent < total, `the whole body was sent before the answer (declared=${declared})`);
      // Declared too large: not one body byte read. Chunked: read up to the limit and not much further.
      const limit = declared ? 0 : 2 ** 20 + chunk.length;
      assert.ok(
        server.stats().bodyBytes - before <= limit,
        `server read ${server.stats().bodyBytes - before}`,
      );
      assert.ok(performance.now() - started < 3000);
    }
  } finally {
    await server.close();
  }
});

test('keep-alive: two requests travel on one connection', async () => {
  const pki = await getTestPki();
  const { server } = await startServer(pki);
  const agent = agentFor(pki, 'admf-1');
  try {
    const a = await request(server, agent, { contentType: XML });
    const b = await request(server, agent, { contentType: XML });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.ok(a.socket);
    assert.equal(a.socket, b.socket);
    assert.equal(server.stats().connections, 1);
    assert.equal(server.stats().requests, 2);
  } finally {
    agent.destroy();
    await server.close();
  }
});

test('close() closes idle keep-alive connections', async () => {
  const pki = await getTestPki();
  const { server } = await startServer(pki);
  const agent = agentFor(pki, 'admf-1');
  const r = await request(server, agent, { contentType: XML });
  const socket = r.socket as tls.TLSSocket;
  const closed = new Promise((resolve) => socket.once('close', resolve));
  const started = performance.now();
  await server.close();
  await closed;
  assert.ok(performance.now() - started < 2000);
  agent.destroy();
});

test('insecure plain HTTP warns at start and on each connection; no identity', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
  const seen: X1ServerRequest[] = [];
  const server = await createX1Server({
    listen: { host: '127.0.0.1', port: 0 },
    logger,
    insecurePlainHttp: true,
    handler: async (req) => {
      seen.push(req);
      return { body: '<ok/>' };
    },
  });
  try {
    assert.equal(lines.filter((l) => l.includes('INSECURE')).length, 1);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.address().port,
          method: 'POST',
          path: '/X1/NE',
          headers: { 'Content-Type': XML },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end('<x/>');
    });
    assert.equal(status, 200);
    assert.equal(seen[0]!.peerIdentity, undefined);
    assert.equal(lines.filter((l) => l.includes('INSECURE')).length, 2);
  } finally {
    await server.close();
  }
});

test('a handler failure is a 500, and the server keeps serving', async () => {
  const pki = await getTestPki();
  let fail = true;
  const { server } = await startServer(pki, {
    handler: async () => {
      if (fail) throw new Error('boom');
      return { body: '<ok/>' };
    },
  });
  const agent = agentFor(pki, 'admf-1');
  try {
    assert.equal((await request(server, agent, { contentType: XML })).status, 500);
    fail = false;
    assert.equal((await request(server, agent, { contentType: XML })).status, 200);
  } finally {
    agent.destroy();
    await server.close();
  }
});

test('pipelined requests on one connection are answered in order', async () => {
  const pki = await getTestPki();
  const server = await createX1Server({
    tls: pki.tls('ne-1'),
    listen: { host: '127.0.0.1', port: 0 },
    logger: silentLogger,
    handler: async (req) => {
      // The first answer is the slower one: order must still hold.
      if (req.body.toString() === '<a/>') await new Promise((r) => setTimeout(r, 50));
      return { body: `echo ${req.body.toString()}` };
    },
  });
  const t = pki.tls('admf-1');
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: server.address().port,
        servername: 'localhost',
        cert: readFileSync(t.certFile),
        key: readFileSync(t.keyFile),
        ca: readFileSync(t.caFile),
      });
      let got = '';
      socket.on('error', reject);
      socket.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('echo <b/>')) {
          socket.destroy();
          resolve(got);
        }
      });
      const post = (b: string) =>
        `POST /X1/NE HTTP/1.1\r\nHost: x\r\nContent-Type: ${XML}\r\nContent-Length: ${b.length}\r\n\r\n${b}`;
      socket.once('secureConnect', () => socket.write(post('<a/>') + post('<b/>')));
    });
    assert.ok(text.indexOf('echo <a/>') < text.indexOf('echo <b/>'), text);
    assert.equal(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  } finally {
    await server.close();
  }
});

test('slow peers are cut off: no TLS handshake, or headers that never finish', async () => {
  const pki = await getTestPki();
  const timeouts = { handshakeMs: 300, headersMs: 300, requestMs: 600, checkIntervalMs: 50 };
  const { server } = await startServer(pki, { timeouts });
  const t = pki.tls('admf-1');
  const closedAfter = (socket: net.Socket) => {
    const started = performance.now();
    return new Promise<number>((resolve) => {
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(performance.now() - started));
      socket.resume(); // read, or the end of the stream is never seen
    });
  };
  try {
    // A TCP connection that never starts TLS.
    const silent = net.connect(server.address().port, '127.0.0.1');
    const silentMs = await closedAfter(silent);
    assert.ok(silentMs >= 250 && silentMs < 2000, `silent peer closed after ${silentMs} ms`);
    // A TLS connection that sends half a request head and stops.
    const slow = tls.connect({
      host: '127.0.0.1',
      port: server.address().port,
      servername: 'localhost',
      cert: readFileSync(t.certFile),
      key: readFileSync(t.keyFile),
      ca: readFileSync(t.caFile),
    });
    slow.once('secureConnect', () => slow.write('POST /X1/NE HTTP/1.1\r\nHost: x\r\n'));
    const slowMs = await closedAfter(slow);
    assert.ok(slowMs >= 250 && slowMs < 2000, `slow peer closed after ${slowMs} ms`);
  } finally {
    await server.close();
  }
});
