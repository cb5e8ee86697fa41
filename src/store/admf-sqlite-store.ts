/**
 * {@link AdmfStore} on SQLite (node:sqlite, built into Node 24): WAL, synchronous=FULL, so a call that resolves has committed
 * durably. The schema is versioned with `PRAGMA user_version`; a file from a newer lix is refused.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Sqlite } from './sqlite.js';
import { SqliteSubscribers, SUBSCRIBER_SCHEMA } from './admf-subscriber-sql.js';
import {
  ADMF_STORE_LIMITS,
  type AdmfStore,
  type AuditFilter,
  type AuditInput,
  type AuditRecord,
  type DestinationRecord,
  type NeRecord,
  type Page,
  type ReportFilter,
  type ReportInput,
  type ReportRecord,
  type TaskFilter,
  type TaskRecord,
  type TaskState,
} from './admf-store.js';
import type { SubscriberRecord, SubscriberTaskLink } from './admf-subscriber-store.js';
import type { ProvisioningStatus } from '../x1/model.js';
import type { ApiTokenRecord } from './admf-tokens.js';
import { SqliteApiTokens, TOKENS_UPGRADE } from './admf-sqlite-tokens.js';

export const ADMF_SCHEMA_VERSION = 4;
export const ADMF_DB_FILE = 'admf.sqlite';

const SCHEMA = `
CREATE TABLE nes (id TEXT PRIMARY KEY, url TEXT NOT NULL, options TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE destinations (
  ne_id TEXT NOT NULL REFERENCES nes(id) ON DELETE CASCADE, did TEXT NOT NULL, details TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (ne_id, did)
) WITHOUT ROWID;
CREATE TABLE tasks (
  xid TEXT PRIMARY KEY, ne_id TEXT NOT NULL REFERENCES nes(id) ON DELETE CASCADE, details TEXT NOT NULL,
  state TEXT NOT NULL, provisioning TEXT, reason TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX tasks_by_ne ON tasks(ne_id, state);
CREATE TABLE reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, ne_id TEXT NOT NULL, kind TEXT NOT NULL,
  transaction_id TEXT NOT NULL, xid TEXT, did TEXT, report_type TEXT NOT NULL, code INTEGER, details TEXT,
  unknown INTEGER NOT NULL
);
CREATE INDEX reports_by_xid ON reports(xid);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  outcome TEXT NOT NULL, ne_id TEXT, xid TEXT, did TEXT, transaction_id TEXT, detail TEXT
);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/**
 * Upgrades from each older schema version to the next, in one transaction each: a file of version `v` gets
 * `UPGRADES[v]`, `UPGRADES[v + 1]` ... A new file is made at version 1 (SCHEMA) and upgraded the same way.
 */
const UPGRADES: Readonly<Record<number, string>> = {
  /** 1 → 2: subscribers and the tasks made for them. */
  1: SUBSCRIBER_SCHEMA,
  /** 2 → 3: warrant validity windows and references of tasks (docs/admf.md "Warrant validity"). */
  2: `
ALTER TABLE tasks ADD COLUMN valid_from INTEGER;
ALTER TABLE tasks ADD COLUMN valid_until INTEGER;
ALTER TABLE tasks ADD COLUMN warrant_ref TEXT;
CREATE INDEX tasks_windowed ON tasks(state) WHERE valid_from IS NOT NULL OR valid_until IS NOT NULL;
`,
  /** 3 → 4: named API credentials, and the operator each audit row names. */
  3: TOKENS_UPGRADE,
};

type Row = Record<string, string | number | null>;

const opt = <K extends string, V>(key: K, v: V | null): { [P in K]?: V } =>
  (v === null ? {} : { [key]: v }) as { [P in K]?: V };

