import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../test/support/fake-clock.js';
import { KeepaliveWatchdog } from './keepalive-watchdog.js';

const P3 = 2 * 60 * 60 * 1000;

test('fires once TIME_P3 after the last keepalive, and re-arms on the next one', async () => {
  const clock = new FakeClock();
  let fired = 0;
  const w = new KeepaliveWatchdog(clock, P3, () => fired++);
  w.start();
  await clock.advance(P3 - 1);
  assert.equal(fired, 0);
  w.seen();
  await clock.advance(P3 - 1);
  assert.equal(fired, 0);
  await clock.advance(1);
  assert.equal(fired, 1);
  await clock.advance(10 * P3);
  assert.equal(fired, 1, 'silence is reported once');
  w.seen();
  await clock.advance(P3);
  assert.equal(fired, 2);
  w.stop();
});

test('after a restart the window counts from the stored last keepalive', async () => {
  const clock = new FakeClock();
  let fired = 0;
  const w = new KeepaliveWatchdog(clock, P3, () => fired++, clock.now() - (P3 - 1000));
  w.start();
  await clock.advance(999);
  assert.equal(fired, 0);
  await clock.advance(1);
  assert.equal(fired, 1);
});
