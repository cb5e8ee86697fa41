import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sqlite as Database } from './sqlite.js';
import { openAdmfStore, ADMF_DB_FILE, ADMF_SCHEMA_VERSION } from './admf-sqlite-store.js';
import { admfStoreContract, ne, taskRecord } from '../../test/support/admf-store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'lix-admf-store-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
/** Takes a version 4 file back to version 3: without api_tokens and audit.operator. */
const TO_VERSION_3 =
  'DROP TABLE api_tokens; DROP INDEX audit_by_operator; ALTER TABLE audit DROP COLUMN operator';

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

test('sqlite: a version 1 file (before subscribers) opens, keeps its NEs and tasks, and gets the subscriber tables', async () => {
  const dir = join(root, 'v1');
  const fresh = openAdmfStore(dir);
  await fresh.close();
  // A version 1 file is the current one without the subscriber tables, the warrant columns and the credentials.
  const db = new Database(join(dir, ADMF_DB_FILE));
  db.exec(TO_VERSION_3);
  db.exec('DROP TABLE subscriber_tasks; DROP TABLE subscribers');
  dropWarrantColumns(db);
  db.pragma('user_version = 1');
  db.exec(
    "INSERT INTO nes (id, url, options, created_at, updated_at) VALUES ('ne-1', 'https://127.0.0.1:1/X1/NE', '{}', 1, 1)",
  );
  db.exec(
    "INSERT INTO tasks (xid, ne_id, details, state, created_at, updated_at) VALUES ('x', 'ne-1', '{}', 'active', 1, 1)",
  );
  db.close();
  const s = openAdmfStore(dir);
  try {
    assert.equal((await s.listNes())[0]?.id, 'ne-1');
    assert.equal((await s.getTask('x'))?.state, 'active');
    assert.deepEqual(await s.listSubscribers(), []);
    await s.putSubscriber({
      id: 'sub-1',
      identities: [{ kind: 'imsi', value: '001010000000000' }],
      placements: [{ neId: 'ne-1', dids: [] }],
      deliveryType: 'X2Only',
      state: 'active',
      createdAt: 2,
      updatedAt: 2,
    });
    await s.addSubscriberTask({
      subscriberId: 'sub-1',
      xid: 'x',
      neId: 'ne-1',
      targetKey: 'imsi:1',
      createdAt: 2,
    });
    assert.equal(await s.subscriberOfTask('x'), 'sub-1');
  } finally {
    await s.close();
  }
  const check = new Database(join(dir, ADMF_DB_FILE));
  try {
    assert.equal(check.pragma('user_version', { simple: true }), ADMF_SCHEMA_VERSION);
  } finally {
    check.close();
  }
});

/** Takes a file back to before version 3 (the tasks' warrant columns). */
function dropWarrantColumns(db: Database): void {
  db.exec('DROP INDEX tasks_windowed');
  for (const c of ['valid_from', 'valid_until', 'warrant_ref']) db.exec(`ALTER TABLE tasks DROP COLUMN ${c}`);
}

test('sqlite: a version 2 file (before warrants) opens and upgrades; its tasks keep their data and take warrant windows', async () => {
  const dir = join(root, 'v2');
  const s = openAdmfStore(dir);
  await s.putNe(ne('ne-1'));
  const t = taskRecord('ne-1');
  await s.putTask(t);
  await s.close();
  // Back to what lix with schema version 2 wrote.
  const db = new Database(join(dir, ADMF_DB_FILE));
  db.exec(TO_VERSION_3);
  dropWarrantColumns(db);
  db.pragma('user_version = 2');
  db.close();
  const again = openAdmfStore(dir);
  try {
    assert.deepEqual(await again.getTask(t.xid), t);
    const w = { ...t, validUntil: t.createdAt + 1000, warrantRef: 'LIID-1' };
    await again.putTask(w);
    assert.deepEqual(await again.getTask(t.xid), w);
  } finally {
    await again.close();
  }
  const check = new Database(join(dir, ADMF_DB_FILE));
  assert.equal(check.pragma('user_version', { simple: true }), ADMF_SCHEMA_VERSION);
  check.close();
});

test('sqlite: a version 3 file (before named credentials) opens, keeps its audit and gets tokens and operators', async () => {
  const dir = join(root, 'v3');
  await openAdmfStore(dir).close();
  const db = new Database(join(dir, ADMF_DB_FILE));
  db.exec(TO_VERSION_3);
  db.pragma('user_version = 3');
  db.exec("INSERT INTO audit (at, actor, action, outcome) VALUES (1, 'operator', 'AddNe', 'ok')");
  db.close();
  const s = openAdmfStore(dir);
  try {
    const [row] = await s.readAudit();
    assert.deepEqual([row?.action, row?.operator], ['AddNe', undefined]);
    await s.appendAudit({ at: 2, actor: 'operator', operator: 'alice', action: 'x', outcome: 'ok' });
    assert.equal((await s.readAudit({ operator: 'alice' })).length, 1);
    assert.equal(
      await s.addApiToken({ name: 'alice', role: 'auditor', hash: 'a'.repeat(64), createdAt: 3 }),
      true,
    );
  } finally {
    await s.close();
  }
  const again = new Database(join(dir, ADMF_DB_FILE));
  try {
    assert.equal(again.pragma('user_version', { simple: true }), ADMF_SCHEMA_VERSION);
  } finally {
    again.close();
  }
});
