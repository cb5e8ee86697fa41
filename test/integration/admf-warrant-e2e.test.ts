// Warrants end to end, on the real clock (asserted by polling state, never by durations): the ADMF holds a
// task whose warrant starts a few hundred ms later, activates it over X1 (mutual TLS) at the start with its
// LIID in MediationDetails, the NE's probe delivers the target's SIP dialog over EEP and GRE-PCAPng, the
// collector's PCAPng files carry `lix.liid=<LIID>` on every packet (tshark reads it as frame.comment), and
// at the warrant's end the ADMF deactivates the task on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAdmfConfig } from '../../src/admf/config.js';
import { startAdmf } from '../../src/admf/server.js';
import { activateTask, createDestination, taskStatus } from '../../src/admf/tasking.js';
import { parseWarrant, withMediation } from '../../src/admf/warrant.js';
import { startCollector, type Collector } from '../../src/collector/collector.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { parseNeConfig } from '../../src/ne/config.js';
import { startNeServer } from '../../src/ne/server.js';
import { Probe } from '../../src/probe/probe.js';
import { createSource, parseSourceSpec } from '../../src/probe/sources/source.js';
import { stmSenders } from '../../src/transport/stm-sender.js';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { until } from '../support/admf-helpers.js';
import { getTestPki } from '../support/pki.js';
import { ETSI_DIR, hasTool, SHARED, skipUnless } from '../support/shared.js';
import { destination, task, uuid } from '../support/x1-builders.js';

const CAPTURE = resolve(SHARED, 'samples/sip-call-tcp-rtp.pcap');
const LIID = 'LIID-E2E-0001';

/** Per packet of a capture file: its SIP method or status (empty for others) and its comments (tshark). */
function packets(file: string): { sip: string; comments: string }[] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'sip.Method',
      '-e',
      'sip.Status-Code',
      '-e',
      'frame.comment',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [method = '', status = '', comments = ''] = l.split('|');
      return { sip: method || status, comments };
    });
}

test(
  'a warrant starts and ends the task on its own; every captured packet names its LIID',
  { skip: skipUnless(hasTool('tshark', ['-v']), 'tshark'), timeout: 60_000 },
  async () => {
    const pki = await getTestPki();
    const dir = mkdtempSync(join(tmpdir(), 'lix-warrant-e2e-'));
    const running = await startAdmf(
      parseAdmfConfig({
        id: 'admf-1',
        listenHost: '127.0.0.1',
        listenPort: 0,
        certFile: pki.identities['admf-1']!.certFile,
        keyFile: pki.identities['admf-1']!.keyFile,
        caFile: pki.caFile,
        dataDir: join(dir, 'admf'),
        schemaDir: ETSI_DIR,
        apiToken: TEST_API_TOKEN,
        reconcileOnStart: false,
      }),
      { logger: silentLogger, clock: systemClock },
    );
    const { admf } = running;
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
        admfUrl: running.x1Url,
        certFile: pki.identities['ne-1']!.certFile,
        keyFile: pki.identities['ne-1']!.keyFile,
        caFile: pki.caFile,
        dataDir: join(dir, 'ne'),
        schemaDir: ETSI_DIR,
      }),
      { logger: silentLogger, dataPlane: probe },
    );
    let collector: Collector | undefined;
    try {
      collector = await startCollector({
        listen: ['eep+udp://127.0.0.1:0', 'gre-pcapng+udp://127.0.0.1:0'],
        outDir: join(dir, 'captures'),
        split: 'destination',
        logger: silentLogger,
      });
      await admf.putNe({ id: 'ne-1', url: ne.url });
      const dids = collector.listeners.map(() => uuid());
      for (const [i, l] of collector.listeners.entries())
        await createDestination(
          admf,
          'ne-1',
          destination(dids[i]!, { deliveryAddress: { kind: 'uri', value: l.text } }),
        );
      const xid = uuid();
      const now = Date.now();
      const w = parseWarrant(
        {
          validFrom: new Date(now + 300).toISOString(),
          validUntil: new Date(now + 3000).toISOString(),
          warrantRef: LIID,
        },
        now,
      );
      const details = withMediation(
        task(xid, dids, { targetIdentifiers: [{ kind: 'sipUri', value: 'sip:101@10.33.6.100' }] }),
        w,
      );
      const t = await activateTask(admf, 'ne-1', details, w);
      assert.equal(t.state, 'scheduled');
      assert.equal((await taskStatus(admf, xid)).live, undefined, 'the NE does not have it before the start');

      await until('activated at the start', async () => (await admf.store.getTask(xid))?.state === 'active');
      const live = (await taskStatus(admf, xid)).live;
      assert.equal(live?.taskDetails.listOfMediationDetails?.[0]?.LIID, LIID, 'the NE holds the LIID');

      await createSource(parseSourceSpec(`pcap:${CAPTURE}?pace=fast`), {
        clock: systemClock,
        logger: silentLogger,
      }).run((f) => probe.feed(f));
      await until(
        'the collector has the dialog twice',
        () => collector!.stats().totals.decoded >= 14,
        10_000,
      );
      collector.flush();
      const files = collector.stats().files;
      assert.equal(files.length, 2, files.join(', '));
      for (const f of files) {
        const rows = packets(f);
        assert.equal(rows.filter((r) => r.sip !== '').length, 7, `the SIP dialog: ${f}`);
        for (const r of rows)
          assert.match(r.comments, new RegExp(`lix\\.liid=${LIID}`), `${f}: ${r.comments}`);
        assert.match(rows[0]!.comments, new RegExp(`lix\\.xid=${xid}`));
      }

      await until(
        'deactivated at the end',
        async () => (await admf.store.getTask(xid))?.state === 'ended',
        10_000,
      );
      assert.equal((await taskStatus(admf, xid)).live, undefined, 'gone from the NE');
      const system = (await admf.store.readAudit({ xid })).filter((r) => r.actor === 'system');
      assert.deepEqual(
        system.map((r) => r.action),
        ['ActivateTask', 'DeactivateTask'],
      );
    } finally {
      await collector?.stop();
      await ne.close();
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
