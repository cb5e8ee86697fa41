// Issue #17 part 4 on the collector's stream listeners: one host filling its per-address cap with idle
// sockets does not keep another sender out; streams without a first report (TCP) or without a finished
// TLS handshake are closed after the short pending timeout; senders that have delivered, and mutual-TLS
// senders, are never closed or evicted for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { startCollector, type CollectorOptions } from '../../src/collector/collector.js';
import { eepBytes } from '../support/stm-reports.js';
import { getTestPki } from '../support/pki.js';
import { captureLogger, closed, idleTcp, pythonHellos, until } from '../support/conn-flood.js';

function report(seq: number): Uint8Array {
  return eepBytes(seq, '8f1c5a4e-2b1d-4c3e-9f00-0000000000aa', 40);
}

async function collector(listen: string, extra: Partial<CollectorOptions>) {
  const { logger, lines } = captureLogger();
  const c = await startCollector({ listen: [listen], logger, ...extra });
  return { c, lines, port: c.listeners[0]!.port };
}

test('collector TCP: idle sockets of one host fill only its own cap; a sender from 127.0.0.3 still delivers', async () => {
  const { c, port, lines } = await collector('eep+tcp://0.0.0.0:0', {
    maxConnectionsPerAddress: 4,
    pendingMs: 120_000,
    warningsPerMinute: 3,
  });
  const idle = [];
  try {
    for (let i = 0; i < 20; i++) idle.push(await idleTcp(port, '127.0.0.1'));
    await until(() => c.stats().connectionsRefused.per_address === 16, '16 refusals');
    const sender = await idleTcp(port, '127.0.0.3');
    sender.write(report(0));
    sender.write(report(1));
    await until(() => c.stats().totals.decoded === 2, 'the reports of 127.0.0.3');
    assert.equal(sender.destroyed, false);
    sender.destroy();
    assert.equal(idle.filter((s) => !s.destroyed).length, 4);
  } finally {
    for (const s of idle) s.destroy();
    await c.stop();
  }
  const refused = lines.filter((l) => l.msg === 'STM connection refused');
  assert.equal(refused.length, 3, 'the first 3 refusals are logged');
  assert.ok(lines.some((l) => l.msg === 'suppressed 13 warnings from 127.0.0.1 in the last 60 s'));
  assert.equal(c.stats().totals.warningsSuppressed, 13);
});

test('collector TCP: a socket without a first report is closed after the pending timeout, a delivering one is not; when full, a pending one is evicted', async () => {
  const { c, port } = await collector('eep+tcp://0.0.0.0:0', { pendingMs: 300, maxConnections: 3 });
  const established = await idleTcp(port, '127.0.0.2');
  try {
    established.write(report(0));
    await until(() => c.stats().totals.decoded === 1, 'the first report');
    await closed(await idleTcp(port, '127.0.0.1'));
    await closed(await idleTcp(port, '127.0.0.1'));
    assert.equal(c.stats().connectionsRefused.pending_timeout, 2);
    established.write(report(1));
    await until(() => c.stats().totals.decoded === 2, 'a report after two pending timeouts');
    assert.equal(established.destroyed, false);

    // Full: the established sender and two pending sockets. A new sender evicts the older pending one.
    const older = await idleTcp(port, '127.0.0.1');
    await until(() => c.stats().totals.connections === 4, 'the older pending socket');
    const newer = await idleTcp(port, '127.0.0.1');
    await until(() => c.stats().totals.connections === 5, 'the newer pending socket');
    const sender = await idleTcp(port, '127.0.0.3');
    sender.write(report(0));
    await closed(older);
    await until(() => c.stats().totals.decoded === 3, 'the new sender delivers');
    assert.equal(c.stats().connectionsRefused.evicted, 1);
    assert.equal(established.destroyed, false);
    for (const s of [newer, sender]) s.destroy();
  } finally {
    established.destroy();
    await c.stop();
  }
});

test('collector TLS: hellos without a finished handshake are closed after the pending timeout; an authenticated sender idle before its first report is not', async () => {
  const pki = await getTestPki();
  const { c, port } = await collector('eep+tls://0.0.0.0:0', { tls: pki.tls('admf-1'), pendingMs: 300 });
  const t = pki.tls('ne-1');
  const sender = tlsConnect({
    socket: await idleTcp(port, '127.0.0.2'),
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: readFileSync(t.caFile),
    checkServerIdentity: () => undefined,
  });
  sender.on('error', () => undefined);
  try {
    await once(sender, 'secureConnect');
    const hellos = await pythonHellos(port, 3);
    assert.deepEqual(await hellos.ask('wait'), { closed: 3, of: 3 });
    await hellos.stop();
    await closed(await idleTcp(port, '127.0.0.1'));
    assert.equal(c.stats().connectionsRefused.pending_timeout, 4);
    sender.write(report(0));
    await until(() => c.stats().totals.decoded === 1, 'the report of the authenticated sender');
    assert.equal(sender.destroyed, false);
  } finally {
    sender.destroy();
    await c.stop();
  }
});
