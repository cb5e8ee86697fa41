// End to end: the ADMF activates a task over X1 (mutual TLS) → the NE's probe replays a capture → the
// collector's PCAPng holds exactly the target's messages (tshark reads the SIP inside) → the ADMF's
// GetTaskDetails shows the counters → deactivate → a second replay delivers nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { activateTask, createDestination, deactivateTask, taskStatus } from '../../src/admf/tasking.js';
import { startCollector, type Collector } from '../../src/collector/collector.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { parseNeConfig } from '../../src/ne/config.js';
import { startNeServer } from '../../src/ne/server.js';
import { Probe } from '../../src/probe/probe.js';
import { createSource, parseSourceSpec } from '../../src/probe/sources/source.js';
import { admfHarness } from '../support/admf-harness.js';
import { getTestPki } from '../support/pki.js';
import { ETSI_DIR, hasTool, SHARED, skipUnless } from '../support/shared.js';
import { destination, task, uuid } from '../support/x1-builders.js';
import { until } from '../support/admf-helpers.js';
import { stmSenders } from '../../src/transport/stm-sender.js';

const CAPTURE = resolve(SHARED, 'samples/sip-call-tcp-rtp.pcap');
const tsharkSkip = skipUnless(hasTool('tshark', ['-v']), 'tshark');

/** SIP method or status code of every SIP message in a capture file, in order (tshark as the judge). */
function sipMessages(file: string, filter = 'sip'): string[] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-Y',
      filter,
      '-T',
      'fields',
      '-e',
      'sip.Method',
      '-e',
      'sip.Status-Code',
      '-e',
      'sip.Call-ID',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) =>
      l
        .split('\t')
        .filter((f) => f !== '')
        .join(' '),
    );
}

test(
  'ADMF tasks the NE, the probe delivers the target’s SIP dialog to the collector, counters show, deactivation stops it',
  { skip: tsharkSkip, timeout: 60_000 },
  async () => {
    const pki = await getTestPki();
    const dir = mkdtempSync(join(tmpdir(), 'lix-probe-e2e-'));
    const admf = await admfHarness();
    let collector: Collector | undefined;
    const probe = new Probe({
      neId: 'ne-1',
      logger: silentLogger,
      clock: systemClock,
      senders: stmSenders(),
      counterFlushMs: 50,
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
    try {
      // Two destinations of the task, one per STM encoding; the collector writes one file set per listener.
      collector = await startCollector({
        listen: ['eep+udp://127.0.0.1:0', 'gre-pcapng+udp://127.0.0.1:0'],
        outDir: join(dir, 'captures'),
        split: 'destination',
        logger: silentLogger,
      });
      const uris = collector.listeners.map((l) => l.text);
      await admf.running.admf.putNe({ id: 'ne-1', url: ne.url });
      const dids = uris.map(() => uuid());
      const xid = uuid();
      for (const [i, uri] of uris.entries()) {
        await createDestination(
          admf.running.admf,
          'ne-1',
          destination(dids[i]!, { deliveryAddress: { kind: 'uri', value: uri } }),
        );
      }
      // The calling party of the capture's one call: its whole dialog (INVITE ... BYE/200) belongs to the task.
      await activateTask(
        admf.running.admf,
        'ne-1',
        task(xid, dids, { targetIdentifiers: [{ kind: 'sipUri', value: 'sip:101@10.33.6.100' }] }),
      );
      const other = uuid();
      await activateTask(
        admf.running.admf,
        'ne-1',
        task(other, [dids[0]!], { targetIdentifiers: [{ kind: 'sipUri', value: 'sip:999@10.33.6.100' }] }),
      );

      const replay = () =>
        createSource(parseSourceSpec(`pcap:${CAPTURE}?pace=fast`), {
          clock: systemClock,
          logger: silentLogger,
        }).run((f) => probe.feed(f));
      await replay();
      const expected = sipMessages(CAPTURE);
      assert.equal(expected.length, 7);
      await until(
        'the collector has the dialog twice',
        () => collector!.stats().totals.decoded >= 2 * expected.length,
        10_000,
      );
      collector.flush();
      const files = collector.stats().files;
      assert.equal(files.length, 2, `one capture file per destination: ${files.join(', ')}`);
      for (const f of files) assert.deepEqual(sipMessages(f), expected, `exactly the dialog, in order: ${f}`);
      assert.equal(probe.counters.reports, 2 * expected.length, 'nothing for the task without traffic');

      let live: Awaited<ReturnType<typeof taskStatus>>['live'];
      await until(
        'the ADMF sees the counters',
        async () => {
          live = (await taskStatus(admf.running.admf, xid)).live;
          return (live?.taskStatus.amountOfX2Data ?? 0) > 0;
        },
        10_000,
      );
      const payloadBytes = Number(
        execFileSync('tshark', ['-r', CAPTURE, '-Y', 'sip', '-T', 'fields', '-e', 'tcp.len'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        })
          .split('\n')
          .filter((l) => l !== '')
          .reduce((a, l) => a + Number(l), 0),
      );
      assert.equal(live!.taskStatus.amountOfX2Data, payloadBytes, 'X2 bytes = the SIP bytes delivered');
      assert.ok(live!.taskStatus.timeOfLastIntercept, 'time of last intercept set');

      await deactivateTask(admf.running.admf, xid);
      // A second replay of the same capture, from its start as a looping source does it.
      probe.decoder.reset();
      const before = collector.stats().totals.decoded;
      const reportsBefore = probe.counters.reports;
      await replay();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(probe.counters.reports, reportsBefore, 'no report after deactivation');
      assert.equal(collector.stats().totals.decoded, before, 'the collector got nothing more');
      assert.ok(probe.counters.messages >= 2 * expected.length, 'the second replay was decoded');
    } finally {
      await collector?.stop();
      await ne.close();
      await admf.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
