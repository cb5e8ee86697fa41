// The NE store on real SQLite files: the contract suite, then what only SQLite shows — pragmas, the file and
// directory it creates, the append-only audit table, schema migration and the newer-schema refusal, commits
// visible to other connections (the NE admin CLI), and two stores on one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sqlite as Database, type OpenOptions } from '../../src/store/sqlite.js';
import { NE_MIGRATIONS, NE_SCHEMA_VERSION } from '../../src/store/ne-schema.js';
import { NE_DB_FILE, openNeStore, SqliteNeStore } from '../../src/store/sqlite-ne-store.js';
import { StoreError } from '../../src/store/store-errors.js';
import { neStoreContract } from '../support/store-ne-contract.js';
import { richTask, smallTask, T0 } from '../support/store-ne-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'lix-ne-store-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
let n = 0;
let last = '';
const freshDir = () => join(root, String(n++));

const factory = {
  open() {
    last = freshDir();
    return openNeStore(last);
  },
  reopen: () => openNeStore(last),
};
neStoreContract('sqlite', factory);

/** A second, plain connection to the store's file (what another process would see). */
function raw(dir: string, opts: OpenOptions = {}): Database {
  return new Database(join(dir, NE_DB_FILE), opts);
}

test('sqlite: DIR/ne.sqlite is created (directory mode 0700) with WAL, synchronous=FULL, foreign keys, busy timeout', () => {
  const dir = join(freshDir(), 'nested', 'data');
  const s = openNeStore(dir);
  try {
    assert.ok(existsSync(join(dir, NE_DB_FILE)));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const db = (s as unknown as { db: Database }).db;
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
    assert.equal(db.pragma('temp_store', { simple: true }), 2, 'MEMORY');
    assert.equal(db.pragma('user_version', { simple: true }), NE_SCHEMA_VERSION);
  } finally {
    s.close();
  }
  s.close(); // twice is harmless
  assert.throws(() => s.countTasks(), /not open/);
});

test('sqlite: the audit table refuses UPDATE and DELETE', () => {
  const dir = freshDir();
  const s = openNeStore(dir);
  const id = s.appendAudit({ at: 1, actor: 'x1', action: 'PingRequest', outcome: 'ok' });
  const db = raw(dir);
  try {
    assert.throws(() => db.exec("UPDATE audit SET outcome = 'error'"), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit WHERE id = ?').run(id), /append-only/);
    assert.throws(() => db.exec('DELETE FROM audit'), /append-only/);
    assert.equal(s.readAudit()[0]?.outcome, 'ok');
    assert.equal(s.lastAuditId(), id);
  } finally {
    db.close();
    s.close();
  }
});

test('sqlite: a file from a newer lix is refused with SchemaTooNew and left as it was', () => {
  const dir = freshDir();
  openNeStore(dir).close();
  const db = raw(dir);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(
    () => openNeStore(dir),
    (e: unknown) =>
      e instanceof StoreError &&
      e.kind === 'SchemaTooNew' &&
      /schema version 99.*upgrade lix/.test(e.message),
  );
  const check = raw(dir, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), 99);
  check.close();
});

test('sqlite: a version-1 file is migrated on open, its rows kept and the delivery type filled in', () => {
  const dir = freshDir();
  const xid = randomUUID();
  const did = randomUUID();
  const details = richTask(xid, [did]);
  mkdirSync(dir);
  const v1 = raw(dir);
  v1.exec(NE_MIGRATIONS[0]!);
  v1.pragma('user_version = 1');
  v1.prepare(
    `INSERT INTO tasks (xid, details, details_xml, origin, provisioning, created_at) VALUES (?, ?, '<x/>', 'x1', 'complete', ?)`,
  ).run(xid, JSON.stringify(details), T0);
  v1.prepare('INSERT INTO task_dids (xid, did) VALUES (?, ?)').run(xid, did);
  v1.prepare("INSERT INTO outbox (kind, body) VALUES ('ReportNEIssue', '{}')").run();
  v1.close();

  const s = openNeStore(dir);
  try {
    assert.deepEqual(s.getTask(xid)?.details, details);
    assert.deepEqual(s.tasksUsingDestination(did), [xid]);
    const [entry] = s.pendingReports(1);
    assert.equal(entry?.enqueuedAt, undefined);
    assert.equal(entry?.nextAttemptAt, undefined);
  } finally {
    s.close();
  }
  const db = raw(dir, { readonly: true });
  try {
    assert.equal(db.pragma('user_version', { simple: true }), NE_SCHEMA_VERSION);
    assert.equal(db.prepare('SELECT delivery_type FROM tasks WHERE xid = ?').pluck().get(xid), 'X2andX3');
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT xid FROM tasks WHERE delivery_type = 'X3Only'")
      .all() as { detail: string }[];
    assert.match(plan.map((p) => p.detail).join(' '), /tasks_by_delivery_type/);
  } finally {
    db.close();
  }
});

