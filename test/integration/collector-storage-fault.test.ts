// A storage fault at a collector that is ours becomes a destination fault at the NE (the lab's in-process
// link, src/cli/collector-link.ts): on a real tmpfs the disk fills, the NE reports ReportDestinationIssue
// (NonTerminatingFault) to the ADMF, the packets that did not fit the bounded queue are counted as not
// written; space returns, the NE reports AllClear, and capture resumes into valid files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activateTask, createDestination } from '../../src/admf/tasking.js';
import { linkCollectorStorage } from '../../src/cli/collector-link.js';
import { startCollector } from '../../src/collector/collector.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { parseNeConfig } from '../../src/ne/config.js';
import { startNeServer } from '../../src/ne/server.js';
import { Probe } from '../../src/probe/probe.js';
import { labSubscriber } from '../../src/probe/sources/population.js';
import { createSource, parseSourceSpec } from '../../src/probe/sources/source.js';
import { readPackets } from '../../src/stm/capture-read.js';
import { stmSenders } from '../../src/transport/stm-sender.js';
import { admfHarness } from '../support/admf-harness.js';
import { until } from '../support/admf-helpers.js';
import { getTestPki } from '../support/pki.js';
import { ETSI_DIR } from '../support/shared.js';
import { destination, task, uuid } from '../support/x1-builders.js';
import { mountTmpfs, tmpfsSkip, unmount } from '../support/tmpfs.js';

const skip = tmpfsSkip();

/** Fills the file system of `path` to the last page: one large file, then small appends until none fits. */
function fill(path: string, size: number): void {
  for (let s = size; s > 0; s -= 4096) {
    try {
      writeFileSync(path, Buffer.alloc(s));
      break;
    } catch {
      // Too large: a little less.
    }
  }
  for (;;) {
    try {
      appendFileSync(path, Buffer.alloc(256));
    } catch {
      return;
    }
  }
}

const MODES = [
  {
    name: 'eep+udp, the collector linked to the NE in-process (lix lab)',
    listen: 'eep+udp://127.0.0.1:0',
    fault: /delivery fault: eep\+udp:\/\/127\.0\.0\.1:\d+: capture storage failing \(ENOSPC\)/,
    // The sender keeps sending: what does not fit the collector's bounded queue is lost, and counted.
    collectorDrops: true,
  },
  {
    name: 'eep+tcp, the collector closing its stream listener while it cannot write',
    listen: 'eep+tcp://127.0.0.1:0',
    fault: /delivery fault: eep\+tcp:\/\/127\.0\.0\.1:\d+ unreachable for \d+ s/,
    // The NE queues while the destination is down (10,000 reports) and delivers after the reconnection.
    collectorDrops: false,
  },
] as const;

for (const mode of MODES)
  test(
    `a full capture disk is a destination fault at the NE, reported to the ADMF and cleared when space returns: ${mode.name}`,
    { skip, timeout: 120_000 },
    async () => {
      const pki = await getTestPki();
      const dir = mkdtempSync(join(tmpdir(), 'lix-storage-fault-'));
      const mnt = join(dir, 'disk');
      assert.ok(mountTmpfs(mnt, 'size=1m'));
      const out = join(mnt, 'captures');
      const admf = await admfHarness();
      const probe = new Probe({
        neId: 'ne-1',
        logger: silentLogger,
        clock: systemClock,
        senders: stmSenders(),
        // One subscriber: every generated message is the target's.
        source: createSource(parseSourceSpec('synthetic:200?subscribers=1'), {
          clock: systemClock,
          logger: silentLogger,
        }),
      });
      const ne = await startNeServer(
        parseNeConfig({
          id: 'ne-1',
          admfId: 'admf-1',
          listenHost: '127.0.0.1',
          listenPort: 0,
          admfUrl: admf.running.x1Url,
          certFile: pki.identities['ne-1']!.certFile,
          keyFile: pki.identities['ne-1']!.keyFile,
          caFile: pki.caFile,
          dataDir: join(dir, 'ne'),
          schemaDir: ETSI_DIR,
        }),
        { logger: silentLogger, dataPlane: probe },
      );
      const collector = await startCollector({
        listen: [mode.listen],
        outDir: out,
        storageGraceMs: 500,
        logger: silentLogger,
        // A small queue, so that the fault costs packets (counted) within the test.
        maxQueuedBytes: 32 * 1024,
        retention: false,
      });
      const unlink = mode.listen.startsWith('eep+udp') ? linkCollectorStorage(collector, probe) : () => true;
      const filler = join(mnt, 'filler');
      const reports = async (type: string) =>
        (await admf.running.admf.store.listReports({ neId: 'ne-1' })).filter(
          (r) => r.kind === 'ReportDestinationIssue' && r.did === did && r.reportType === type,
        );
      const did = uuid();
      try {
        await admf.running.admf.putNe({ id: 'ne-1', url: ne.url });
        await createDestination(
          admf.running.admf,
          'ne-1',
          destination(did, { deliveryAddress: { kind: 'uri', value: collector.listeners[0]!.text } }),
        );
        await activateTask(
          admf.running.admf,
          'ne-1',
          task(uuid(), [did], { targetIdentifiers: [{ kind: 'imsi', value: labSubscriber(0).imsi }] }),
        );
        await until('captures are written', () => collector.stats().totals.written >= 20, 20_000);
        collector.flush();

        fill(filler, 1024 * 1024);
        await until(
          'the collector fails to store',
          () => collector.stats().storageProblem !== undefined,
          20_000,
        );
        assert.match(collector.stats().storageProblem!, /^capture storage failing \(ENOSPC\)$/);
        await until(
          'the ADMF has the destination fault',
          async () => (await reports('NonTerminatingFault')).length > 0,
          20_000,
        );
        const [fault] = await reports('NonTerminatingFault');
        assert.match(fault!.details ?? '', mode.fault);
        assert.equal((await reports('AllClear')).length, 0);
        if (mode.collectorDrops)
          await until(
            'packets beyond the queue are counted as lost',
            () => collector.stats().totals.notWritten > 0,
            20_000,
          );

        rmSync(filler);
        await until(
          'the collector stores again',
          () => collector.stats().storageProblem === undefined,
          20_000,
        );
        // A TCP sender reconnects with its back-off (up to 30 s).
        await until(
          'the ADMF has the clearing',
          async () => (await reports('AllClear')).length === 1,
          60_000,
        );
        assert.equal((await reports('NonTerminatingFault')).length, 1, 'one fault report per episode');
        if (!mode.collectorDrops)
          assert.ok(collector.stats().totals.disconnected > 0, 'the stream was closed');
        const resumedAt = collector.stats().totals.written;
        await until('capture resumes', () => collector.stats().totals.written >= resumedAt + 20, 20_000);
      } finally {
        unlink();
        await ne.close();
        await collector.stop();
        await admf.close();
      }
      try {
        const t = collector.stats().totals;
        assert.ok(t.storageFaults > 0);
        const packets = readdirSync(out)
          .filter((f) => f.endsWith('.pcapng'))
          .reduce((n, f) => n + [...readPackets(new Uint8Array(readFileSync(join(out, f))))].length, 0);
        assert.equal(
          packets,
          t.written - t.notWritten,
          'every packet not counted as lost is in a valid file',
        );
      } finally {
        unmount(mnt);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
