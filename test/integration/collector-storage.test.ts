// Storage faults do not take the collector down (issue: a read-only --out killed it with a stack on the first
// report, a full disk with an uncaught ENOSPC, and inside `lix lab` that took the ADMF and the NE along). On
// real tmpfs mounts: a read-only output directory is refused at start with one line; a full disk is counted
// as storage faults while packets stay queued, and once space returns every packet is in a valid file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { readPackets } from '../../src/stm/capture-read.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { until } from '../support/admf-helpers.js';
import { runCli } from '../support/cli.js';
import { sipReport } from '../support/stm-reports.js';
import { uuid } from '../support/x1-builders.js';
import { captureLogger } from '../support/conn-flood.js';
import { mountTmpfs, tmpfsSkip, unmount } from '../support/tmpfs.js';

const skip = tmpfsSkip();

function report(xid: string, i: number) {
  return sipReport(
    xid,
    i,
    `MESSAGE sip:bob@example.net SIP/2.0\r\nCSeq: ${i} MESSAGE\r\n\r\n${'x'.repeat(900)}`,
  );
}

test('a read-only output directory is refused at start with one line', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-ro-'));
  const mnt = join(dir, 'ro');
  assert.ok(mountTmpfs(mnt, 'size=64k,ro'));
  try {
    const r = runCli(['collector', '--listen', 'eep+udp://127.0.0.1:0', '--out', join(mnt, 'captures')]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.trim(),
      `lix collector: output directory ${join(mnt, 'captures')} is not writable (EROFS)`,
    );
    assert.doesNotMatch(r.stdout, /listening on/);
  } finally {
    unmount(mnt);
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'a full disk: counted storage faults, the collector stays up, and every packet is written once space returns',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lix-full-'));
    const mnt = join(dir, 'disk');
    assert.ok(mountTmpfs(mnt, 'size=256k'));
    const out = join(mnt, 'captures');
    const c = await startCollector({ listen: ['eep+udp://127.0.0.1:0'], outDir: out, logger: silentLogger });
    const sender = createStmSender(c.listeners[0]!.text, { logger: silentLogger });
    try {
      // Leave about 8 KiB: the first few packets fit, the rest do not.
      const filler = join(mnt, 'filler');
      let size = 256 * 1024;
      for (;;) {
        try {
          writeFileSync(filler, Buffer.alloc(size));
          break;
        } catch {
          size -= 4096;
        }
      }
      writeFileSync(filler, Buffer.alloc(size - 8 * 1024));
      const xid = uuid();
      const first = 60;
      for (let i = 0; i < first; i++) sender.send(report(xid, i));
      await until('the first batch arrived', () => c.stats().totals.decoded === first, 10_000);
      c.flush();
      const during = c.stats().totals;
      assert.ok(during.storageFaults > 0, 'the full disk was noticed');
      assert.equal(during.notWritten, 0, 'nothing dropped: the packets are queued');
      rmSync(filler);
      for (let i = first; i < first + 20; i++) sender.send(report(xid, i));
      await until('the second batch arrived', () => c.stats().totals.decoded === first + 20, 10_000);
      c.flush();
      await c.stop();
      const files = readdirSync(out).filter((f) => f.endsWith('.pcapng'));
      const packets = files.flatMap((f) => [...readPackets(new Uint8Array(readFileSync(join(out, f))))]);
      assert.equal(packets.length, first + 20, 'every packet is in a valid file, none twice');
      assert.equal(c.stats().totals.notWritten, 0);
    } finally {
      await sender.close();
      await c.stop();
      unmount(mnt);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a disk running out of room is warned about before writes fail, and the warning clears with room',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lix-low-'));
    const mnt = join(dir, 'disk');
    assert.ok(mountTmpfs(mnt, 'size=1m'));
    const { logger, lines } = captureLogger();
    const c = await startCollector({
      listen: ['eep+udp://127.0.0.1:0'],
      outDir: join(mnt, 'captures'),
      logger,
      diskCheckMs: 50,
    });
    try {
      await until('the first check', () => c.stats().disk !== undefined);
      assert.equal(c.stats().disk!.low, false);
      const filler = join(mnt, 'filler');
      writeFileSync(filler, Buffer.alloc(960 * 1024));
      await until('the low-space mark', () => c.stats().disk!.low);
      const warned = lines.filter((l) => String(l.msg).startsWith('capture disk almost full'));
      assert.equal(warned.length, 1, 'warned once');
      assert.equal(warned[0]!.level, 40);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(
        lines.filter((l) => String(l.msg).startsWith('capture disk almost full')).length,
        1,
        'not again',
      );
      rmSync(filler);
      await until('room again', () => !c.stats().disk!.low);
      assert.ok(lines.some((l) => l.msg === 'capture disk has room again'));
      assert.ok(c.stats().disk!.freeBytes > 900 * 1024);
    } finally {
      await c.stop();
      unmount(mnt);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
