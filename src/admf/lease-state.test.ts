// The lease table as properties: any sequence of attempted moves keeps gains and losses alternating per NE,
// fencing tokens of successive gains strictly growing, refused moves changing nothing, and "owns" true only
// for a held, unexpired lease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isLegalLeaseMove, LEASE_STATES, LeaseBook, type Lease } from './lease-state.js';

const state = fc.constantFrom(...LEASE_STATES);
const step = fc.record(
  {
    ne: fc.constantFrom('ne-a', 'ne-b', 'ne-c'),
    to: state,
    token: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    validUntil: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    now: fc.integer({ min: 0, max: 1000 }),
  },
  { noNullPrototype: true },
);

test('gains and losses alternate per NE, tokens only grow, refused moves change nothing', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
      const book = new LeaseBook();
      const events: { kind: 'gain' | 'loss'; lease: Lease }[] = [];
      book.listen({
        gained: (lease) => events.push({ kind: 'gain', lease }),
        lost: (lease) => events.push({ kind: 'loss', lease }),
      });
      const maxToken = new Map<string, number>();
      for (const s of steps) {
        const before = book.get(s.ne);
        const info = {
          ...(s.token !== undefined && { token: s.token }),
          ...(s.validUntil !== undefined && { validUntil: s.validUntil }),
        };
        const ok = book.move(s.ne, s.to, info);
        if (!isLegalLeaseMove(before.state, s.to)) assert.equal(ok, false);
        if (!ok) assert.deepEqual(book.get(s.ne), before);
        else assert.equal(book.get(s.ne).state, s.to);
        if (ok && before.state === 'acquiring' && s.to === 'held') {
          assert.ok(s.token! > (maxToken.get(s.ne) ?? -1), 'a grant with an old token was taken');
          maxToken.set(s.ne, s.token!);
        }
        if (book.owns(s.ne, s.now)) {
          const l = book.get(s.ne);
          assert.equal(l.state, 'held');
          assert.ok(l.validUntil! > s.now);
        }
      }
      for (const ne of ['ne-a', 'ne-b', 'ne-c']) {
        const mine = events.filter((e) => e.lease.neId === ne);
        mine.forEach((e, i) => assert.equal(e.kind, i % 2 === 0 ? 'gain' : 'loss'));
        const tokens = mine.filter((e) => e.kind === 'gain').map((e) => e.lease.token!);
        for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!);
        const held = book.get(ne).state === 'held';
        assert.equal(mine.length % 2 === 1, held, 'an NE is held exactly when its last event was a gain');
      }
    }),
    { numRuns: 300 },
  );
});

test('a renewal keeps the token and only a held lease renews', () => {
  const book = new LeaseBook();
  assert.equal(book.move('n', 'held', { token: 1, validUntil: 10 }), false);
  assert.ok(book.move('n', 'acquiring'));
  assert.ok(book.move('n', 'held', { token: 3, validUntil: 10 }));
  assert.equal(book.move('n', 'held', { token: 4, validUntil: 20 }), false);
  assert.ok(book.move('n', 'held', { token: 3, validUntil: 20 }));
  assert.equal(book.owns('n', 19), true);
  assert.equal(book.owns('n', 20), false);
});