test('sqlite: a version-2 file is migrated on open: awaiting tasks await their activation', () => {
  const dir = freshDir();
  const [waiting, done] = [randomUUID(), randomUUID()];
  mkdirSync(dir);
  const v2 = raw(dir);
  v2.exec(NE_MIGRATIONS[0]!);
  v2.exec(NE_MIGRATIONS[1]!);
  v2.pragma('user_version = 2');
  const insert = v2.prepare(
    `INSERT INTO tasks (xid, details, details_xml, origin, provisioning, created_at) VALUES (?, ?, '<x/>', 'x1', ?, ?)`,
  );
  insert.run(waiting, JSON.stringify(richTask(waiting, [])), 'awaitingProvisioning', T0);
  insert.run(done, JSON.stringify(richTask(done, [])), 'complete', T0);
  v2.prepare("INSERT INTO audit (at, actor, action, outcome) VALUES (1, 'x1', 'PingRequest', 'ok')").run();
  v2.close();
  const s = openNeStore(dir);
  try {
    assert.equal(s.getTask(waiting)?.pending, 'activate');
    assert.equal(s.getTask(done)?.pending, undefined);
    const [old] = s.readAudit();
    assert.equal(old?.taskOrigin, undefined, 'old audit rows name no origin');
    s.appendAudit({
      at: 2,
      actor: 'manual',
      action: 'ManualRemoveTask',
      outcome: 'ok',
      xid: done,
      taskOrigin: 'x1',
    });
    assert.equal(s.readAudit({ sinceId: old!.id })[0]?.taskOrigin, 'x1');
  } finally {
    s.close();
  }
});

test('sqlite: a change is visible to another connection as soon as the call returns', () => {
  const dir = freshDir();
  const s = openNeStore(dir);
  const other = raw(dir, { readonly: true });
  try {
    const xid = randomUUID();
    s.insertTask({ details: smallTask(xid, []), origin: 'x1', provisioningStatus: 'complete', at: T0 });
    assert.equal(other.prepare('SELECT count(*) FROM tasks WHERE xid = ?').pluck().get(xid), 1);
    s.appendAudit({ at: 1, actor: 'x1', action: 'ActivateTaskRequest', outcome: 'ok', xid });
    assert.equal(other.prepare('SELECT count(*) FROM audit').pluck().get(), 1);
  } finally {
    other.close();
    s.close();
  }
});

test('sqlite: two stores on one file (NE and admin CLI) both write; the NE notices the other', () => {
  const dir = freshDir();
  const ne = openNeStore(dir);
  const cli = new SqliteNeStore(join(dir, NE_DB_FILE));
  try {
    const before = ne.externalChangeCounter();
    const [a, b] = [randomUUID(), randomUUID()];
    ne.insertTask({ details: smallTask(a, []), origin: 'x1', provisioningStatus: 'complete', at: T0 });
    assert.equal(ne.externalChangeCounter(), before, 'its own commits do not count');
    cli.insertTask({ details: smallTask(b, []), origin: 'manual', provisioningStatus: 'complete', at: T0 });
    assert.notEqual(ne.externalChangeCounter(), before);
    assert.deepEqual(ne.listXids(), [a, b]);
    assert.equal(cli.getTask(a)?.origin, 'x1');
  } finally {
    cli.close();
    ne.close();
  }
});
