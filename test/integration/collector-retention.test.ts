// Retention of capture files by age and size (never the file being written), the sweep's log line and
// counters, and `lix collector purge --xid` for when a warrant ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startCollector } from '../../src/collector/collector.js';
import { parseSize, Retention } from '../../src/collector/retention.js';
import { collectorMetrics } from '../../src/metrics/collector.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { until } from '../support/admf-helpers.js';
import { runCli } from '../support/cli.js';
import { captureLogger } from '../support/conn-flood.js';
import { sipReport } from '../support/stm-reports.js';
import { uuid } from '../support/x1-builders.js';

const DAY_MS = 86_400_000;

/** A capture file of `bytes` bytes last written `daysAgo` days ago. */
function capture(dir: string, name: string, bytes: number, daysAgo: number): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(bytes));
  const t = new Date(Date.now() - daysAgo * DAY_MS);
  utimesSync(path, t, t);
  return path;
}

test('sizes: bytes with binary units, a share of the file system, and one clear line otherwise', () => {
  assert.deepEqual(parseSize('500M'), { bytes: 500 * 2 ** 20 });
  assert.deepEqual(parseSize('1.5G'), { bytes: 1.5 * 2 ** 30 });
  assert.deepEqual(parseSize('2TiB'), { bytes: 2 * 2 ** 40 });
  assert.deepEqual(parseSize('4096'), { bytes: 4096 });
  assert.deepEqual(parseSize('80%'), { percent: 80 });
  assert.throws(() => parseSize('0'), /--retain-size must be a size such as 500M, 20G or 80%/);
  assert.throws(() => parseSize('12X'), /not 12X$/);
  assert.throws(() => parseSize('120%'), /between 0 and 100 %/);
});

