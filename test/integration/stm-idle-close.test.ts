// An eep+tcp destination that has nothing to send is not a fault. The NE's stream sender connects when the
// destination is made; lix's collector closes a connection that brought no report within its pending timeout
// (the guard against idle sockets, docs/security.md). The sender must stay `up`, write no warning, and
// connect again when a report comes: measured before this, it warned and reconnected every 30 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../src/collector/collector.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { captureLogger, until } from '../support/conn-flood.js';
import { sipReport } from '../support/stm-reports.js';

test('the collector closes an unused eep+tcp connection: the sender stays up, quiet, and delivers later', async () => {
  const c = await startCollector({
    listen: ['eep+tcp://127.0.0.1:0'],
    outDir: mkdtempSync(join(tmpdir(), 'lix-idle-')),
    logger: captureLogger().logger,
    pendingMs: 200,
  });
  const { logger, lines } = captureLogger();
  const sender = createStmSender(`eep+tcp://127.0.0.1:${c.listeners[0]!.port}`, { logger });
  try {
    await until(() => c.stats().connectionsRefused.pending_timeout === 1, 'the unused connection closed');
    // Three more pending periods: no reconnection churn while there is nothing to send.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(c.stats().connectionsRefused.pending_timeout, 1, 'no new idle connection');
    assert.equal(sender.state, 'up');
    const warnings = lines.filter((l) => (l.level as number) >= 40);
    assert.deepEqual(warnings, [], 'no warning for an unused connection the consumer closed');
    assert.ok(
      lines.some((l) => String(l.msg).includes('closed an unused connection')),
      'said at info level',
    );
    const xid = '8f1c5a4e-2b1d-4c3e-9f00-0000000000ab';
    sender.send(sipReport(xid, 1, 'INVITE sip:bob@example.com SIP/2.0'));
    sender.send(sipReport(xid, 2, 'BYE sip:bob@example.com SIP/2.0'));
    await until(() => c.stats().totals.decoded === 2, 'both reports delivered over a new connection');
    assert.equal(sender.counters.dropped, 0);
  } finally {
    await sender.close();
    await c.stop();
  }
});
