import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actingAs, currentOperator } from './operator-context.js';

test('the operator is known inside the request, in what it awaits, and not after it ends', async () => {
  assert.equal(currentOperator(), undefined);
  let later: Promise<string | undefined> | undefined;
  const seen = await actingAs('alice', async () => {
    await new Promise((r) => setImmediate(r));
    // A timer the request starts fires after it ended: it acts for nobody.
    later = new Promise((r) => setTimeout(() => r(currentOperator()), 5));
    return currentOperator();
  });
  assert.equal(seen, 'alice');
  assert.equal(await later, undefined);
  assert.equal(currentOperator(), undefined);
});

test('concurrent requests each see their own operator', async () => {
  const run = (name: string, ms: number) =>
    actingAs(name, async () => {
      await new Promise((r) => setTimeout(r, ms));
      return currentOperator();
    });
  assert.deepEqual(await Promise.all([run('alice', 10), run('carol', 1)]), ['alice', 'carol']);
});