test('retention by age removes closed files past the limit, oldest first, and logs one line per sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-retain-age-'));
  try {
    capture(dir, 'a-1.pcapng', 100, 40);
    capture(dir, 'a-2.pcapng', 100, 31);
    const open = capture(dir, 'b-1.pcapng', 100, 45);
    capture(dir, 'a-3.pcapng', 100, 2);
    writeFileSync(join(dir, 'notes.txt'), 'not a capture');
    utimesSync(join(dir, 'notes.txt'), new Date(0), new Date(0));
    const { logger, lines } = captureLogger();
    const r = new Retention(dir, { maxAgeDays: 30, maxSize: 'none' }, (p) => p === open, systemClock, logger);
    assert.deepEqual(r.sweep(), { files: 2, bytes: 200 });
    assert.deepEqual(readdirSync(dir).sort(), ['a-3.pcapng', 'b-1.pcapng', 'notes.txt']);
    const line = lines.find((l) => String(l.msg).startsWith('retention removed'))!;
    assert.equal(line.msg, 'retention removed 2 capture file(s), 200 bytes');
    assert.equal(line.byAge, 2);
    assert.equal(line.keptBytes, 200);
    assert.deepEqual(r.sweep(), { files: 0, bytes: 0 }, 'nothing left to remove');
    assert.deepEqual(r.counters, { sweeps: 2, filesRemoved: 2, bytesRemoved: 200, errors: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention by size removes the oldest closed files until the total fits, never the open one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-retain-size-'));
  try {
    const open = capture(dir, 'x-9.pcapng', 3000, 10);
    capture(dir, 'x-1.pcapng', 1000, 5);
    capture(dir, 'x-2.pcapng', 1000, 4);
    capture(dir, 'x-3.pcapng', 1000, 3);
    capture(dir, 'x-4.pcapng', 1000, 1);
    const r = new Retention(
      dir,
      { maxAgeDays: 0, maxSize: { bytes: 5000 } },
      (p) => p === open,
      systemClock,
      silentLogger,
    );
    // 7000 bytes: the two oldest closed files go (the open one is older still but stays).
    assert.deepEqual(r.sweep(), { files: 2, bytes: 2000 });
    assert.deepEqual(readdirSync(dir).sort(), ['x-3.pcapng', 'x-4.pcapng', 'x-9.pcapng']);
    const tight = new Retention(
      dir,
      { maxAgeDays: 0, maxSize: { bytes: 1 } },
      (p) => p === open,
      systemClock,
      silentLogger,
    );
    tight.sweep();
    assert.deepEqual(readdirSync(dir), ['x-9.pcapng'], 'the file being written is never removed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a running collector applies retention at start and keeps the file it writes; counted and in the metrics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-retain-run-'));
  const old = capture(dir, `${uuid()}-1.pcapng`, 500, 60);
  const c = await startCollector({
    listen: ['eep+udp://127.0.0.1:0'],
    outDir: dir,
    logger: silentLogger,
    retention: { maxSize: { bytes: 1 }, sweepMs: 50 },
  });
  const sender = createStmSender(c.listeners[0]!.text, { logger: silentLogger });
  try {
    assert.ok(!existsSync(old), 'removed by the sweep at start');
    const xid = uuid();
    for (let i = 0; i < 5; i++)
      sender.send(sipReport(xid, i, `MESSAGE sip:a@b SIP/2.0\r\nCSeq: ${i} MESSAGE\r\n\r\n`));
    await until('written', () => c.stats().totals.written === 5);
    c.flush();
    const before = c.stats().retention!.sweeps;
    await until('two more sweeps', () => c.stats().retention!.sweeps >= before + 2);
    assert.deepEqual(readdirSync(dir), [`${xid}-1.pcapng`], 'the open file survives every sweep');
    assert.equal(c.stats().retention!.filesRemoved, 1);
    assert.equal(c.stats().retention!.bytesRemoved, 500);
    const registry = new Registry();
    collectorMetrics(registry, c);
    const text = await registry.metrics();
    assert.match(text, /lix_collector_retention_total\{counter="files"\} 1/);
    assert.match(text, /lix_collector_retention_total\{counter="bytes"\} 500/);
  } finally {
    await sender.close();
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("lix collector purge --xid removes only that task's files: a table, JSON, and clear errors", () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-purge-'));
  try {
    const xid = uuid();
    const other = uuid();
    for (const n of [1, 2, 10]) capture(dir, `${xid}-${n}.pcapng`, 100 * n, 1);
    capture(dir, `${other}-1.pcapng`, 50, 1);
    capture(dir, `${xid}-notes.txt`, 10, 1);
    const r = runCli(['collector', 'purge', '--xid', xid, '--out', dir]);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n');
    assert.match(rows[0]!, /^file +bytes +modified +result$/);
    assert.deepEqual(
      rows.slice(1, 4).map((l) => l.split(/ +/)[0]),
      [1, 2, 10].map((n) => join(dir, `${xid}-${n}.pcapng`)),
    );
    assert.match(rows[1]!, / 100 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z +removed$/);
    assert.equal(rows[4], `3 file(s), 1300 bytes removed for XID ${xid}`);
    assert.deepEqual(readdirSync(dir).sort(), [`${other}-1.pcapng`, `${xid}-notes.txt`].sort());
    const again = runCli(['collector', 'purge', '--xid', xid, '--out', dir, '--json']);
    assert.equal(again.status, 0);
    assert.deepEqual(JSON.parse(again.stdout), { xid, dir, files: [], bytesRemoved: 0, failed: 0 });
    const bad = runCli(['collector', 'purge', '--xid', '../etc', '--out', dir]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim(), `lix collector purge: --xid must be a task's XID (a UUID), not "../etc"`);
    const missing = runCli(['collector', 'purge', '--xid', xid, '--out', join(dir, 'nope')]);
    assert.equal(missing.status, 1);
    assert.equal(
      missing.stderr.trim(),
      `lix collector purge: cannot read the capture directory ${join(dir, 'nope')} (ENOENT)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
