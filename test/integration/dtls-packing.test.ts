// DTLS sending packed to the path MTU (src/transport/dtls/client.ts): a UDP relay between the client and the
// server sees every datagram, so the tests check sizes and counts on the wire, not the client's own word;
// the collector splits records that carry several EEP messages and counts what is left over as malformed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { parseStmUri } from '../../src/stm/uri.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { dtlsConnect, type DtlsClient } from '../../src/transport/dtls/client.js';
import { RECORD_OVERHEAD } from '../../src/transport/dtls/crypto.js';
import { DtlsServer } from '../../src/transport/dtls/server.js';
import { dtlsCredsOf } from '../support/dtls.js';
import { getTestPki } from '../support/pki.js';
import { eepBytes, sipReport } from '../support/stm-reports.js';

const XID_MTU = '8f1c5a4e-2b1d-4c3e-9f00-0000000000bb';

const creds = dtlsCredsOf;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A UDP relay to `target` that records the size of every datagram from the client side after `start()`. */
async function relay(target: number): Promise<{ port: number; sizes: number[]; close(): void }> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  let client: RemoteInfo | undefined;
  const sizes: number[] = [];
  front.on('message', (m, r) => {
    client = r;
    sizes.push(m.length);
    back.send(m, target, '127.0.0.1');
  });
  back.on('message', (m) => client && front.send(m, client.port, client.address));
  await Promise.all([
    new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r())),
    new Promise<void>((r) => back.bind(0, '127.0.0.1', () => r())),
  ]);
  return {
    port: front.address().port,
    sizes,
    close: () => [front, back].forEach((s: Socket) => s.close()),
  };
}

async function connected(c: DtlsClient): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('close', (reason) => reject(new Error(reason)));
  });
}

test('records of one turn share datagrams no larger than the MTU allows; a message too large goes alone', async () => {
  const pki = await getTestPki();
  const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, creds: creds(pki.tls('admf-1')) });
  const r = await relay(server.port);
  const got: Buffer[] = [];
  server.on('data', (d) => got.push(d));
  const mtu = 576;
  const client = dtlsConnect({ host: '127.0.0.1', port: r.port, creds: creds(pki.tls('ne-1')), mtu });
  try {
    await connected(client);
    const handshakeDatagrams = r.sizes.length;
    const sent = Array.from({ length: 30 }, (_, i) => Buffer.alloc(100, i));
    const big = Buffer.alloc(2000, 0xee);
    for (const b of sent.slice(0, 15)) assert.equal(client.send(b), true);
    assert.equal(client.send(big), true);
    for (const b of sent.slice(15)) assert.equal(client.send(b), true);
    await until(() => got.length === 31);
    assert.deepEqual(got, [...sent.slice(0, 15), big, ...sent.slice(15)], 'every message once, in order');
    const data = r.sizes.slice(handshakeDatagrams);
    const limit = mtu - 28; // IPv4 and UDP headers
    assert.deepEqual(
      data.filter((s) => s > limit),
      [2000 + RECORD_OVERHEAD],
      'only the oversized message exceeds the MTU, alone in its record',
    );
    assert.equal(client.overMtu, 1);
    // 100-byte messages cost 137 bytes as records: 4 fill the 548 bytes exactly; the big one flushes the queue.
    const four = 4 * (100 + RECORD_OVERHEAD);
    const three = 3 * (100 + RECORD_OVERHEAD);
    assert.deepEqual(data, [four, four, four, three, 2000 + RECORD_OVERHEAD, four, four, four, three]);
  } finally {
    client.close();
    r.close();
    await server.close();
  }
});

