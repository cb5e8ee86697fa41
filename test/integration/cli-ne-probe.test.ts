// `lix ne --source`: a bad spec fails at start with the reason; a looping pcap source in a real `lix ne` process
// delivers a tasked subscriber's messages to a collector once X1 activates the task, and stops after deactivation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCollector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { testLink, until } from '../support/admf-helpers.js';
import { runCli } from '../support/cli.js';
import { startNeProcess, stopNeProcess } from '../support/ne-process.js';
import { getTestPki } from '../support/pki.js';
import { freePort } from '../support/nginx.js';
import { SHARED } from '../support/shared.js';
import { destination, task, uuid } from '../support/x1-builders.js';

const CAPTURE = resolve(SHARED, 'samples/sip-call-tcp-rtp.pcap');

test('lix ne --source: a spec that does not parse fails at start, naming the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-ne-src-'));
  try {
    for (const [spec, why] of [
      ['pcap:', /--source: .*pcap/],
      ['carrier-pigeon:1', /--source: .*carrier-pigeon/],
      ['synthetic:0', /--source: .*rate/],
    ] as const) {
      const r = runCli([
        'ne',
        '--id',
        'ne-1',
        '--admf-id',
        'admf-1',
        '--data',
        dir,
        '--insecure-plain-http',
        '--listen',
        '127.0.0.1:0',
        '--source',
        spec,
      ]);
      assert.equal(r.status, 2, `${spec}: ${r.stderr}`);
      assert.match(r.stderr, why);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'lix ne --source pcap:...?loop: X1 activation starts delivery to the collector, deactivation stops it',
  { timeout: 60_000 },
  async () => {
    const pki = await getTestPki();
    const ne = pki.identities['ne-1']!;
    const dir = mkdtempSync(join(tmpdir(), 'lix-ne-probe-'));
    const collector = await startCollector({
      listen: ['eep+udp://127.0.0.1:0'],
      outDir: join(dir, 'out'),
      logger: silentLogger,
    });
    const p = await startNeProcess({
      certFile: ne.certFile,
      keyFile: ne.keyFile,
      caFile: pki.caFile,
      dataDir: join(dir, 'ne'),
      extraArgs: ['--source', `pcap:${CAPTURE}?loop&pace=fast`],
    });
    const t = await testLink(p.url);
    try {
      const did = uuid();
      const xid = uuid();
      const uri = collector.listeners[0]!.text;
      const d = await t.link.request({
        type: 'CreateDestinationRequest',
        destinationDetails: destination(did, { deliveryAddress: { kind: 'uri', value: uri } }),
      });
      assert.equal(d.response.type, 'CreateDestinationResponse');
      assert.equal(collector.stats().totals.decoded, 0, 'nothing before a task');
      const a = await t.link.request({
        type: 'ActivateTaskRequest',
        taskDetails: task(xid, [did], {
          targetIdentifiers: [{ kind: 'sipUri', value: 'sip:201@10.33.6.101' }],
        }),
      });
      assert.equal(a.response.type, 'ActivateTaskResponse');
      await until('reports arrive', () => collector.stats().totals.decoded >= 14, 15_000);
      const g = await t.link.request({ type: 'GetTaskDetailsRequest', xId: xid });
      assert.ok(g.response.type === 'GetTaskDetailsResponse');
      const x = await t.link.request({ type: 'DeactivateTaskRequest', xId: xid });
      assert.equal(x.response.type, 'DeactivateTaskResponse');
      await new Promise((r) => setTimeout(r, 300));
      const after = collector.stats().totals.decoded;
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(
        collector.stats().totals.decoded,
        after,
        'nothing after deactivation while the capture keeps looping',
      );
    } finally {
      await t.close();
      await stopNeProcess(p, 'SIGTERM');
      await collector.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'lix ne without --source: a destination whose consumer is down becomes a delivery fault',
  { timeout: 60_000 },
  async () => {
    const pki = await getTestPki();
    const ne = pki.identities['ne-1']!;
    const dir = mkdtempSync(join(tmpdir(), 'lix-ne-nosrc-'));
    const closed = await freePort(); // nothing listens there
    const p = await startNeProcess({
      certFile: ne.certFile,
      keyFile: ne.keyFile,
      caFile: pki.caFile,
      dataDir: dir,
    });
    const t = await testLink(p.url);
    try {
      const did = uuid();
      const d = await t.link.request({
        type: 'CreateDestinationRequest',
        destinationDetails: destination(did, {
          deliveryAddress: { kind: 'uri', value: `eep+tcp://127.0.0.1:${closed}` },
        }),
      });
      assert.equal(d.response.type, 'CreateDestinationResponse');
      let status = '';
      await until(
        'the destination shows the fault',
        async () => {
          const g = await t.link.request({ type: 'GetDestinationDetailsRequest', dId: did });
          status =
            g.response.type === 'GetDestinationDetailsResponse'
              ? g.response.destinationResponseDetails.destinationStatus.destinationDeliveryStatus
              : '';
          return status !== '' && status !== 'activeAndWorking';
        },
        20_000,
      );
      assert.equal(status, 'deliveryFault');
    } finally {
      await t.close();
      await stopNeProcess(p, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