function toNe(r: Row): NeRecord {
  return {
    id: r.id as string,
    url: r.url as string,
    options: JSON.parse(r.options as string) as NeRecord['options'],
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toDestination(r: Row): DestinationRecord {
  return {
    neId: r.ne_id as string,
    did: r.did as string,
    details: JSON.parse(r.details as string) as DestinationRecord['details'],
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toTask(r: Row): TaskRecord {
  return {
    xid: r.xid as string,
    neId: r.ne_id as string,
    details: JSON.parse(r.details as string) as TaskRecord['details'],
    state: r.state as TaskState,
    ...opt('provisioning', r.provisioning as ProvisioningStatus | null),
    ...opt('reason', r.reason as string | null),
    ...opt('validFrom', r.valid_from as number | null),
    ...opt('validUntil', r.valid_until as number | null),
    ...opt('warrantRef', r.warrant_ref as string | null),
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toReport(r: Row): ReportRecord {
  return {
    id: r.id as number,
    receivedAt: r.received_at as number,
    neId: r.ne_id as string,
    kind: r.kind as ReportRecord['kind'],
    transactionId: r.transaction_id as string,
    ...opt('xid', r.xid as string | null),
    ...opt('did', r.did as string | null),
    reportType: r.report_type as ReportRecord['reportType'],
    ...opt('code', r.code as number | null),
    ...opt('details', r.details as string | null),
    unknown: r.unknown === 1,
  };
}

function toAudit(r: Row): AuditRecord {
  return {
    id: r.id as number,
    at: r.at as number,
    actor: r.actor as AuditRecord['actor'],
    ...opt('operator', r.operator as string | null),
    action: r.action as string,
    outcome: r.outcome as AuditRecord['outcome'],
    ...opt('neId', r.ne_id as string | null),
    ...opt('xid', r.xid as string | null),
    ...opt('did', r.did as string | null),
    ...opt('transactionId', r.transaction_id as string | null),
    ...opt('detail', r.detail as string | null),
  };
}

const limitOf = (p: Page | undefined) =>
  Math.min(Math.max(1, p?.limit ?? ADMF_STORE_LIMITS.defaultPage), ADMF_STORE_LIMITS.maxPage);

/** Opens (creating when needed) `DIR/admf.sqlite`. */
export function openAdmfStore(dir: string): SqliteAdmfStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return new SqliteAdmfStore(join(dir, ADMF_DB_FILE));
}

export class SqliteAdmfStore implements AdmfStore {
  private readonly db: Sqlite;
  private readonly s;
  private readonly subscribers: SqliteSubscribers;
  private readonly tokens: SqliteApiTokens;

  constructor(readonly file: string) {
    this.db = new Sqlite(file, { ownerOnly: true });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.subscribers = new SqliteSubscribers(this.db);
    this.tokens = new SqliteApiTokens(this.db);
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      putNe: p(
        'INSERT INTO nes (id, url, options, created_at, updated_at) VALUES (@id, @url, @options, @createdAt, @updatedAt) ' +
          'ON CONFLICT(id) DO UPDATE SET url = excluded.url, options = excluded.options, updated_at = excluded.updated_at',
      ),
      getNe: p('SELECT * FROM nes WHERE id = ?'),
      listNes: p('SELECT * FROM nes ORDER BY id'),
      deleteNe: p('DELETE FROM nes WHERE id = ?'),
      putDest: p(
        'INSERT INTO destinations (ne_id, did, details, created_at, updated_at) VALUES (@neId, @did, @details, @createdAt, @updatedAt) ' +
          'ON CONFLICT(ne_id, did) DO UPDATE SET details = excluded.details, updated_at = excluded.updated_at',
      ),
      getDest: p('SELECT * FROM destinations WHERE ne_id = ? AND did = ?'),
      allDests: p('SELECT * FROM destinations ORDER BY ne_id, did'),
      neDests: p('SELECT * FROM destinations WHERE ne_id = ? ORDER BY did'),
      deleteDest: p('DELETE FROM destinations WHERE ne_id = ? AND did = ?'),
      putTask: p(
        'INSERT OR REPLACE INTO tasks (xid, ne_id, details, state, provisioning, reason, valid_from, valid_until, warrant_ref, created_at, updated_at) ' +
          'VALUES (@xid, @neId, @details, @state, @provisioning, @reason, @validFrom, @validUntil, @warrantRef, @createdAt, @updatedAt)',
      ),
      // A new task: over a terminal record of the XID only.
      addTask: p(
        'INSERT INTO tasks (xid, ne_id, details, state, provisioning, reason, valid_from, valid_until, warrant_ref, created_at, updated_at) ' +
          'VALUES (@xid, @neId, @details, @state, @provisioning, @reason, @validFrom, @validUntil, @warrantRef, @createdAt, @updatedAt) ' +
          'ON CONFLICT (xid) DO UPDATE SET ne_id = excluded.ne_id, details = excluded.details, state = excluded.state, ' +
          'provisioning = excluded.provisioning, reason = excluded.reason, valid_from = excluded.valid_from, ' +
          'valid_until = excluded.valid_until, warrant_ref = excluded.warrant_ref, created_at = excluded.created_at, ' +
          "updated_at = excluded.updated_at WHERE tasks.state IN ('failed', 'ended')",
      ),
      getTask: p('SELECT * FROM tasks WHERE xid = ?'),
      countTasks: p('SELECT ne_id, state, count(*) AS n FROM tasks GROUP BY ne_id, state'),
      setState: p(
        'UPDATE tasks SET state = @state, provisioning = coalesce(@provisioning, provisioning), reason = @reason, updated_at = @at ' +
          'WHERE xid = @xid AND (@from IS NULL OR state IN (SELECT value FROM json_each(@from)))',
      ),
      addReport: p(
        'INSERT INTO reports (received_at, ne_id, kind, transaction_id, xid, did, report_type, code, details, unknown) ' +
          'VALUES (@receivedAt, @neId, @kind, @transactionId, @xid, @did, @reportType, @code, @details, @unknown)',
      ),
      audit: p(
        'INSERT INTO audit (at, actor, operator, action, outcome, ne_id, xid, did, transaction_id, detail) ' +
          'VALUES (@at, @actor, @operator, @action, @outcome, @neId, @xid, @did, @transactionId, @detail)',
      ),
      getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: p(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > ADMF_SCHEMA_VERSION) {
      throw new Error(
        `${this.file} has schema version ${version}; this lix knows up to ${ADMF_SCHEMA_VERSION}: upgrade lix`,
      );
    }
    if (version === 0) {
      this.db.transaction(() => {
        this.db.exec(SCHEMA);
        this.db.pragma('user_version = 1');
      })();
    }
    for (let v = Math.max(version, 1); v < ADMF_SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        this.db.exec(UPGRADES[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async putNe(ne: NeRecord): Promise<void> {
    this.s.putNe.run({ ...ne, options: JSON.stringify(ne.options) });
  }

  async getNe(id: string): Promise<NeRecord | undefined> {
    const r = this.s.getNe.get(id) as Row | undefined;
    return r && toNe(r);
  }

  async listNes(): Promise<NeRecord[]> {
    return (this.s.listNes.all() as Row[]).map(toNe);
  }

  async deleteNe(id: string): Promise<boolean> {
    return this.s.deleteNe.run(id).changes > 0;
  }

  async putDestination(d: DestinationRecord): Promise<void> {
    this.s.putDest.run({ ...d, details: JSON.stringify(d.details) });
  }

  async getDestination(neId: string, did: string): Promise<DestinationRecord | undefined> {
    const r = this.s.getDest.get(neId, did) as Row | undefined;
    return r && toDestination(r);
  }

  async listDestinations(neId?: string): Promise<DestinationRecord[]> {
    const rows = neId === undefined ? this.s.allDests.all() : this.s.neDests.all(neId);
    return (rows as Row[]).map(toDestination);
  }

  async deleteDestination(neId: string, did: string): Promise<boolean> {
    return this.s.deleteDest.run(neId, did).changes > 0;
  }

  private taskRow(t: TaskRecord) {
    return {
      ...t,
      details: JSON.stringify(t.details),
      provisioning: t.provisioning ?? null,
      reason: t.reason ?? null,
      validFrom: t.validFrom ?? null,
      validUntil: t.validUntil ?? null,
      warrantRef: t.warrantRef ?? null,
    };
  }

  async putTask(t: TaskRecord): Promise<void> {
    this.s.putTask.run(this.taskRow(t));
  }

  async addTask(t: TaskRecord): Promise<boolean> {
    return this.s.addTask.run(this.taskRow(t)).changes > 0;
  }

  async putTasks(ts: readonly TaskRecord[]): Promise<void> {
    this.db.transaction(() => {
      for (const t of ts) this.s.putTask.run(this.taskRow(t));
    })();
  }

  async getTask(xid: string): Promise<TaskRecord | undefined> {
    const r = this.s.getTask.get(xid) as Row | undefined;
    return r && toTask(r);
  }

  async countTasks(): Promise<{ neId: string; state: TaskState; count: number }[]> {
    const rows = this.s.countTasks.all() as { ne_id: string; state: TaskState; n: number }[];
    return rows.map((r) => ({ neId: r.ne_id, state: r.state, count: r.n }));
  }

  async listTasks(f: TaskFilter = {}): Promise<TaskRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.neId !== undefined) {
      where.push('ne_id = ?');
      args.push(f.neId);
    }
    if (f.states !== undefined) {
      where.push(`state IN (${f.states.map(() => '?').join(', ') || 'NULL'})`);
      args.push(...f.states);
    }
    if (f.windowed) where.push('(valid_from IS NOT NULL OR valid_until IS NOT NULL)');
    if (f.after !== undefined) {
      where.push('(created_at, xid) > (?, ?)');
      args.push(f.after.createdAt, f.after.xid);
    }
    const limit = f.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.trunc(f.limit))}`;
    const sql = `SELECT * FROM tasks${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, xid${limit}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toTask);
  }

  async setTaskState(
    xid: string,
    state: TaskState,
    at: number,
    extra: { provisioning?: ProvisioningStatus; reason?: string; from?: readonly TaskState[] } = {},
  ): Promise<boolean> {
    const r = this.s.setState.run({
      xid,
      state,
      at,
      provisioning: extra.provisioning ?? null,
      reason: extra.reason ?? null,
      from: extra.from ? JSON.stringify(extra.from) : null,
    });
    return r.changes > 0;
  }

  async addReport(r: ReportInput): Promise<number> {
    const row = { xid: null, did: null, code: null, details: null, ...r, unknown: r.unknown ? 1 : 0 };
    return Number(this.s.addReport.run(row).lastInsertRowid);
  }

  async listReports(f: ReportFilter = {}): Promise<ReportRecord[]> {
    const where = ['id > ?'];
    const args: (string | number)[] = [f.sinceId ?? 0];
    if (f.neId !== undefined) {
      where.push('ne_id = ?');
      args.push(f.neId);
    }
    if (f.xid !== undefined) {
      where.push('xid = ?');
      args.push(f.xid);
    }
    const sql = `SELECT * FROM reports WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limitOf(f)) as Row[]).map(toReport);
  }

  private auditRow(a: AuditInput) {
    return {
      operator: null,
      neId: null,
      xid: null,
      did: null,
      transactionId: null,
      detail: null,
      ...a,
    };
  }

  async appendAudit(a: AuditInput): Promise<number> {
    return Number(this.s.audit.run(this.auditRow(a)).lastInsertRowid);
  }

  async appendAudits(rows: readonly AuditInput[]): Promise<void> {
    this.db.transaction(() => {
      for (const a of rows) this.s.audit.run(this.auditRow(a));
    })();
  }

  async readAudit(p: AuditFilter = {}): Promise<AuditRecord[]> {
    const where = ['id > ?'];
    const args: (string | number)[] = [p.sinceId ?? 0];
    if (p.neId !== undefined) {
      where.push('ne_id = ?');
      args.push(p.neId);
    }
    if (p.xid !== undefined) {
      where.push('xid = ?');
      args.push(p.xid);
    }
    if (p.operator !== undefined) {
      where.push('operator = ?');
      args.push(p.operator);
    }
    const sql = `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limitOf(p)) as Row[]).map(toAudit);
  }

  putSubscriber(s: SubscriberRecord): Promise<void> {
    return this.subscribers.putSubscriber(s);
  }

  getSubscriber(id: string): Promise<SubscriberRecord | undefined> {
    return this.subscribers.getSubscriber(id);
  }

  listSubscribers(): Promise<SubscriberRecord[]> {
    return this.subscribers.listSubscribers();
  }

  addSubscriberTask(link: SubscriberTaskLink): Promise<void> {
    return this.subscribers.addSubscriberTask(link);
  }

  listSubscriberTasks(subscriberId: string): Promise<SubscriberTaskLink[]> {
    return this.subscribers.listSubscriberTasks(subscriberId);
  }

  subscriberOfTask(xid: string): Promise<string | undefined> {
    return this.subscribers.subscriberOfTask(xid);
  }

  addApiToken(t: ApiTokenRecord): Promise<boolean> {
    return this.tokens.addApiToken(t);
  }

  getApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    return this.tokens.getApiTokenByHash(hash);
  }

  listApiTokens(): Promise<ApiTokenRecord[]> {
    return this.tokens.listApiTokens();
  }

  revokeApiToken(name: string, at: number): Promise<ApiTokenRecord | undefined> {
    return this.tokens.revokeApiToken(name, at);
  }

  touchApiToken(name: string, at: number): Promise<void> {
    return this.tokens.touchApiToken(name, at);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (this.s.getMeta.get(key) as string | undefined) ?? undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.s.setMeta.run(key, value);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
