// eep+dtls (TS 33.501 §5.9.4.2) with the lab PKI, and OpenSSL as the independent peer: lix → lix, lix sender →
// `openssl s_server -dtls1_2 -Verify 1` (the EEP frames arrive intact), `openssl s_client -dtls1_2` → lix
// collector; refusals (no client certificate, another CA, a forged CertificateVerify, not on the allow-list,
// the wrong consumer identity, a replayed record) are counted and nothing is written.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { decodeEep, EEP_PROTOCOL_TYPES, EepDeframer } from '../../src/stm/eep.js';
import type { StmReport } from '../../src/stm/report.js';
import type { StmFaultInfo } from '../../src/transport/stm-sender-base.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { dtlsConnect } from '../../src/transport/dtls/client.js';
import { Registry } from 'prom-client';
import { collectorMetrics } from '../../src/metrics/collector.js';
import { getTestPki } from '../support/pki.js';
import { hasTool, skipUnless } from '../support/shared.js';

const opensslSkip = skipUnless(hasTool('openssl', ['version']), 'openssl');
const dir = mkdtempSync(join(tmpdir(), 'lix-dtls-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill();
  rmSync(dir, { recursive: true, force: true });
});

const XID = '8f1c5a4e-2b1d-4c3e-9f00-0000000d7150';

