/**
 * {@link NeStore} on SQLite (better-sqlite3): WAL, synchronous=FULL, so a call that returns has committed
 * durably. The schema is versioned with `PRAGMA user_version`; a file from a newer lix is refused.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodeTaskDetailsFragment } from '../x1/encode.js';
import type { DestinationDetails, ErrorInformation, ProvisioningStatus, TaskDetails } from '../x1/model.js';
import type {
  AuditEntry,
  AuditInput,
  FaultScope,
  InterceptUpdate,
  NeStore,
  OutboxEntry,
  ReportKind,
  StoredDestination,
  StoredTask,
  TaskCounters,
  TaskOrigin,
} from './ne-store.js';

export const NE_SCHEMA_VERSION = 1;

const SCHEMA = `
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
`;

interface TaskRow {
  details: string;
  origin: TaskOrigin;
  provisioning: ProvisioningStatus;
  last_intercept: string | null;
  x2_bytes: number;
  x3_bytes: number;
  last_modification: string | null;
  modifications: number;
}

function toCounters(r: Omit<TaskRow, 'details' | 'origin'>): TaskCounters {
  return {
    provisioningStatus: r.provisioning,
    ...(r.last_intercept !== null && { timeOfLastIntercept: r.last_intercept }),
    amountOfX2Data: r.x2_bytes,
    amountOfX3Data: r.x3_bytes,
    ...(r.last_modification !== null && { timeOfLastModification: r.last_modification }),
    numberOfModifications: r.modifications,
  };
}

function toTask(r: TaskRow): StoredTask {
  return {
    details: JSON.parse(r.details) as TaskDetails,
    origin: r.origin,
    status: toCounters(r),
  };
}

function didsOf(t: TaskDetails): string[] {
  const all = [
    ...t.listOfDIDs.dIds,
    ...(t.listOfMediationDetails ?? []).flatMap((m) => m.listOfDIDs?.dIds ?? []),
  ];
  return [...new Set(all)];
}

/** Opens (creating when needed) `DIR/ne.sqlite`. */
export function openNeStore(dir: string): SqliteNeStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return new SqliteNeStore(join(dir, 'ne.sqlite'));
}

