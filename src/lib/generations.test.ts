import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generations } from './generations.js';

test('bounded by two generations; what is read stays, what is not read for a generation goes', () => {
  const g = new Generations<number, string>(4);
  for (let i = 0; i < 4; i++) g.set(i, `v${i}`);
  assert.equal(g.size, 4);
  for (let i = 4; i < 8; i++) {
    g.set(i, `v${i}`);
    assert.equal(g.get(0), 'v0', 'kept while read');
  }
  assert.equal(g.get(1), undefined, 'unread for a generation: gone');
  assert.ok(g.forgotten >= 3);
  assert.throws(() => new Generations(0), RangeError);
});

test('never more than 2 × cap entries; a key just set or read is always there', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 16 }),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 300 }),
      (cap, ops) => {
        const g = new Generations<number, number>(cap);
        const model = new Map<number, number>();
        for (const [write, k] of ops) {
          if (write) {
            g.set(k, k * 2);
            model.set(k, k * 2);
            assert.equal(g.get(k), k * 2);
          } else {
            const v = g.get(k);
            if (v !== undefined) assert.equal(v, model.get(k), 'never a wrong value');
          }
          assert.ok(g.size <= 2 * cap);
        }
      },
    ),
  );
});