test('coalescing puts several messages in one record, and their bytes arrive in order', async () => {
  const pki = await getTestPki();
  const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, creds: creds(pki.tls('admf-1')) });
  const records: Buffer[] = [];
  server.on('data', (d) => records.push(d));
  const client = dtlsConnect({
    host: '127.0.0.1',
    port: server.port,
    creds: creds(pki.tls('ne-1')),
    coalesce: true,
  });
  try {
    await connected(client);
    const sent = Array.from({ length: 40 }, (_, i) => Buffer.alloc(90 + i, i));
    for (const b of sent) client.send(b);
    const total = sent.reduce((n, b) => n + b.length, 0);
    await until(() => records.reduce((n, b) => n + b.length, 0) === total);
    assert.ok(records.length < sent.length / 5, `${sent.length} messages in ${records.length} records`);
    assert.ok(records.every((rec) => rec.length + RECORD_OVERHEAD <= 1500 - 28));
    assert.deepEqual(Buffer.concat(records), Buffer.concat(sent));
  } finally {
    client.close();
    await server.close();
  }
});

test('the collector takes every EEP message of a packed record and counts trailing garbage as malformed', async () => {
  const pki = await getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'lix-dtls-pack-'));
  const collector = await startCollector({
    listen: ['eep+dtls://127.0.0.1:0'],
    outDir: dir,
    logger: silentLogger,
    tls: pki.tls('admf-1'),
  });
  const port = parseStmUri(collector.listeners[0]!.text).port;
  const client = dtlsConnect({ host: '127.0.0.1', port, creds: creds(pki.tls('ne-1')), coalesce: true });
  try {
    await connected(client);
    const message = (i: number) => Buffer.from(eepBytes(i, '8f1c5a4e-2b1d-4c3e-9f00-0000000000aa'));
    for (let i = 0; i < 3; i++) client.send(message(i));
    client.send(Buffer.from('not an EEP message'));
    await until(() => collector.stats().totals.decoded === 3 && collector.stats().totals.malformed === 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(collector.stats().totals.decoded, 3);
    assert.equal(collector.stats().totals.malformed, 1);
  } finally {
    client.close();
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('?mtu= is a DTLS parameter with bounds', () => {
  assert.equal(parseStmUri('eep+dtls://127.0.0.1:9061?mtu=1280').mtu, 1280);
  assert.equal(parseStmUri('gre-pcapng+dtls://127.0.0.1:9061?mtu=9000&identity=c-1').mtu, 9000);
  assert.equal(parseStmUri('eep+dtls://127.0.0.1:9061').mtu, undefined);
  assert.throws(() => parseStmUri('eep+udp://127.0.0.1:9060?mtu=1500'), /mtu applies to DTLS schemes only/);
  for (const bad of ['575', '65536', '1e3', '', '1500&mtu=1500'])
    assert.throws(() => parseStmUri(`eep+dtls://127.0.0.1:9061?mtu=${bad}`), /mtu must be given once/);
});

test('an eep+dtls sender counts a report over ?mtu= in overMtu, and the collector still decodes it', async () => {
  const pki = await getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'lix-dtls-mtu-'));
  const collector = await startCollector({
    listen: ['eep+dtls://127.0.0.1:0'],
    outDir: dir,
    logger: silentLogger,
    tls: pki.tls('admf-1'),
  });
  const port = parseStmUri(collector.listeners[0]!.text).port;
  const sender = createStmSender(`eep+dtls://127.0.0.1:${port}?mtu=576`, {
    logger: silentLogger,
    tls: pki.tls('ne-1'),
  });
  const report = (i: number, size: number) =>
    sipReport(XID_MTU, i, `MESSAGE sip:x SIP/2.0\r\nCall-ID: ${i}\r\n\r\n${'x'.repeat(size)}`);
  try {
    sender.send(report(0, 10));
    assert.equal(await sender.drain!(10_000), true);
    sender.send(report(1, 10));
    sender.send(report(2, 3000));
    sender.send(report(3, 10));
    await until(() => collector.stats().totals.decoded === 4);
    assert.equal(sender.counters.overMtu, 1);
    assert.equal(sender.counters.tooLarge, 0);
    assert.equal(collector.stats().totals.malformed, 0);
  } finally {
    await sender.close();
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
