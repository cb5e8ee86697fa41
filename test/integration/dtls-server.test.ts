// The DTLS server alone: associations of producers that vanish are dropped after the idle time (fake clock),
// and hostile datagrams (random bytes, truncated records, a ClientHello flood without cookies) allocate
// nothing and never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { dtlsConnect } from '../../src/transport/dtls/client.js';
import { dtlsCredentials } from '../../src/transport/dtls/credentials.js';
import { DtlsServer } from '../../src/transport/dtls/server.js';
import {
  encodeClientHello,
  handshakeMessage,
  HS,
  recordHeader,
  CONTENT,
} from '../../src/transport/dtls/wire.js';
import type { TlsConfig } from '../../src/transport/tls-options.js';
import { FakeClock } from '../support/fake-clock.js';
import { getTestPki } from '../support/pki.js';

const creds = (t: TlsConfig) =>
  dtlsCredentials({
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: readFileSync(t.caFile),
  });

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
