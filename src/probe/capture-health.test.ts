import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../lib/logger.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { CaptureHealth } from './capture-health.js';
import type { ProbeHost } from './probe-options.js';

function harness() {
  const clock = new FakeClock();
  const events: string[] = [];
  const host = {
    store: {} as ProbeHost['store'],
    issues: {
      warn: () => undefined,
      fault: (s: { id: string }, f: { errorCode: number; errorDescription: string }) =>
        events.push(`fault ${s.id} ${f.errorCode} ${f.errorDescription}`),
      clear: (s: { id: string }, code: number, text: string) => events.push(`clear ${s.id} ${code} ${text}`),
    },
  } satisfies ProbeHost;
  const h = new CaptureHealth({
    neId: 'ne-1',
    clock,
    logger: silentLogger,
    host: () => host,
    quietMs: 10_000,
  });
  return { clock, events, h };
}

test('drops raise one NE fault, cleared after a quiet period, raised again when drops resume', async () => {
  const { clock, events, h } = harness();
  h.observe(0);
  h.observe(undefined);
  assert.deepEqual(events, []);
  h.observe(5);
  assert.equal(h.current, 'dropping');
  await clock.advance(1000);
  h.observe(9);
  await clock.advance(9_500);
  h.observe(9);
  assert.equal(events.length, 1, 'one fault while dropping');
  assert.match(
    events[0]!,
    /^fault ne-1 9020 capture is dropping packets \(5 lost since the last check, 5 in all\)/,
  );
  await clock.advance(500);
  h.observe(9);
  assert.equal(h.current, 'ok');
  assert.match(events[1]!, /^clear ne-1 9020 capture has dropped no packets for 10 s \(9 lost in all\)/);
  h.observe(12);
  assert.match(events[2]!, /^fault ne-1 9020 capture is dropping packets \(3 lost/);
});

test('a failure clears the drop fault first, is reported, and is never cleared by quiet', async () => {
  const { clock, events, h } = harness();
  h.observe(3);
  h.failed('iface:lo', 'tcpdump exit 1');
  await clock.advance(60_000);
  h.observe(3);
  assert.equal(h.current, 'failed');
  assert.deepEqual(
    events.map((e) => e.split(' ').slice(0, 3).join(' ')),
    ['fault ne-1 9020', 'clear ne-1 9020', 'fault ne-1 9020'],
  );
  assert.match(events[2]!, /packet source iface:lo failed: tcpdump exit 1/);
});
