/**
 * The NE store's schema as a table of migrations (docs/store.md). `PRAGMA user_version` holds the number of
 * migrations applied; opening a store applies the missing ones in one transaction. A released migration is
 * never edited: a change to the schema is a new row at the end.
 */
import type { Sqlite } from './sqlite.js';
import { StoreError } from './store-errors.js';

/** Migration N (1-based) takes a file from schema version N-1 to N. */
export const NE_MIGRATIONS: readonly string[] = [
  // 1: tasks (details as JSON and as the canonical <taskDetails> fragment), the task↔DID links, destinations,
  // faults, the report outbox, the append-only audit log, key/value state.
  `
CREATE TABLE tasks (
  xid TEXT PRIMARY KEY, details TEXT NOT NULL, details_xml TEXT NOT NULL, origin TEXT NOT NULL, provisioning TEXT NOT NULL,
  last_intercept TEXT, x2_bytes INTEGER NOT NULL DEFAULT 0, x3_bytes INTEGER NOT NULL DEFAULT 0,
  last_modification TEXT, modifications INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL
);
CREATE TABLE task_dids (
  xid TEXT NOT NULL REFERENCES tasks(xid) ON DELETE CASCADE, did TEXT NOT NULL, PRIMARY KEY (xid, did)
) WITHOUT ROWID;
CREATE INDEX task_dids_by_did ON task_dids(did);
CREATE TABLE destinations (did TEXT PRIMARY KEY, details TEXT NOT NULL, delivery_status TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE faults (
  scope_kind TEXT NOT NULL, scope_id TEXT NOT NULL, code INTEGER NOT NULL, description TEXT NOT NULL,
  PRIMARY KEY (scope_kind, scope_id, code)
) WITHOUT ROWID;
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT
);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  outcome TEXT NOT NULL, xid TEXT, did TEXT, transaction_id TEXT, detail TEXT
);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`,
  // 2: the delivery type as an indexed column (filled from the stored details); outbox entries carry when they
  // were queued and when the next attempt is due.
  `
ALTER TABLE tasks ADD COLUMN delivery_type TEXT NOT NULL DEFAULT '';
UPDATE tasks SET delivery_type = json_extract(details, '$.deliveryType');
CREATE INDEX tasks_by_delivery_type ON tasks(delivery_type);
ALTER TABLE outbox ADD COLUMN enqueued_at INTEGER;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER;
`,
  // 3: the lifecycle request a task awaits (src/ne/task-state.ts), so that a restart finishes the request that
  // was acknowledged: tasks awaiting provisioning before this migration were activations or modifications
  // (both finish by provisioning), so they become 'activate'. The audit row of a manual removal names the
  // removed task's origin as a column (it was free text).
  `
ALTER TABLE tasks ADD COLUMN pending TEXT;
UPDATE tasks SET pending = 'activate' WHERE provisioning = 'awaitingProvisioning';
ALTER TABLE audit ADD COLUMN task_origin TEXT;
`,
];

/** The schema version this lix writes: the number of migrations. */
export const NE_SCHEMA_VERSION = NE_MIGRATIONS.length;

/** The connection settings every NE store opens with (docs/store.md "Durability"). */
export const NE_PRAGMAS = {
  journal_mode: 'WAL',
  synchronous: 'FULL',
  foreign_keys: 'ON',
  /** Milliseconds a writer waits for another process's lock (the NE admin CLI writes while the NE runs). */
  busy_timeout: 5000,
  /**
   * Savepoint journals (a store call inside `NeStore.transaction` is a savepoint) in memory, not in a
   * temporary file: halves the time of 100,000 inserts in one transaction.
   */
  temp_store: 'MEMORY',
  /** Page cache per connection, KiB when negative (SQLite's default is 2 MiB). */
  cache_size: -16384,
} as const;

/**
 * Brings `db` to {@link NE_SCHEMA_VERSION}: applies every missing migration, and the version bump, in one
 * transaction (a failure leaves the file as it was). A file from a newer lix is refused.
 */
export function migrateNeSchema(db: Sqlite, file: string): void {
  const read = () => db.pragma('user_version', { simple: true }) as number;
  const refuseNewer = (version: number) => {
    if (version > NE_SCHEMA_VERSION) {
      throw new StoreError(
        'SchemaTooNew',
        `${file} has schema version ${version}; this lix knows up to ${NE_SCHEMA_VERSION}: upgrade lix`,
      );
    }
  };
  refuseNewer(read());
  if (read() === NE_SCHEMA_VERSION) return;
  // Under the write lock, read again: another process may have migrated in between.
  db.transaction(() => {
    const version = read();
    refuseNewer(version);
    for (const sql of NE_MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${NE_SCHEMA_VERSION}`);
  }).immediate();
}
