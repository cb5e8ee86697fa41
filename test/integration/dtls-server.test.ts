// The DTLS server alone: associations of producers that vanish are dropped after the idle time (fake clock),
// and hostile datagrams (random bytes, truncated records, a ClientHello flood without cookies) allocate
// nothing and never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { dtlsConnect } from '../../src/transport/dtls/client.js';
import { DtlsServer } from '../../src/transport/dtls/server.js';
import {
  encodeClientHello,
  handshakeMessage,
  HS,
  recordHeader,
  CONTENT,
} from '../../src/transport/dtls/wire.js';
import { FakeClock } from '../support/fake-clock.js';
import { dtlsCredsOf } from '../support/dtls.js';
import { getTestPki } from '../support/pki.js';

const creds = dtlsCredsOf;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('an association that receives nothing for idleMs is dropped', async () => {
  const pki = await getTestPki();
  const clock = new FakeClock(1_800_000_000_000);
  const server = await DtlsServer.listen({
    host: '127.0.0.1',
    port: 0,
    creds: creds(pki.tls('admf-1')),
    clock,
    idleMs: 60_000,
  });
  const client = dtlsConnect({ host: '127.0.0.1', port: server.port, creds: creds(pki.tls('ne-1')) });
  try {
    await until(() => server.counters.handshakes === 1);
    assert.equal(server.counters.sessions, 1);
    await clock.advance(30_000);
    assert.equal(server.counters.sessions, 1, 'not idle yet');
    await clock.advance(60_000);
    assert.equal(server.counters.sessions, 0);
  } finally {
    client.close();
    await server.close();
  }
});

test('hostile datagrams allocate nothing and do not throw', async () => {
  const pki = await getTestPki();
  const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, creds: creds(pki.tls('admf-1')) });
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const replies: Buffer[] = [];
  sock.on('message', (m) => replies.push(m));
  // Paced (a timer turn per datagram) so that the server reads as fast as we send: nothing lost in the kernel.
  const send = (b: Buffer) =>
    new Promise<void>((r) => sock.send(b, server.port, '127.0.0.1', () => setTimeout(r, 1)));
  try {
    for (let i = 0; i < 200; i++) await send(randomBytes(1 + (i % 300)));
    const hello = handshakeMessage(
      HS.clientHello,
      0,
      encodeClientHello(randomBytes(32), Buffer.alloc(0), [0xc02b]),
    );
    const record = Buffer.concat([recordHeader(CONTENT.handshake, 0, 0, hello.length), hello]);
    for (let cut = 1; cut < record.length; cut += 7) await send(record.subarray(0, cut));
    for (let i = 0; i < 100; i++) await send(record);
    const helloVerifies = () => replies.filter((r) => r[0] === CONTENT.handshake);
    // The server counts a cookie when it sends it: wait for the replies to arrive here as well.
    await until(() => server.counters.cookies === 100 && helloVerifies().length >= 100);
    assert.equal(server.counters.sessions, 0, 'cookie-less ClientHellos allocate nothing');
    const hvrs = helloVerifies();
    assert.equal(hvrs.length, 100, 'one HelloVerifyRequest each');
    assert.ok(
      hvrs.every((r) => r.length < record.length),
      'the reply is smaller than the request',
    );
    assert.ok(
      replies.length - hvrs.length <= 2,
      'protected-looking random records: an alert at most once a second',
    );
  } finally {
    sock.close();
    await server.close();
  }
});

/** A raw UDP peer that speaks just enough DTLS to ask for cookies and echo them. */
async function rawPeer(port: number) {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const replies: Buffer[] = [];
  sock.on('message', (m) => replies.push(m));
  const hello = (random: Buffer, cookie: Buffer) => {
    const m = handshakeMessage(HS.clientHello, 0, encodeClientHello(random, cookie, [0xc02b]));
    sock.send(Buffer.concat([recordHeader(CONTENT.handshake, 0, 0, m.length), m]), port, '127.0.0.1');
  };
  /** The handshake type of the next reply (byte 13: after the record header). */
  const next = async (): Promise<Buffer> => {
    const n = replies.length;
    await until(() => replies.length > n);
    return replies[n]!;
  };
  return {
    /** Sends a ClientHello without a cookie and returns the cookie of the HelloVerifyRequest. */
    async cookie(random: Buffer): Promise<Buffer> {
      const wait = next();
      hello(random, Buffer.alloc(0));
      const r = await wait;
      assert.equal(r[13], HS.helloVerifyRequest);
      const at = 13 + 12 + 2;
      return r.subarray(at + 1, at + 1 + r[at]!);
    },
    /** Echoes a cookie; returns the handshake type the server answered with. */
    async echo(random: Buffer, cookie: Buffer): Promise<number> {
      const wait = next();
      hello(random, cookie);
      return (await wait)[13]!;
    },
    close: () => sock.close(),
  };
}

test('the cookie secret rotates: a cookie of the previous secret passes, an older one gets a new HelloVerifyRequest', async () => {
  const pki = await getTestPki();
  const clock = new FakeClock(1_800_000_000_000);
  const server = await DtlsServer.listen({
    host: '127.0.0.1',
    port: 0,
    creds: creds(pki.tls('admf-1')),
    clock,
    cookieRotateMs: 60_000,
  });
  const a = await rawPeer(server.port);
  const b = await rawPeer(server.port);
  try {
    const ra = randomBytes(32);
    const ca = await a.cookie(ra);
    await clock.advance(60_000); // one rotation: ca was made with what is now the previous secret
    assert.equal(await a.echo(ra, ca), HS.serverHello, 'accepted after one rotation');
    assert.equal(server.counters.sessions, 1);
    const rb = randomBytes(32);
    const cb = await b.cookie(rb);
    await clock.advance(120_000); // two rotations: cb's secret is gone
    const cookies = server.counters.cookies;
    assert.equal(await b.echo(rb, cb), HS.helloVerifyRequest, 'refused after two rotations');
    assert.equal(server.counters.cookies, cookies + 1);
    assert.equal(server.counters.sessions, 0, 'the stale cookie allocated nothing (a timed out)');
  } finally {
    a.close();
    b.close();
    await server.close();
  }
});

test('at most maxPerAddress associations from one address: the next is refused and counted, a freed slot is reused', async () => {
  const pki = await getTestPki();
  const server = await DtlsServer.listen({
    host: '127.0.0.1',
    port: 0,
    creds: creds(pki.tls('admf-1')),
    maxPerAddress: 2,
  });
  const connect = () => dtlsConnect({ host: '127.0.0.1', port: server.port, creds: creds(pki.tls('ne-1')) });
  const c1 = connect();
  const c2 = connect();
  let c3: ReturnType<typeof connect> | undefined;
  let c4: ReturnType<typeof connect> | undefined;
  try {
    await until(() => server.counters.handshakes === 2);
    c3 = connect();
    await until(() => server.counters.refusedPerAddress >= 1);
    assert.equal(server.counters.sessions, 2);
    c1.close();
    await until(() => server.counters.sessions === 1);
    c4 = connect();
    await until(() => server.counters.handshakes === 3);
    assert.equal(server.counters.sessions, 2);
  } finally {
    for (const c of [c1, c2, c3, c4]) c?.close();
    await server.close();
  }
});
