// Hostile input to the collector: every bad datagram or stream run is counted as malformed, valid reports
// around it are still written, and the collector keeps going. Also: sequence gaps, slow and hopeless TCP
// peers, the connection limit, and files that capinfos reads after every flush.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { eepBytes } from '../support/stm-reports.js';
import { encodeGre } from '../../src/stm/gre.js';
import { hasTool, skipUnless } from '../support/shared.js';

const capinfosSkip = skipUnless(hasTool('capinfos', ['-v']), 'capinfos');
const dir = mkdtempSync(join(tmpdir(), 'lix-collector-hostile-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const XID = '8f1c5a4e-2b1d-4c3e-9f00-0000000000ee';

function eep(seq: number, payloadBytes = 60): Uint8Array {
  return eepBytes(seq, XID, payloadBytes);
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The hostile datagrams: each must count as exactly one malformed report. */
function hostileDatagrams(): Uint8Array[] {
  const good = eep(100);
  const truncated = good.subarray(0, good.length - 7);
  const overlong = new Uint8Array([...good, 1, 2, 3]);
  const zeroChunk = Uint8Array.from(good);
  zeroChunk[10] = 0; // first chunk's length → 0
  zeroChunk[11] = 0;
  const lyingChunk = Uint8Array.from(good);
  lyingChunk[11] = 0xff; // first chunk claims to run past the end
  const lyingTotal = Uint8Array.from(good);
  lyingTotal[4] = 0xff;
  const headerOnly = Uint8Array.from([0x48, 0x45, 0x50, 0x33, 0, 3]);
  return [
    truncated,
    overlong,
    zeroChunk,
    lyingChunk,
    lyingTotal,
    headerOnly,
    randomBytes(300),
    new Uint8Array(0),
  ];
}

async function udpSend(port: number, datagrams: readonly Uint8Array[]): Promise<void> {
  const s = createSocket('udp4');
  for (const d of datagrams) await new Promise<void>((r) => s.send(d, port, '127.0.0.1', () => r()));
  await new Promise<void>((r) => s.close(() => r()));
}

test('UDP: hostile datagrams counted as malformed, valid ones written, 64 KiB datagram decoded', async () => {
  const c = await startCollector({
    listen: ['eep+udp://127.0.0.1:0', 'gre-pcapng+udp://127.0.0.1:0'],
    outDir: join(dir, 'udp'),
    logger: silentLogger,
  });
  try {
    const [eepUri, greUri] = c.listeners;
    const bad = hostileDatagrams();
    const big = eep(2, 65_507 - eep(2, 0).length); // the largest UDP payload over IPv4
    assert.equal(big.length, 65_507);
    await udpSend(eepUri!.port, [eep(0), ...bad, eep(1), big, eep(3)]);
    await udpSend(greUri!.port, [
      randomBytes(100),
      encodeGre(0x88b5, randomBytes(64)),
      encodeGre(0x0800, eep(0)),
    ]);
    await until(() => c.stats().totals.received === 4 + bad.length + 3, 'every datagram');
    const t = c.stats().totals;
    assert.equal(t.decoded, 4);
    assert.equal(t.malformed, bad.length + 3);
    assert.equal(t.lost, 0);
    c.flush();
    if (!capinfosSkip) {
      const out = execFileSync('capinfos', ['-M', '-c', c.stats().files[0]!], { encoding: 'utf8' });
      assert.match(out, /Number of packets:\s+4\b/);
    }
  } finally {
    await c.stop();
  }
});

test('sequence gaps are counted as lost; a late report as late', async () => {
  const c = await startCollector({ listen: ['eep+udp://127.0.0.1:0'], logger: silentLogger });
  try {
    await udpSend(
      c.listeners[0]!.port,
      [1, 2, 3, 7, 8, 5, 20].map((s) => eep(s)),
    );
    await until(() => c.stats().totals.decoded === 7, 'seven reports');
    const t = c.stats().totals;
    assert.equal(t.lost, 3 + 11, '4-6 and 9-19 missing');
    assert.equal(t.late, 1, '5 came after 8');
  } finally {
    await c.stop();
  }
});

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

async function tcpCollector(
  extra: { maxConnections?: number; maxGarbageBytes?: number } = {},
): Promise<Collector> {
  return startCollector({
    listen: ['eep+tcp://127.0.0.1:0'],
    outDir: join(dir, `tcp-${Date.now()}`),
    logger: silentLogger,
    ...extra,
  });
}

test('TCP: garbage then valid frames is resynchronised; a slow peer dribbling bytes is served', async () => {
  const c = await tcpCollector();
  const port = c.listeners[0]!.port;
  try {
    const s = await tcp(port);
    const bad = hostileDatagrams().slice(0, 6);
    for (const b of bad) s.write(b);
    s.write(randomBytes(2000));
    for (let i = 0; i < 5; i++) s.write(eep(i));
    await until(() => c.stats().totals.decoded >= 5, 'five valid frames after the garbage');
    assert.ok(c.stats().totals.malformed >= 1);

    const slow = await tcp(port);
    const frames = [eep(50), eep(51)];
    for (const f of frames)
      for (const byte of f) {
        slow.write(Uint8Array.of(byte));
        await new Promise((r) => setImmediate(r));
      }
    await until(() => c.stats().totals.decoded >= 7, 'the dribbled frames');
    s.destroy();
    slow.destroy();
  } finally {
    await c.stop();
  }
});

test('TCP: a peer sending only garbage is disconnected; connections beyond the limit are refused', async () => {
  const c = await tcpCollector({ maxConnections: 2, maxGarbageBytes: 8192 });
  const port = c.listeners[0]!.port;
  try {
    const s = await tcp(port);
    const closed = new Promise((r) => s.once('close', r));
    s.on('error', () => undefined);
    for (let i = 0; i < 8; i++) s.write(randomBytes(2048).map((b) => (b === 0x48 || b === 0x45 ? 0 : b)));
    await closed;
    await until(() => c.stats().totals.disconnected === 1, 'the disconnect');

    // Both established (a report each): a third is refused, neither is evicted (conn-limits.test.ts has the
    // eviction of pending streams).
    const a = await tcp(port);
    const b = await tcp(port);
    await until(() => c.stats().totals.connections === 3, 'two more connections');
    a.write(eep(0));
    b.write(eep(1));
    await until(() => c.stats().totals.decoded === 2, 'a report on each connection');
    const third = await tcp(port);
    await until(() => c.stats().totals.refused >= 1, 'the third connection refused');
    assert.equal(c.stats().connectionsRefused.total, 1);
    a.write(eep(2));
    await until(() => c.stats().totals.decoded === 3, 'a report on a live connection');
    for (const x of [a, b, third]) x.destroy();
  } finally {
    await c.stop();
  }
});
