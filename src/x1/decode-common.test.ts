import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { calendarValid } from './decode-common.js';
import { parseTimestamp, PATTERNS } from './simple-types.js';

const two = (n: number) => String(n).padStart(2, '0');

test('calendarValid agrees with parseTimestamp on every pattern-valid timestamp (edges and random)', () => {
  const edges = [
    '0000-01-01T00:00:00.000000Z',
    '2024-02-29T23:59:59.999999Z',
    '2023-02-29T00:00:00.000000Z',
    '1900-02-29T00:00:00.000000Z',
    '2000-02-29T00:00:00.000000Z',
    '2026-04-31T00:00:00.000000Z',
    '2026-13-01T00:00:00.000000Z',
    '2026-00-10T00:00:00.000000Z',
    '2026-01-00T00:00:00.000000Z',
    '2026-01-01T24:00:00.000000Z',
    '2026-01-01T23:60:00.000000Z',
    '2026-01-01T23:00:60.000000Z',
    '2026-01-01T00:00:00.000000+14:00',
    '2026-01-01T00:00:00.000000-14:01',
    '2026-01-01T00:00:00.000000+15:00',
    '2026-01-01T00:00:00.000000+13:59',
    '2026-01-01T00:00:00.000000+13:60',
    '9999-12-31T23:59:59.999999-00:00',
  ];
  const arb = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 14 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
      fc.integer({ min: 0, max: 61 }),
      fc.option(
        fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 61 })),
      ),
    )
    .map(
      ([y, mo, d, h, mi, se, off]) =>
        `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(se)}.123456` +
        (off === null ? 'Z' : `${off[0]}${two(off[1])}:${two(off[2])}`),
    );
  for (const s of [...edges, ...fc.sample(arb, { numRuns: 20_000, seed: 7 })]) {
    assert.ok(PATTERNS.QualifiedMicrosecondDateTime.test(s), s);
    assert.equal(calendarValid(s), parseTimestamp(s) !== undefined, s);
  }
});
