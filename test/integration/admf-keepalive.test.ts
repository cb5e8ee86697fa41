// Keepalive end to end: the ADMF's scheduler sends Keepalive to the lix NE over mutual TLS inside the
// TIME_P1/TIME_P2 window; the NE's watchdog sees them; health follows the answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admfWithNe } from '../support/admf-harness.js';
import { until } from '../support/admf-helpers.js';

const P1 = 600_000;
const P2 = 60_000;

test('keepalives agreed with an NE reach it, within the window, and keep its health current', async () => {
  const h = await admfWithNe(
    { keepalive: true },
    { keepalive: true, keepaliveRandom: true, timeP1Ms: P1, timeP2Ms: P2 },
  );
  try {
    const { admf } = h.running;
    const sent: number[] = [];
    admf.keepalive.onSend = (_, at) => sent.push(at);
    const t0 = h.clock.now();
    for (let i = 1; i <= 4; i++) {
      await h.clock.advance(P1);
      await until(
        `keepalive ${i} answered`,
        () =>
          admf.health('ne-1').keepalivesSent === sent.length &&
          admf.health('ne-1').lastKeepaliveAt === sent.at(-1),
      );
    }
    assert.ok(sent.length >= 4);
    const gaps = [sent[0]! - t0, ...sent.slice(1).map((t, i) => t - sent[i]!)];
    assert.ok(
      gaps.every((g) => g >= P2 && g <= P1),
      `gaps ${gaps.join(', ')}`,
    );
    assert.ok(h.ne.store.getMeta('lastKeepalive'), 'the NE saw them');
    const health = admf.health('ne-1');
    assert.equal(health.reachable, true);
    assert.equal(health.consecutiveFailures, 0);
    const audit = await admf.store.readAudit({ neId: 'ne-1' });
    assert.equal(
      audit.filter((a) => a.action === 'KeepaliveRequest' && a.outcome === 'ok').length,
      sent.length,
    );
  } finally {
    await h.close();
  }
});

test('no keepalives unless agreed', async () => {
  const h = await admfWithNe();
  try {
    await h.clock.advance(3 * P1);
    assert.equal(h.running.admf.health('ne-1').keepalivesSent, 0);
    assert.equal(h.running.admf.keepalive.size, 0);
  } finally {
    await h.close();
  }
});
