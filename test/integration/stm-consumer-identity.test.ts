// Consumer identity (TS 33.501 §5.9.4.2): an eep+tls destination naming `?identity=ID` delivers only to a
// collector whose certificate names ID; a mismatch is a destination fault with nothing sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { EEP_PROTOCOL_TYPES } from '../../src/stm/eep.js';
import type { StmReport } from '../../src/stm/report.js';
import { parseStmUri, StmUriError } from '../../src/stm/uri.js';
import type { StmFaultInfo } from '../../src/transport/stm-sender-base.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { getTestPki } from '../support/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'lix-consumer-id-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const XID = '8f1c5a4e-2b1d-4c3e-9f00-00000000c0de';

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
    payload: new TextEncoder().encode(`OPTIONS sip:x SIP/2.0\r\nCall-ID: ${i}\r\nContent-Length: 0\r\n\r\n`),
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function withCollector(name: string, run: (listen: string, decoded: () => number) => Promise<void>) {
  const pki = await getTestPki();
  const c = await startCollector({
    listen: ['eep+tls://127.0.0.1:0'],
    outDir: join(dir, name),
    logger: silentLogger,
    tls: pki.tls('admf-1'),
  });
  try {
    await run(c.listeners[0]!.text, () => c.stats().totals.decoded);
  } finally {
    await c.stop();
  }
}

test('eep+tls?identity= naming the collector certificate delivers', async () => {
  const pki = await getTestPki();
  await withCollector('match', async (listen, decoded) => {
    const sender = createStmSender(`${listen}?identity=${pki.admf}`, {
      logger: silentLogger,
      tls: pki.tls('ne-1'),
    });
    try {
      for (let i = 0; i < 3; i++) sender.send(report(i));
      assert.equal(await sender.drain!(5000), true);
      await until(() => decoded() === 3);
      assert.equal(sender.counters.sent, 3);
    } finally {
      await sender.close();
    }
  });
});

test('eep+tls?identity= naming another consumer: destination fault, nothing sent', async () => {
  const pki = await getTestPki();
  await withCollector('mismatch', async (listen, decoded) => {
    const sender = createStmSender(`${listen}?identity=collector-9`, {
      logger: silentLogger,
      tls: pki.tls('ne-1'),
      backoff: { initialMs: 50, maxMs: 100 },
    });
    const faults: StmFaultInfo[] = [];
    sender.on('fault', (f) => faults.push(f));
    try {
      sender.send(report(0));
      await until(() => faults.length > 0);
      assert.match(
        faults[0]!.reason,
        /consumer identity mismatch: expected "collector-9", certificate names "admf-1"/,
      );
      // Retried with back-off, still refused: the fault is raised once, the report stays queued.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(faults.length, 1);
      assert.equal(sender.counters.sent, 0);
      assert.equal(sender.counters.queued, 1);
      assert.equal(decoded(), 0);
    } finally {
      await sender.close();
    }
  });
});

test('?identity= is for secured schemes, once, non-empty', () => {
  assert.equal(parseStmUri('eep+tls://127.0.0.1:9061?identity=coll-1&id=EEP1').identity, 'coll-1');
  assert.equal(parseStmUri('eep+tls://127.0.0.1:9061').identity, undefined);
  for (const uri of [
    'eep+udp://127.0.0.1:9060?identity=coll-1',
    'eep+tcp://127.0.0.1:9060?identity=coll-1',
    'eep+tls://127.0.0.1:9061?identity=',
    'eep+tls://127.0.0.1:9061?identity=a&identity=b',
    'eep+tls://127.0.0.1:9061?identity=a%0Ab',
  ])
    assert.throws(() => parseStmUri(uri), StmUriError, uri);
});

test('eep+tls collector with an allow-list: a producer it does not name is refused and counted, one it names delivers', async () => {
  const pki = await getTestPki();
  const c = await startCollector({
    listen: ['eep+tls://127.0.0.1:0'],
    outDir: join(dir, 'allow-list'),
    logger: silentLogger,
    tls: pki.tls('admf-1'),
    allowProducers: ['ne-2'],
  });
  const uri = c.listeners[0]!.text;
  const opts = { logger: silentLogger, backoff: { initialMs: 5000, maxMs: 5000 } };
  const stranger = createStmSender(uri, { ...opts, tls: pki.tls('ne-1') });
  const allowed = createStmSender(uri, { ...opts, tls: pki.tls('ne-2') });
  try {
    stranger.send(report(0));
    await until(() => c.stats().totals.refused >= 1);
    allowed.send(report(1));
    await until(() => c.stats().totals.decoded === 1);
    await new Promise((r) => setTimeout(r, 200));
    const s = c.stats();
    assert.equal(s.totals.decoded, 1, 'only the allowed producer delivered');
    assert.ok(s.totals.refused >= 1);
    assert.deepEqual(
      s.sources.filter((x) => x.decoded > 0).length,
      1,
      'one source wrote reports: the allowed producer',
    );
  } finally {
    await stranger.close();
    await allowed.close();
    await c.stop();
  }
});
