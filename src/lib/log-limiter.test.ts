import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { FakeClock } from '../../test/support/fake-clock.js';
import { LogLimiter } from './log-limiter.js';

function capture() {
  const lines: { msg: string; remoteAddress?: string; suppressed?: number }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, logger };
}

test('the first N warnings of a window are logged, the rest summarised in one line when the window ends', async () => {
  const clock = new FakeClock();
  const { lines, logger } = capture();
  const limiter = new LogLimiter(logger, { perWindow: 5, windowMs: 60_000, clock });
  for (let i = 0; i < 500; i++)
    limiter.warn('192.0.2.1', { remoteAddress: '192.0.2.1', i }, 'TLS handshake refused');
  assert.equal(lines.length, 5);
  assert.deepEqual(limiter.counts, { logged: 5, suppressed: 495 });
  await clock.advance(59_999);
  assert.equal(lines.length, 5, 'no summary before the window ends');
  await clock.advance(1);
  assert.equal(lines.length, 6);
  assert.equal(lines[5]!.msg, 'suppressed 495 warnings from 192.0.2.1 in the last 60 s');
  assert.equal(lines[5]!.suppressed, 495);
  // A new window logs again.
  limiter.warn('192.0.2.1', {}, 'again');
  assert.equal(lines.at(-1)!.msg, 'again');
  assert.equal(clock.pending, 0, 'no timer while nothing is suppressed');
});

test('each address has its own budget: a flooding peer does not silence another', () => {
  const clock = new FakeClock();
  const { lines, logger } = capture();
  const limiter = new LogLimiter(logger, { perWindow: 3, clock });
  for (let i = 0; i < 100; i++) limiter.warn('192.0.2.1', {}, 'flood');
  limiter.warn('192.0.2.2', {}, 'other');
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['flood', 'flood', 'flood', 'other'],
  );
});

test('a window that ended without suppression leaves no summary; close() writes the pending summaries', async () => {
  const clock = new FakeClock();
  const { lines, logger } = capture();
  const limiter = new LogLimiter(logger, { perWindow: 2, windowMs: 1_000, clock });
  limiter.warn('a', {}, 'w');
  await clock.advance(5_000);
  limiter.warn('a', {}, 'w');
  limiter.warn('a', {}, 'w');
  limiter.warn('a', {}, 'w');
  limiter.close();
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['w', 'w', 'w', 'suppressed 1 warnings from a in the last 1 s'],
  );
  assert.equal(clock.pending, 0);
});

test('the number of remembered addresses is bounded', () => {
  const clock = new FakeClock();
  const { lines, logger } = capture();
  const limiter = new LogLimiter(logger, { perWindow: 1, maxKeys: 10, clock });
  for (let i = 0; i < 1000; i++) {
    limiter.warn(`10.0.${i >> 8}.${i & 255}`, {}, 'w');
    limiter.warn(`10.0.${i >> 8}.${i & 255}`, {}, 'w');
  }
  // Every address logged once and was summarised once when it was pushed out (or at close).
  limiter.close();
  assert.equal(lines.filter((l) => l.msg === 'w').length, 1000);
  assert.equal(lines.filter((l) => l.msg.startsWith('suppressed 1 ')).length, 1000);
  assert.equal(clock.pending, 0);
});