function report(i: number): StmReport {
  return {
    xid: XID,
    neId: 'ne-1',
    timestampMicros: 1_763_800_000_000_000n + BigInt(i),
    ipVersion: 4,
    ipProtocol: 17,
    srcAddress: '10.1.1.1',
    dstAddress: '10.2.2.2',
    srcPort: 5060,
    dstPort: 5060,
    protocolType: EEP_PROTOCOL_TYPES.sip,
    payload: new TextEncoder().encode(
      `OPTIONS sip:x SIP/2.0\r\nCall-ID: ${i}@dtls\r\nContent-Length: 0\r\n\r\n`,
    ),
  };
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function collector(name: string, allowProducers?: readonly string[]): Promise<Collector> {
  const pki = await getTestPki();
  return startCollector({
    listen: ['eep+dtls://127.0.0.1:0'],
    outDir: join(dir, name),
    logger: silentLogger,
    tls: pki.tls('admf-1'),
    ...(allowProducers && { allowProducers }),
  });
}

/** Runs openssl with its stdin held open; collects stdout bytes. */
function openssl(args: string[]): { out: () => Buffer; stop: () => void } {
  const p = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(p);
  const chunks: Buffer[] = [];
  p.stdout.on('data', (d: Buffer) => chunks.push(d));
  p.stderr.on('data', () => undefined);
  return { out: () => Buffer.concat(chunks), stop: () => p.kill() };
}

test('lix → lix over eep+dtls: every report decoded and written', async () => {
  const pki = await getTestPki();
  const c = await collector('lix-lix', ['ne-1']);
  const sender = createStmSender(`${c.listeners[0]!.text}?identity=${pki.admf}`, {
    logger: silentLogger,
    tls: pki.tls('ne-1'),
  });
  try {
    for (let i = 0; i < 20; i++) sender.send(report(i));
    assert.equal(await sender.drain!(8000), true);
    await until(() => c.stats().totals.decoded === 20);
    c.flush();
    const s = c.stats();
    assert.equal(s.totals.malformed, 0);
    assert.equal(s.files.length, 1);
    assert.equal(s.dtls?.handshakes, 1);
    assert.equal(s.dtls?.cookies, 1, 'the first ClientHello was answered with a cookie');
    assert.equal(s.dtls?.authFailures, 0);
    const registry = new Registry();
    collectorMetrics(registry, c);
    const text = await registry.metrics();
    assert.match(text, /lix_collector_dtls_total\{counter="handshakes"\} 1/);
    assert.match(text, /lix_collector_dtls_sessions 1/);
  } finally {
    await sender.close();
    await c.stop();
  }
});

test('lix sender → openssl s_server -dtls1_2 -Verify 1: the EEP frames arrive intact', async (t) => {
  if (opensslSkip) return t.skip(opensslSkip);
  const pki = await getTestPki();
  const port = await freeUdpPort();
  const a = pki.tls('admf-1');
  const server = openssl([
    's_server',
    '-dtls1_2',
    '-quiet',
    '-accept',
    `127.0.0.1:${port}`,
    '-cert',
    a.certFile,
    '-key',
    a.keyFile,
    '-CAfile',
    a.caFile,
    '-Verify',
    '1',
    '-verify_return_error',
  ]);
  const sender = createStmSender(`eep+dtls://127.0.0.1:${port}`, {
    logger: silentLogger,
    tls: pki.tls('ne-1'),
  });
  try {
    const n = 10;
    for (let i = 0; i < n; i++) sender.send(report(i));
    assert.equal(await sender.drain!(15_000), true);
    const frames = () =>
      new EepDeframer().push(server.out()).flatMap((r) => (r.ok ? [decodeEep(r.frame)] : []));
    await until(() => frames().length === n, 10_000);
    const calls = frames().map((m) => /Call-ID: (\d+)@dtls/.exec(new TextDecoder().decode(m.payload))?.[1]);
    assert.deepEqual(
      calls,
      Array.from({ length: n }, (_, i) => String(i)),
    );
  } finally {
    await sender.close();
    server.stop();
  }
});

test('openssl s_client -dtls1_2 → lix collector: accepted with a lab certificate, refused without one or from another CA', async (t) => {
  if (opensslSkip) return t.skip(opensslSkip);
  const pki = await getTestPki();
  const c = await collector('s-client');
  const port = c.listeners[0]!.port;
  const client = (extra: string[]) =>
    openssl([
      's_client',
      '-dtls1_2',
      '-quiet',
      '-connect',
      `127.0.0.1:${port}`,
      '-CAfile',
      pki.caFile,
      ...extra,
    ]);
  try {
    const ne = pki.tls('ne-1');
    const good = client(['-cert', ne.certFile, '-key', ne.keyFile]);
    await until(() => c.stats().dtls?.handshakes === 1);
    good.stop();
    const none = client([]);
    await until(() => c.stats().dtls?.authFailures === 1);
    none.stop();
    const other = pki.tls('untrusted');
    const foreign = client(['-cert', other.certFile, '-key', other.keyFile]);
    await until(() => c.stats().dtls?.authFailures === 2);
    foreign.stop();
    const s = c.stats();
    assert.equal(s.dtls?.handshakeFailures, 0);
    assert.equal(s.totals.decoded, 0);
    assert.equal(s.totals.refused, 2);
  } finally {
    await c.stop();
  }
});

test('refusals between lix peers: not on the allow-list, wrong consumer identity: counted, nothing written', async () => {
  const pki = await getTestPki();
  const c = await collector('refusals', ['ne-2']);
  const uri = c.listeners[0]!.text;
  const opts = { logger: silentLogger, tls: pki.tls('ne-1'), backoff: { initialMs: 5000, maxMs: 5000 } };
  const notAllowed = createStmSender(uri, opts);
  const wrongConsumer = createStmSender(`${uri}?identity=collector-9`, opts);
  const faults: StmFaultInfo[] = [];
  const refusedFaults: StmFaultInfo[] = [];
  wrongConsumer.on('fault', (f) => faults.push(f));
  notAllowed.on('fault', (f) => refusedFaults.push(f));
  try {
    notAllowed.send(report(0));
    wrongConsumer.send(report(1));
    // Both are authentication failures at the collector: one producer it refused, one that refused it
    // (bad_certificate alert). The refused producer hears access_denied: a destination fault at once.
    await until(
      () => c.stats().dtls?.authFailures === 2 && faults.length === 1 && refusedFaults.length === 1,
    );
    assert.equal(c.stats().dtls?.handshakeFailures, 0);
    assert.match(faults[0]!.reason, /consumer identity mismatch: expected "collector-9"/);
    assert.match(refusedFaults[0]!.reason, /access_denied \(49\)/);
    assert.equal(wrongConsumer.counters.sent, 0);
    assert.equal(notAllowed.counters.sent, 0);
    const s = c.stats();
    assert.equal(s.totals.decoded, 0);
    assert.deepEqual(s.files, []);
  } finally {
    await notAllowed.close();
    await wrongConsumer.close();
    await c.stop();
  }
});

test('a replayed record is counted and not delivered twice', async () => {
  const pki = await getTestPki();
  const c = await collector('replay');
  // A relay between sender and collector that can send the last application record again.
  const relay = createSocket('udp4');
  await new Promise<void>((r) => relay.bind(0, '127.0.0.1', r));
  let client: { port: number; address: string } | undefined;
  let lastData: Buffer | undefined;
  relay.on('message', (m, r) => {
    if (r.port === c.listeners[0]!.port) return void relay.send(m, client!.port, client!.address);
    client = { port: r.port, address: r.address };
    if (m[0] === 23) lastData = m;
    relay.send(m, c.listeners[0]!.port, '127.0.0.1');
  });
  const sender = createStmSender(`eep+dtls://127.0.0.1:${relay.address().port}`, {
    logger: silentLogger,
    tls: pki.tls('ne-1'),
  });
  try {
    sender.send(report(0));
    await until(() => c.stats().totals.decoded === 1 && lastData !== undefined);
    relay.send(lastData!, c.listeners[0]!.port, '127.0.0.1');
    await until(() => c.stats().dtls?.replays === 1);
    assert.equal(c.stats().totals.decoded, 1);
  } finally {
    await sender.close();
    relay.close();
    await c.stop();
  }
});

test('the sender reconnects after the collector restarts on the same port', async () => {
  const pki = await getTestPki();
  const first = await collector('restart-1');
  const uri = first.listeners[0]!.text;
  const sender = createStmSender(uri, {
    logger: silentLogger,
    tls: pki.tls('ne-1'),
    backoff: { initialMs: 50, maxMs: 200 },
  });
  let second: Collector | undefined;
  try {
    sender.send(report(0));
    await until(() => first.stats().totals.decoded === 1);
    await first.stop();
    second = await startCollector({
      listen: [uri],
      outDir: join(dir, 'restart-2'),
      logger: silentLogger,
      tls: pki.tls('admf-1'),
    });
    // Records of the old association are answered with an alert; the sender starts a new handshake. Reports
    // sent meanwhile over the old association are lost (UDP), later ones arrive.
    for (let i = 1; second.stats().totals.decoded === 0 && i < 100; i++) {
      sender.send(report(i));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(second.stats().totals.decoded > 0);
    assert.equal(second.stats().dtls?.handshakes, 1);
  } finally {
    await sender.close();
    await second?.stop();
  }
});

test('a client that presents a lab certificate without its private key fails CertificateVerify', async () => {
  const pki = await getTestPki();
  const c = await collector('forged');
  const ne = pki.tls('ne-1');
  const other = pki.tls('untrusted');
  const creds = {
    chain: [new X509Certificate(readFileSync(ne.certFile)).raw],
    key: createPrivateKey(readFileSync(other.keyFile)),
    ca: new X509Certificate(readFileSync(ne.caFile)),
  };
  const client = dtlsConnect({ host: '127.0.0.1', port: c.listeners[0]!.port, creds });
  const closed = new Promise<string>((r) => client.once('close', (reason) => r(reason)));
  try {
    assert.match(await closed, /fatal alert 51/);
    assert.equal(c.stats().dtls?.authFailures, 1);
    assert.equal(c.stats().dtls?.handshakes, 0);
  } finally {
    client.close();
    await c.stop();
  }
});

test('a report larger than one DTLS record is counted too large, never cut', async () => {
  const pki = await getTestPki();
  const c = await collector('too-large');
  const sender = createStmSender(c.listeners[0]!.text, { logger: silentLogger, tls: pki.tls('ne-1') });
  try {
    sender.send({ ...report(0), payload: randomBytes(20_000) });
    sender.send(report(1));
    assert.equal(await sender.drain!(8000), true);
    await until(() => c.stats().totals.decoded === 1);
    assert.equal(sender.counters.tooLarge, 1);
    assert.equal(sender.counters.sent, 1);
  } finally {
    await sender.close();
    await c.stop();
  }
});

test('gre-pcapng+dtls: lix → lix, the packets written as sent', async () => {
  const pki = await getTestPki();
  const c = await startCollector({
    listen: ['gre-pcapng+dtls://127.0.0.1:0'],
    outDir: join(dir, 'gre'),
    logger: silentLogger,
    tls: pki.tls('admf-1'),
  });
  const sender = createStmSender(`${c.listeners[0]!.text}?identity=${pki.admf}`, {
    logger: silentLogger,
    tls: pki.tls('ne-1'),
  });
  try {
    for (let i = 0; i < 5; i++) sender.send(report(i));
    assert.equal(await sender.drain!(8000), true);
    await until(() => c.stats().totals.decoded === 5);
    c.flush();
    assert.equal(c.stats().totals.malformed, 0);
    assert.equal(c.stats().files.length, 1);
  } finally {
    await sender.close();
    await c.stop();
  }
});
