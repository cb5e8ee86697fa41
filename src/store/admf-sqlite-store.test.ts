import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sqlite as Database } from './sqlite.js';
import { openAdmfStore, ADMF_DB_FILE } from './admf-sqlite-store.js';
import { admfStoreContract } from '../../test/support/admf-store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'lix-admf-store-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
let n = 0;
let last = '';

admfStoreContract('sqlite', {
  async open() {
    last = join(root, String(n++));
    return openAdmfStore(last);
  },
  async reopen() {
    return openAdmfStore(last);
  },
});

test('sqlite: the audit table refuses updates and deletes', async () => {
  const dir = join(root, 'audit');
  const s = openAdmfStore(dir);
  await s.appendAudit({ at: 1, actor: 'system', action: 'x', outcome: 'ok' });
  await s.close();
  const db = new Database(join(dir, ADMF_DB_FILE));
  try {
    assert.throws(() => db.exec("UPDATE audit SET action = 'y'"), /append-only/);
    assert.throws(() => db.exec('DELETE FROM audit'), /append-only/);
  } finally {
    db.close();
  }
});

test('sqlite: a file from a newer lix is refused with a clear message', () => {
  const dir = join(root, 'newer');
  openAdmfStore(dir).close();
  const db = new Database(join(dir, ADMF_DB_FILE));
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => openAdmfStore(dir), /schema version 99.*upgrade lix/);
});