export class SqliteNeStore implements NeStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      getTask: p('SELECT * FROM tasks WHERE xid = ?'),
      allTasks: p('SELECT * FROM tasks ORDER BY rowid'),
      xids: p('SELECT xid FROM tasks ORDER BY rowid').pluck(),
      countTasks: p('SELECT count(*) FROM tasks').pluck(),
      insertTask: p(
        'INSERT INTO tasks (xid, details, details_xml, origin, provisioning, created_at) VALUES (@xid, @details, @xml, @origin, @provisioning, @at)',
      ),
      replaceTask: p(
        'UPDATE tasks SET details = @details, details_xml = @xml, last_modification = @at, modifications = modifications + 1 WHERE xid = @xid',
      ),
      allFragments: p(
        'SELECT xid, details_xml, provisioning, last_intercept, x2_bytes, x3_bytes, last_modification, modifications FROM tasks ORDER BY rowid',
      ).raw(true),
      setProvisioning: p('UPDATE tasks SET provisioning = ? WHERE xid = ?'),
      deleteTask: p('DELETE FROM tasks WHERE xid = ?'),
      deleteTaskFaults: p("DELETE FROM faults WHERE scope_kind = 'task' AND scope_id = ?"),
      insertDid: p('INSERT OR IGNORE INTO task_dids (xid, did) VALUES (?, ?)'),
      deleteDids: p('DELETE FROM task_dids WHERE xid = ?'),
      counters: p(
        'UPDATE tasks SET x2_bytes = x2_bytes + @x2, x3_bytes = x3_bytes + @x3, last_intercept = @at WHERE xid = @xid',
      ),
      getDest: p('SELECT * FROM destinations WHERE did = ?'),
      allDests: p('SELECT * FROM destinations ORDER BY did'),
      insertDest: p(
        "INSERT INTO destinations (did, details, delivery_status) VALUES (?, ?, 'activeAndWorking')",
      ),
      replaceDest: p('UPDATE destinations SET details = ? WHERE did = ?'),
      deleteDest: p('DELETE FROM destinations WHERE did = ?'),
      deleteDestFaults: p("DELETE FROM faults WHERE scope_kind = 'destination' AND scope_id = ?"),
      deleteAllDests: p('DELETE FROM destinations'),
      deleteAllDestFaults: p("DELETE FROM faults WHERE scope_kind = 'destination'"),
      destStatus: p('UPDATE destinations SET delivery_status = ? WHERE did = ?'),
      users: p('SELECT xid FROM task_dids WHERE did = ? ORDER BY xid').pluck(),
      addFault: p(
        'INSERT OR REPLACE INTO faults (scope_kind, scope_id, code, description) VALUES (?, ?, ?, ?)',
      ),
      clearFault: p('DELETE FROM faults WHERE scope_kind = ? AND scope_id = ? AND code = ?'),
      faults: p('SELECT code, description FROM faults WHERE scope_kind = ? AND scope_id = ? ORDER BY code'),
      faultsOfKind: p(
        'SELECT scope_id, code, description FROM faults WHERE scope_kind = ? ORDER BY scope_id, code',
      ),
      enqueue: p('INSERT INTO outbox (kind, body) VALUES (?, ?)'),
      pending: p('SELECT * FROM outbox ORDER BY id LIMIT ?'),
      sent: p('DELETE FROM outbox WHERE id = ?'),
      attempt: p('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?'),
      audit: p(
        'INSERT INTO audit (at, actor, action, outcome, xid, did, transaction_id, detail) VALUES (@at, @actor, @action, @outcome, @xid, @did, @transactionId, @detail)',
      ),
      readAudit: p('SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?'),
      lastAudit: p('SELECT coalesce(max(id), 0) FROM audit').pluck(),
      getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: p(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > NE_SCHEMA_VERSION) {
      throw new Error(
        `${this.file} has schema version ${version}; this lix knows up to ${NE_SCHEMA_VERSION}: upgrade lix`,
      );
    }
    if (version === 0) {
      this.db.transaction(() => {
        this.db.exec(SCHEMA);
        this.db.pragma(`user_version = ${NE_SCHEMA_VERSION}`);
      })();
    }
  }

  getTask(xid: string): StoredTask | undefined {
    const r = this.s.getTask.get(xid) as TaskRow | undefined;
    return r && toTask(r);
  }

  *iterateTasks(): IterableIterator<StoredTask> {
    for (const r of this.s.allTasks.iterate() as IterableIterator<TaskRow>) yield toTask(r);
  }

  *iterateTaskFragments(): IterableIterator<{ xid: string; taskDetailsXml: string; status: TaskCounters }> {
    // Raw rows (arrays) are markedly cheaper than objects at 100,000 tasks.
    type Row = [string, string, ProvisioningStatus, string | null, number, number, string | null, number];
    for (const r of this.s.allFragments.iterate() as IterableIterator<Row>) {
      const [xid, xml, provisioning, lastIntercept, x2, x3, lastModification, modifications] = r;
      yield {
        xid,
        taskDetailsXml: xml,
        status: toCounters({
          provisioning,
          last_intercept: lastIntercept,
          x2_bytes: x2,
          x3_bytes: x3,
          last_modification: lastModification,
          modifications,
        }),
      };
    }
  }

  listXids(): string[] {
    return this.s.xids.all() as string[];
  }

  countTasks(): number {
    return this.s.countTasks.get() as number;
  }

  insertTask(t: {
    details: TaskDetails;
    origin: TaskOrigin;
    provisioningStatus: ProvisioningStatus;
    at: string;
  }): void {
    this.transaction(() => {
      this.s.insertTask.run({
        xid: t.details.xId,
        details: JSON.stringify(t.details),
        xml: encodeTaskDetailsFragment(t.details),
        origin: t.origin,
        provisioning: t.provisioningStatus,
        at: t.at,
      });
      for (const did of didsOf(t.details)) this.s.insertDid.run(t.details.xId, did);
    });
  }

  replaceTask(details: TaskDetails, at: string): void {
    this.transaction(() => {
      this.s.replaceTask.run({
        xid: details.xId,
        details: JSON.stringify(details),
        xml: encodeTaskDetailsFragment(details),
        at,
      });
      this.s.deleteDids.run(details.xId);
      for (const did of didsOf(details)) this.s.insertDid.run(details.xId, did);
    });
  }

  setProvisioningStatus(xid: string, status: ProvisioningStatus): void {
    this.s.setProvisioning.run(status, xid);
  }

  deleteTask(xid: string): boolean {
    return this.transaction(() => {
      this.s.deleteTaskFaults.run(xid);
      return this.s.deleteTask.run(xid).changes > 0;
    });
  }

  addInterceptCounters(updates: readonly InterceptUpdate[]): void {
    this.transaction(() => {
      for (const u of updates)
        this.s.counters.run({ xid: u.xid, x2: u.x2Bytes, x3: u.x3Bytes ?? 0, at: u.at });
    });
  }

  getDestination(did: string): StoredDestination | undefined {
    const r = this.s.getDest.get(did) as
      { details: string; delivery_status: StoredDestination['deliveryStatus'] } | undefined;
    return r && { details: JSON.parse(r.details) as DestinationDetails, deliveryStatus: r.delivery_status };
  }

  listDestinations(): StoredDestination[] {
    const rows = this.s.allDests.all() as {
      details: string;
      delivery_status: StoredDestination['deliveryStatus'];
    }[];
    return rows.map((r) => ({
      details: JSON.parse(r.details) as DestinationDetails,
      deliveryStatus: r.delivery_status,
    }));
  }

  insertDestination(d: DestinationDetails): void {
    this.s.insertDest.run(d.dId, JSON.stringify(d));
  }

  replaceDestination(d: DestinationDetails): void {
    this.s.replaceDest.run(JSON.stringify(d), d.dId);
  }

  deleteDestination(did: string): boolean {
    return this.transaction(() => {
      this.s.deleteDestFaults.run(did);
      return this.s.deleteDest.run(did).changes > 0;
    });
  }

  deleteAllDestinations(): number {
    return this.transaction(() => {
      this.s.deleteAllDestFaults.run();
      return this.s.deleteAllDests.run().changes;
    });
  }

  setDestinationDeliveryStatus(did: string, status: StoredDestination['deliveryStatus']): void {
    this.s.destStatus.run(status, did);
  }

  tasksUsingDestination(did: string): string[] {
    return this.s.users.all(did) as string[];
  }

  addFault(scope: FaultScope, f: ErrorInformation): void {
    this.s.addFault.run(scope.kind, scope.id, f.errorCode, f.errorDescription);
  }

  clearFault(scope: FaultScope, code: number): void {
    this.s.clearFault.run(scope.kind, scope.id, code);
  }

  listFaults(scope: FaultScope): ErrorInformation[] {
    const rows = this.s.faults.all(scope.kind, scope.id) as { code: number; description: string }[];
    return rows.map((r) => ({ errorCode: r.code, errorDescription: r.description }));
  }

  faultsByScope(kind: FaultScope['kind']): Map<string, ErrorInformation[]> {
    const out = new Map<string, ErrorInformation[]>();
    for (const r of this.s.faultsOfKind.iterate(kind) as IterableIterator<{
      scope_id: string;
      code: number;
      description: string;
    }>) {
      const list = out.get(r.scope_id) ?? [];
      list.push({ errorCode: r.code, errorDescription: r.description });
      out.set(r.scope_id, list);
    }
    return out;
  }

  enqueueReport(r: { kind: ReportKind; body: unknown }): number {
    return Number(this.s.enqueue.run(r.kind, JSON.stringify(r.body)).lastInsertRowid);
  }

  pendingReports(limit: number): OutboxEntry[] {
    const rows = this.s.pending.all(limit) as {
      id: number;
      kind: ReportKind;
      body: string;
      attempts: number;
      last_error: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      body: JSON.parse(r.body),
      attempts: r.attempts,
      lastError: r.last_error ?? undefined,
    }));
  }

  markReportSent(id: number): void {
    this.s.sent.run(id);
  }

  recordReportAttempt(id: number, error: string): void {
    this.s.attempt.run(error, id);
  }

  appendAudit(a: AuditInput): number {
    const row = { xid: null, did: null, transactionId: null, detail: null, ...a };
    return Number(this.s.audit.run(row).lastInsertRowid);
  }

  readAudit(opts: { sinceId?: number; limit?: number } = {}): AuditEntry[] {
    const rows = this.s.readAudit.all(opts.sinceId ?? 0, opts.limit ?? 1000) as Record<
      string,
      string | number | null
    >[];
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as number,
      actor: r.actor as AuditEntry['actor'],
      action: r.action as string,
      outcome: r.outcome as AuditEntry['outcome'],
      ...(r.xid !== null && { xid: r.xid as string }),
      ...(r.did !== null && { did: r.did as string }),
      ...(r.transaction_id !== null && { transactionId: r.transaction_id as string }),
      ...(r.detail !== null && { detail: r.detail as string }),
    }));
  }

  lastAuditId(): number {
    return this.s.lastAudit.get() as number;
  }

  getMeta(key: string): string | undefined {
    return (this.s.getMeta.get(key) as string | undefined) ?? undefined;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  externalChangeCounter(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
