// One collector behind two destinations of the same task (EEP over TCP and over UDP): each message is written
// once into the XID's file, the copies are counted as duplicates, and tshark sees one clean TCP stream (no
// retransmission or out-of-order marks). With one file set per destination every copy is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type CollectorOptions } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { until } from '../support/admf-helpers.js';
import { hasTool, skipUnless } from '../support/shared.js';
import { sipReport } from '../support/stm-reports.js';
import { uuid } from '../support/x1-builders.js';

const MESSAGES = 20;

function reports(xid: string) {
  return Array.from({ length: MESSAGES }, (_, i) =>
    sipReport(
      xid,
      i,
      `OPTIONS sip:bob@example.net SIP/2.0\r\nCSeq: ${i} OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      6,
    ),
  );
}

async function sendTwice(split: CollectorOptions['split']) {
  const out = mkdtempSync(join(tmpdir(), 'lix-dedupe-'));
  const c = await startCollector({
    listen: ['eep+tcp://127.0.0.1:0', 'eep+udp://127.0.0.1:0'],
    outDir: out,
    logger: silentLogger,
    ...(split && { split }),
  });
  const xid = uuid();
  const senders = c.listeners.map((l) => createStmSender(l.text, { logger: silentLogger }));
  try {
    for (const r of reports(xid)) for (const s of senders) s.send(r);
    await until('every copy arrived', () => c.stats().totals.decoded === 2 * MESSAGES, 10_000);
    c.flush();
    return { stats: c.stats(), out, xid };
  } finally {
    for (const s of senders) await s.close();
    await c.stop();
  }
}

test(
  'copies through two destinations are written once into the XID file and counted',
  { skip: skipUnless(hasTool('tshark', ['--version']), 'tshark') },
  async () => {
    const { stats, out, xid } = await sendTwice(undefined);
    assert.equal(stats.totals.duplicates, MESSAGES);
    assert.equal(stats.totals.written, MESSAGES);
    const files = readdirSync(out).filter((f) => f.startsWith(xid));
    assert.equal(files.length, 1);
    const fields = execFileSync(
      'tshark',
      ['-r', join(out, files[0]!), '-T', 'fields', '-e', 'sip.CSeq.seq', '-e', 'tcp.analysis.flags'],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    assert.deepEqual(
      fields.map((l) => l.split('\t')[0]),
      Array.from({ length: MESSAGES }, (_, i) => String(i)),
    );
    assert.deepEqual(
      fields.filter((l) => (l.split('\t')[1] ?? '') !== ''),
      [],
      'no TCP analysis marks',
    );
  },
);

test('per destination, every copy is kept', async () => {
  const { stats } = await sendTwice('destination');
  assert.equal(stats.totals.duplicates, 0);
  assert.equal(stats.totals.written, 2 * MESSAGES);
});
