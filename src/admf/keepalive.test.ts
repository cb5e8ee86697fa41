import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../test/support/fake-clock.js';
import { KEEPALIVE_GUARD, KeepaliveScheduler } from './keepalive.js';

const P1 = 600_000;
const P2 = 60_000;

function scheduler(clock: FakeClock, random?: () => number) {
  const sends: [string, number][] = [];
  const s = new KeepaliveScheduler({
    clock,
    send: async (neId) => void sends.push([neId, clock.now()]),
    ...(random && { random }),
  });
  return { s, sends };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

test('without jitter: one keepalive every TIME_P2', async () => {
  const clock = new FakeClock();
  const { s, sends } = scheduler(clock);
  const t0 = clock.now();
  s.add('ne-1', { timeP1Ms: P1, timeP2Ms: P2, keepaliveRandom: false });
  await clock.advance(P2 - 1);
  assert.equal(sends.length, 0, 'never sooner than TIME_P2');
  await clock.advance(1);
  await clock.advance(4 * P2);
  assert.deepEqual(
    sends.map(([, t]) => t - t0),
    [1, 2, 3, 4, 5].map((k) => k * P2),
  );
});

test('with jitter: every gap lies inside [TIME_P2, TIME_P1 - guard], and both ends are reachable', async () => {
  const clock = new FakeClock();
  const values = [0, 0.999999, 0.5, 0.25, 0.75];
  let i = 0;
  const { s, sends } = scheduler(clock, () => values[i++ % values.length]!);
  s.add('ne-1', { timeP1Ms: P1, timeP2Ms: P2, keepaliveRandom: true });
  await clock.advance(20 * P1);
  const g = gaps([clock.now() - 20 * P1, ...sends.map(([, t]) => t)]);
  assert.ok(g.length >= 20);
  assert.ok(
    g.every((x) => x >= P2 && x <= P1),
    `gaps ${g.join(',')}`,
  );
  assert.equal(Math.min(...g), P2);
  assert.equal(Math.max(...g), P1 - Math.min(KEEPALIVE_GUARD.maxMs, (P1 - P2) * KEEPALIVE_GUARD.share));
});

test('many NEs keep their own timers; removing one stops it; stop() stops all', async () => {
  const clock = new FakeClock();
  const { s, sends } = scheduler(clock, Math.random);
  for (let n = 0; n < 50; n++) s.add(`ne-${n}`, { timeP1Ms: P1, timeP2Ms: P2, keepaliveRandom: true });
  s.remove('ne-0');
  await clock.advance(3 * P1);
  const by = new Map<string, number[]>();
  for (const [id, t] of sends) by.set(id, [...(by.get(id) ?? []), t]);
  assert.equal(by.has('ne-0'), false);
  assert.equal(by.size, 49);
  for (const [id, times] of by) {
    assert.ok(times.length >= 3, `${id} sent ${times.length}`);
    assert.ok(gaps(times).every((x) => x >= P2 && x <= P1));
  }
  s.stop();
  const before = sends.length;
  await clock.advance(3 * P1);
  assert.equal(sends.length, before);
  assert.equal(s.size, 0);
});

test('a slow or failing send does not stretch the schedule', async () => {
  const clock = new FakeClock();
  const sends: number[] = [];
  const s = new KeepaliveScheduler({
    clock,
    send: (): Promise<void> => {
      sends.push(clock.now());
      return new Promise((_, reject) => clock.setTimer(P2 * 2, () => reject(new Error('no answer'))));
    },
  });
  s.add('ne-1', { timeP1Ms: P1, timeP2Ms: P2, keepaliveRandom: false });
  await clock.advance(5 * P2);
  assert.deepEqual(gaps(sends), [P2, P2, P2, P2]);
});

test('a timer that fires early by the clock (a long event-loop turn) waits out the rest of the gap', async () => {
  const clock = new FakeClock();
  // A timer armed in a long event-loop turn is measured from the turn's start: the gap timer fires 7 ms
  // early by the clock; the short timer for the rest is armed in a short turn and fires on time.
  const early: FakeClock = Object.assign(Object.create(clock) as FakeClock, {
    setTimer: (ms: number, fn: () => void) => clock.setTimer(ms > 1000 ? ms - 7 : ms, fn),
  });
  const sends: number[] = [];
  const s = new KeepaliveScheduler({ clock: early, send: async () => void sends.push(clock.now()) });
  s.add('ne-1', { timeP1Ms: P1, timeP2Ms: P2, keepaliveRandom: false });
  const t0 = clock.now();
  await clock.advance(5 * P2 + 100);
  assert.deepEqual(
    sends.map((t) => t - t0),
    [1, 2, 3, 4, 5].map((k) => k * P2),
  );
  s.stop();
});

test('after a takeover the first keepalive leaves TIME_P2 after the previous owner’s last, never a random gap', async () => {
  const clock = new FakeClock();
  const { s, sends } = scheduler(clock, () => 0.999999);
  const last = clock.now() - 1000;
  s.add('ne-1', { timeP1Ms: P1, timeP2Ms: P2, keepaliveRandom: true }, last);
  await clock.advance(P2 - 1001);
  assert.equal(sends.length, 0, 'not before TIME_P2 from the last');
  await clock.advance(1);
  assert.deepEqual(
    sends.map(([, t]) => t - last),
    [P2],
  );
  // Past that, the gaps are drawn again (here the top of the window).
  await clock.advance(P1);
  assert.equal(
    sends[1]![1] - sends[0]![1],
    P1 - Math.min(KEEPALIVE_GUARD.maxMs, (P1 - P2) * KEEPALIVE_GUARD.share),
  );
  s.stop();
});
