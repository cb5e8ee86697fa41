import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiTokenRecord, ApiTokenStore } from '../store/admf-tokens.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { ApiAuth, hashToken, newToken, TOUCH_EVERY_MS } from './auth.js';

/** A store in memory whose last-use writes can be made to fail (a full or read-only disk). */
function memoryTokens(failTouch: () => boolean) {
  const rows = new Map<string, ApiTokenRecord>();
  const touches: [string, number][] = [];
  const store: ApiTokenStore = {
    addApiToken: async (t) => (rows.has(t.name) ? false : (rows.set(t.name, t), true)),
    getApiTokenByHash: async (h) => [...rows.values()].find((t) => t.hash === h),
    listApiTokens: async () => [...rows.values()],
    revokeApiToken: async (name, at) => {
      const t = rows.get(name);
      if (t) rows.set(name, { ...t, revokedAt: t.revokedAt ?? at });
      return rows.get(name);
    },
    touchApiToken: async (name, at) => {
      if (failTouch()) throw new Error('SQLITE_FULL');
      touches.push([name, at]);
    },
  };
  return { store, touches };
}

test('startup token, named token, revoked token, and the refusals told apart', async () => {
  const clock = new FakeClock();
  const { store } = memoryTokens(() => false);
  const auth = new ApiAuth({ token: 'startup-token-0123456789', store, clock });
  const alice = newToken();
  await store.addApiToken({ name: 'alice', role: 'auditor', hash: hashToken(alice), createdAt: 0 });
  assert.deepEqual(await auth.authenticate('Bearer startup-token-0123456789'), {
    name: 'admin',
    role: 'administrator',
  });
  assert.deepEqual(await auth.authenticate(`bearer ${alice}`), { name: 'alice', role: 'auditor' });
  assert.deepEqual(
    [
      await auth.authenticate(undefined),
      await auth.authenticate('Basic abc'),
      await auth.authenticate('Bearer nope'),
    ].map((r) => ('code' in r ? r.code : r.name)),
    ['token_missing', 'invalid_request', 'invalid_token'],
  );
  await store.revokeApiToken('alice', 5);
  const r = await auth.authenticate(`Bearer ${alice}`);
  assert.ok('code' in r && r.code === 'invalid_token' && /revoked/.test(r.message));
});

test('last use is written once a minute, and a failed write never refuses the caller', async () => {
  const clock = new FakeClock();
  let failing = true;
  const { store, touches } = memoryTokens(() => failing);
  const auth = new ApiAuth({ token: 'startup-token-0123456789', store, clock });
  const alice = newToken();
  await store.addApiToken({ name: 'alice', role: 'operator', hash: hashToken(alice), createdAt: 0 });
  assert.deepEqual(await auth.authenticate(`Bearer ${alice}`), { name: 'alice', role: 'operator' });
  failing = false;
  await auth.authenticate(`Bearer ${alice}`); // retried at once after the failure
  await auth.authenticate(`Bearer ${alice}`); // within the minute: not written
  await clock.advance(TOUCH_EVERY_MS);
  await auth.authenticate(`Bearer ${alice}`);
  assert.deepEqual(
    touches.map(([, at]) => at - touches[0]![1]),
    [0, TOUCH_EVERY_MS],
  );
});
