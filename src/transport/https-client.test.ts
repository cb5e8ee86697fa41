import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { silentLogger } from '../lib/logger.js';
import { getTestPki, type TestPki } from '../../test/support/pki.js';
import {
  classifyRequestError,
  createX1Client,
  PEER_CLOSED,
  X1ClientClosedError,
  X1HttpStatusError,
  X1NetworkError,
  X1ResponseTooLargeError,
  X1TimeoutError,
  X1TlsError,
} from './https-client.js';
import { createX1Server, type X1Handler } from './https-server.js';

async function serverWith(pki: TestPki, handler: X1Handler, name = 'ne-1') {
  const server = await createX1Server({
    tls: pki.tls(name),
    listen: { host: '127.0.0.1', port: 0 },
    logger: silentLogger,
    handler,
  });
  return { server, url: `https://127.0.0.1:${server.address().port}/X1/NE` };
}

test('post returns the body and the verified server identity; one connection for many requests', async () => {
  const pki = await getTestPki();
  const { server, url } = await serverWith(pki, async (req) => ({
    body: Buffer.concat([req.body, req.body]),
  }));
  const client = createX1Client({ tls: pki.tls('admf-1'), url });
  try {
    for (let i = 0; i < 3; i++) {
      const r = await client.post(`<n>${i}</n>`);
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), `<n>${i}</n><n>${i}</n>`);
      assert.equal(r.peerIdentity, 'ne-1');
    }
    assert.equal(server.stats().connections, 1);
    assert.ok(client.peerCertificate()!.notAfter.getTime() > Date.now());
  } finally {
    await client.close();
    await server.close();
  }
});

test('identityAttribute cn reads the CN; an ambiguous UID gives no identity', async () => {
  const pki = await getTestPki();
  const cnServer = await serverWith(pki, async () => ({ body: '<ok/>' }), 'cnOnly');
  const twoUidServer = await serverWith(pki, async () => ({ body: '<ok/>' }), 'twoUids');
  const clients = [
    createX1Client({ tls: pki.tls('admf-1'), url: cnServer.url, identityAttribute: 'cn' }),
    createX1Client({ tls: pki.tls('admf-1'), url: cnServer.url }),
    createX1Client({ tls: pki.tls('admf-1'), url: twoUidServer.url }),
  ];
  try {
    assert.equal((await clients[0]!.post('<x/>')).peerIdentity, 'admf-cn');
    assert.equal((await clients[1]!.post('<x/>')).peerIdentity, undefined);
    assert.equal((await clients[2]!.post('<x/>')).peerIdentity, undefined);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await cnServer.server.close();
    await twoUidServer.server.close();
  }
});

test('typed errors: HTTP status, timeout, too large, TLS, network, closed', async () => {
  const pki = await getTestPki();
  const { server, url } = await serverWith(pki, async (req) => {
    const text = req.body.toString();
    if (text === 'slow') await new Promise((r) => setTimeout(r, 500));
    return { body: text === 'big' ? Buffer.alloc(5000) : '<ok/>' };
  });
  const client = createX1Client({ tls: pki.tls('admf-1'), url, timeoutMs: 200, maxResponseBytes: 4000 });
  try {
    const notFound = createX1Client({ tls: pki.tls('admf-1'), url: url.replace('/X1/NE', '/nope') });
    await assert.rejects(notFound.post('<x/>'), (e) => e instanceof X1HttpStatusError && e.status === 404);
    await notFound.close();
    await assert.rejects(client.post('slow'), X1TimeoutError);
    await assert.rejects(client.post('big'), X1ResponseTooLargeError);
    assert.equal((await client.post('<x/>')).status, 200);

    const untrusted = createX1Client({ tls: pki.tls('untrusted'), url });
    await assert.rejects(untrusted.post('<x/>'), (e) => e instanceof X1TlsError && e.code === PEER_CLOSED);
    await untrusted.close();

    const rogueServer = await serverWith(pki, async () => ({ body: '<ok/>' }), 'untrusted');
    const toRogue = createX1Client({ tls: pki.tls('admf-1'), url: rogueServer.url });
    await assert.rejects(
      toRogue.post('<x/>'),
      (e) => e instanceof X1TlsError && e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    await toRogue.close();
    await rogueServer.server.close();

    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const refused = createX1Client({ tls: pki.tls('admf-1'), url: `https://127.0.0.1:${closedPort}/X1/NE` });
    await assert.rejects(
      refused.post('<x/>'),
      (e) => e instanceof X1NetworkError && e.code === 'ECONNREFUSED',
    );
    await refused.close();
  } finally {
    await client.close();
    await server.close();
  }
  await assert.rejects(client.post('<x/>'), X1ClientClosedError);
});

test('classifyRequestError sorts TLS codes from network codes', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  for (const c of [
    'CERT_HAS_EXPIRED',
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    'UNABLE_TO_GET_CRL',
    'EPROTO',
  ])
    assert.ok(classifyRequestError(err(c)) instanceof X1TlsError, c);
  for (const c of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'])
    assert.ok(classifyRequestError(err(c)) instanceof X1NetworkError, c);
});

test('reload: the client presents the new certificate on new connections', async () => {
  const pki = await getTestPki();
  const seen: (string | undefined)[] = [];
  const { server, url } = await serverWith(pki, async (req) => {
    seen.push(req.peerIdentity);
    return { body: '<ok/>' };
  });
  const files = await pki.issue('client-reload', { identity: 'admf-old' });
  const client = createX1Client({
    tls: { certFile: files.certFile, keyFile: files.keyFile, caFile: pki.caFile },
    url,
  });
  try {
    await client.post('<x/>');
    const next = await pki.issue('client-reload', { identity: 'admf-new' });
    assert.equal(next.certFile, files.certFile);
    client.reload();
    await client.post('<x/>');
    assert.deepEqual(seen, ['admf-old', 'admf-new']);
  } finally {
    await client.close();
    await server.close();
  }
});

test('plain http URL works only without TLS (insecure test mode)', async () => {
  const pki = await getTestPki();
  assert.throws(() => createX1Client({ tls: pki.tls('admf-1'), url: 'http://127.0.0.1:1/X1/NE' }), TypeError);
  assert.throws(() => createX1Client({ url: 'https://127.0.0.1:1/X1/NE' }), TypeError);
  const server = await createX1Server({
    listen: { host: '127.0.0.1', port: 0 },
    logger: silentLogger,
    insecurePlainHttp: true,
    handler: async () => ({ body: '<ok/>' }),
  });
  const client = createX1Client({ url: `http://127.0.0.1:${server.address().port}/X1/NE` });
  try {
    const r = await client.post('<x/>');
    assert.equal(r.body.toString(), '<ok/>');
    assert.equal(r.peerIdentity, undefined);
  } finally {
    await client.close();
    await server.close();
  }
});

test('IPv6 loopback: the certificate names ::1 and the URL carries it in brackets', async () => {
  const pki = await getTestPki();
  const server = await createX1Server({
    tls: pki.tls('ne-1'),
    listen: { host: '::1', port: 0 },
    logger: silentLogger,
    handler: async (req) => ({ body: req.remoteAddress }),
  });
  const client = createX1Client({
    tls: pki.tls('admf-1'),
    url: `https://[::1]:${server.address().port}/X1/NE`,
  });
  try {
    const r = await client.post('<x/>');
    assert.equal(r.body.toString(), '::1');
    assert.equal(r.peerIdentity, 'ne-1');
  } finally {
    await client.close();
    await server.close();
  }
});
