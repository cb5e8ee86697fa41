/**
 * The named-credential and operator-audit part of the {@link AdmfStore} contract (admf-store-contract.ts runs
 * it against each implementation).
 */
import assert from 'node:assert/strict';
import type { AdmfStore } from '../../src/store/admf-store.js';
import type { ApiTokenRecord } from '../../src/store/admf-tokens.js';

const T0 = Date.UTC(2026, 11, 4, 8, 0, 0);

const token = (name: string, over: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
  name,
  role: 'operator',
  hash: `${name.padEnd(8, '0')}`.repeat(8).slice(0, 64),
  createdAt: T0,
  ...over,
});

/** Registers the tests through the main contract's `withStore` (a fresh store per test). */
export function apiTokenContract(
  withStore: (title: string, fn: (s: AdmfStore) => Promise<void>) => void,
): void {
  withStore('API tokens: added once per name, found by hash, listed by name', async (s) => {
    assert.equal(await s.addApiToken(token('bob', { role: 'auditor' })), true);
    assert.equal(await s.addApiToken(token('alice')), true);
    assert.equal(await s.addApiToken(token('alice', { hash: 'f'.repeat(64) })), false, 'name taken');
    const alice = token('alice');
    assert.deepEqual(await s.getApiTokenByHash(alice.hash), alice);
    assert.equal(await s.getApiTokenByHash('0'.repeat(64)), undefined);
    assert.deepEqual(
      (await s.listApiTokens()).map((t) => [t.name, t.role]),
      [
        ['alice', 'operator'],
        ['bob', 'auditor'],
      ],
    );
  });

  withStore('API tokens: a second token with the same hash is refused', async (s) => {
    await s.addApiToken(token('alice'));
    await assert.rejects(s.addApiToken(token('carol', { hash: token('alice').hash })));
  });

  withStore('API tokens: revocation keeps the first time and the name stays taken', async (s) => {
    await s.addApiToken(token('alice'));
    assert.equal(await s.revokeApiToken('nobody', T0), undefined);
    assert.equal((await s.revokeApiToken('alice', T0 + 5))?.revokedAt, T0 + 5);
    assert.equal((await s.revokeApiToken('alice', T0 + 9))?.revokedAt, T0 + 5);
    assert.equal((await s.getApiTokenByHash(token('alice').hash))?.revokedAt, T0 + 5);
    assert.equal(await s.addApiToken(token('alice', { hash: 'e'.repeat(64) })), false);
  });

  withStore('API tokens: last use only moves forward', async (s) => {
    await s.addApiToken(token('alice'));
    await s.touchApiToken('alice', T0 + 10);
    await s.touchApiToken('alice', T0 + 3);
    await s.touchApiToken('nobody', T0 + 3);
    assert.equal((await s.listApiTokens())[0]!.lastUsedAt, T0 + 10);
  });

  withStore('audit rows name their operator and filter by it', async (s) => {
    await s.appendAudits([
      { at: T0, actor: 'operator', operator: 'alice', action: 'ActivateTask', outcome: 'ok' },
      { at: T0 + 1, actor: 'x1', operator: 'alice', action: 'ActivateTask', outcome: 'ok' },
      { at: T0 + 2, actor: 'operator', operator: 'bob', action: 'DeactivateTask', outcome: 'ok' },
      { at: T0 + 3, actor: 'system', action: 'Reconcile', outcome: 'ok' },
    ]);
    const all = await s.readAudit();
    assert.deepEqual(
      all.map((r) => r.operator),
      ['alice', 'alice', 'bob', undefined],
    );
    assert.equal('operator' in all[3]!, false, 'no operator: the key is absent');
    assert.deepEqual(
      (await s.readAudit({ operator: 'alice' })).map((r) => r.actor),
      ['operator', 'x1'],
    );
    assert.deepEqual(
      (await s.readAudit({ operator: 'bob' })).map((r) => r.action),
      ['DeactivateTask'],
    );
  });
}
