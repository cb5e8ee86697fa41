/**
 * {@link AdmfStore} on PostgreSQL, for several ADMF instances on one database (docs/admf.md "PostgreSQL
 * store"). A call that resolves has committed. Isolation: every call is a single statement, atomic on its own,
 * and none reads a value to write it back (read-modify-writes are single statements: `coalesce`, `greatest`,
 * `ON CONFLICT`), so READ COMMITTED, PostgreSQL's default, is right for all of them; the batch calls
 * (putTasks, appendAudits) run in one READ COMMITTED transaction for all-or-nothing. Hot statements are
 * prepared (named).
 */
import type pg from 'pg';
import type { Fence } from '../admf-fence.js';
import { StoreError } from '../store-errors.js';
import { FENCED } from './leases.js';
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
} from '../admf-store.js';
import type { ProvisioningStatus } from '../../x1/model.js';
import { prepared, run } from './exec.js';
import { migratePg } from './migrate.js';
import { PgSubscribersAndTokens } from './pg-subscribers.js';
import { inTransaction, openPgPool, type PgPoolOptions } from './pool.js';
import { TASK_COLUMNS, taskParams, toAudit, toDestination, toNe, toReport, toTask } from './rows.js';

const AUDIT_COLUMNS = 'at, actor, operator, action, outcome, ne_id, xid, did, transaction_id, detail';

/** A task written as a whole: every column of the record, over any row of its XID. */
const TASK_UPSERT =
  `INSERT INTO tasks (${TASK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ` +
  'ON CONFLICT (xid) DO UPDATE SET ' +
  TASK_COLUMNS.split(', ')
    .slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');

const S = {
  putNe: prepared(
    'lix_ne_put',
    'INSERT INTO nes (id, url, options, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) ' +
      'ON CONFLICT (id) DO UPDATE SET url = excluded.url, options = excluded.options, updated_at = excluded.updated_at',
  ),
  getNe: prepared('lix_ne_get', 'SELECT * FROM nes WHERE id = $1'),
  listNes: prepared('lix_ne_list', 'SELECT * FROM nes ORDER BY id'),
  deleteNe: prepared('lix_ne_delete', 'DELETE FROM nes WHERE id = $1'),
  putDest: prepared(
    'lix_dest_put',
    'INSERT INTO destinations (ne_id, did, details, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) ' +
      'ON CONFLICT (ne_id, did) DO UPDATE SET details = excluded.details, updated_at = excluded.updated_at',
  ),
  getDest: prepared('lix_dest_get', 'SELECT * FROM destinations WHERE ne_id = $1 AND did = $2'),
  allDests: prepared('lix_dest_all', 'SELECT * FROM destinations ORDER BY ne_id, did'),
  neDests: prepared('lix_dest_ne', 'SELECT * FROM destinations WHERE ne_id = $1 ORDER BY did'),
  deleteDest: prepared('lix_dest_delete', 'DELETE FROM destinations WHERE ne_id = $1 AND did = $2'),
  // Insert or replace, as a whole: a replaced task takes every column of the new record.
  putTask: prepared('lix_task_put', TASK_UPSERT),
  // A new task: over a terminal record of the XID only.
  addTask: prepared('lix_task_insert', `${TASK_UPSERT} WHERE tasks.state IN ('failed', 'ended')`),
  getTask: prepared('lix_task_get', 'SELECT * FROM tasks WHERE xid = $1'),
  countTasks: prepared(
    'lix_task_count',
    'SELECT ne_id, state, count(*)::int AS n FROM tasks GROUP BY ne_id, state ORDER BY ne_id, state',
  ),
  setState: prepared(
    'lix_task_state',
    'UPDATE tasks SET state = $2, provisioning = coalesce($3, provisioning), reason = $4, updated_at = $5 ' +
      'WHERE xid = $1 AND ($6::text[] IS NULL OR state = ANY($6))',
  ),
  addReport: prepared(
    'lix_report_add',
    'INSERT INTO reports (received_at, ne_id, kind, transaction_id, xid, did, report_type, code, details, unknown) ' +
      'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id',
  ),
  audit: prepared(
    'lix_audit_add',
    `INSERT INTO audit (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
  ),
  // Many rows in one statement (one round trip, atomic), their ids in the order given.
  audits: prepared(
    'lix_audit_add_many',
    `INSERT INTO audit (${AUDIT_COLUMNS}) SELECT ${AUDIT_COLUMNS} FROM unnest($1::bigint[], $2::text[], ` +
      '$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) ' +
      `WITH ORDINALITY AS r(${AUDIT_COLUMNS}, n) ORDER BY n`,
  ),
  getMeta: prepared('lix_meta_get', 'SELECT value FROM meta WHERE key = $1'),
  setMeta: prepared(
    'lix_meta_set',
    'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ),
} as const;

const limitOf = (p: Page | undefined) =>
  Math.min(Math.max(1, p?.limit ?? ADMF_STORE_LIMITS.defaultPage), ADMF_STORE_LIMITS.maxPage);

const auditParams = (a: AuditInput): unknown[] => [
  a.at,
  a.actor,
  a.operator ?? null,
  a.action,
  a.outcome,
  a.neId ?? null,
  a.xid ?? null,
  a.did ?? null,
  a.transactionId ?? null,
  a.detail ?? null,
];

/** A WHERE clause built from optional equalities; `$n` numbering continues from `args`. */
function where(args: unknown[], parts: readonly [string, unknown][]): string {
  const sql: string[] = [];
  for (const [cond, v] of parts) {
    if (v === undefined) continue;
    args.push(v);
    sql.push(cond.replace('?', `$${args.length}`));
  }
  return sql.length ? ` WHERE ${sql.join(' AND ')}` : '';
}

export interface OpenPgStoreOptions extends PgPoolOptions {
  /** Apply missing migrations (default true); false refuses a database that is not current. */
  readonly migrate?: boolean;
}

/**
 * Opens the store at a `postgres://` URL: a pool, then the migrations under their advisory lock (a newer
 * schema is refused with PgSchemaTooNewError). The pool is closed again when this throws.
 */
export async function openPgAdmfStore(url: string, opts: OpenPgStoreOptions = {}): Promise<PgAdmfStore> {
  const pool = openPgPool(url, opts);
  const lockPool = openPgPool(url, { ...opts, max: 4 });
  try {
    if (opts.migrate !== false) await migratePg(pool);
    return new PgAdmfStore(pool, lockPool);
  } catch (err) {
    await Promise.allSettled([pool.end(), lockPool.end()]);
    throw err;
  }
}

/** The store's refusal of a write whose fence no longer holds. */
function fencedOut(f: Fence): StoreError {
  return new StoreError('Fenced', `lease of NE ${f.neId} (token ${f.token}) is not held by ${f.owner}`);
}

/** The fence's parameters; a task write under a fence for another NE than the task's is refused too. */
const fenceParams = (f: Fence, neId: string) => [f.neId === neId ? neId : null, f.owner, f.token];

export class PgAdmfStore extends PgSubscribersAndTokens implements AdmfStore {
  private closed = false;

  /** Use {@link openPgAdmfStore}; the store owns both pools and ends them on close. */
  constructor(
    /** The pool (part 2 of issue 14 runs its lease statements on it too). */
    readonly db: pg.Pool,
    private readonly locks: pg.Pool,
  ) {
    super(db, locks);
  }

  async putNe(ne: NeRecord): Promise<void> {
    await run(this.db, S.putNe, [ne.id, ne.url, JSON.stringify(ne.options), ne.createdAt, ne.updatedAt]);
  }

  async getNe(id: string): Promise<NeRecord | undefined> {
    const [r] = (await run(this.db, S.getNe, [id])).rows;
    return r && toNe(r);
  }

  async listNes(): Promise<NeRecord[]> {
    return (await run(this.db, S.listNes)).rows.map(toNe);
  }

  async deleteNe(id: string): Promise<boolean> {
    return (await run(this.db, S.deleteNe, [id])).count > 0;
  }

  async putDestination(d: DestinationRecord, fence?: Fence): Promise<void> {
    const params = [d.neId, d.did, JSON.stringify(d.details), d.createdAt, d.updatedAt];
    if (!fence) return void (await run(this.db, S.putDest, params));
    const r = await run(this.db, FENCED.putDest, [...params, ...fenceParams(fence, d.neId)]);
    if (r.count === 0) throw fencedOut(fence);
  }

  async getDestination(neId: string, did: string): Promise<DestinationRecord | undefined> {
    const [r] = (await run(this.db, S.getDest, [neId, did])).rows;
    return r && toDestination(r);
  }

  async listDestinations(neId?: string): Promise<DestinationRecord[]> {
    const r = neId === undefined ? await run(this.db, S.allDests) : await run(this.db, S.neDests, [neId]);
    return r.rows.map(toDestination);
  }

  async deleteDestination(neId: string, did: string, fence?: Fence): Promise<boolean> {
    if (!fence) return (await run(this.db, S.deleteDest, [neId, did])).count > 0;
    const [r] = (await run(this.db, FENCED.deleteDest, [neId, did, ...fenceParams(fence, neId)])).rows;
    if (r?.held !== true) throw fencedOut(fence);
    return (r.n as number) > 0;
  }

  async putTask(t: TaskRecord, fence?: Fence): Promise<void> {
    if (!fence) return void (await run(this.db, S.putTask, taskParams(t)));
    const r = await run(this.db, FENCED.putTask, [...taskParams(t), ...fenceParams(fence, t.neId)]);
    if (r.count === 0) throw fencedOut(fence);
  }

  async addTask(t: TaskRecord): Promise<boolean> {
    return (await run(this.db, S.addTask, taskParams(t))).count > 0;
  }

  async putTasks(ts: readonly TaskRecord[]): Promise<void> {
    if (ts.length === 0) return;
    await inTransaction(this.db, 'READ COMMITTED', async (c) => {
      for (const t of ts) await run(c, S.putTask, taskParams(t));
    });
  }

  async getTask(xid: string): Promise<TaskRecord | undefined> {
    const [r] = (await run(this.db, S.getTask, [xid])).rows;
    return r && toTask(r);
  }

  async countTasks(): Promise<{ neId: string; state: TaskState; count: number }[]> {
    const { rows } = await run(this.db, S.countTasks);
    return rows.map((r) => ({ neId: r.ne_id as string, state: r.state as TaskState, count: r.n as number }));
  }

  async listTasks(f: TaskFilter = {}): Promise<TaskRecord[]> {
    const args: unknown[] = [];
    let sql = `SELECT * FROM tasks${where(args, [
      ['ne_id = ?', f.neId],
      ['state = ANY(?)', f.states],
    ])}`;
    const and = (cond: string) => (sql += `${sql.includes(' WHERE ') ? ' AND' : ' WHERE'} ${cond}`);
    if (f.windowed) and('(valid_from IS NOT NULL OR valid_until IS NOT NULL)');
    if (f.after !== undefined) {
      args.push(f.after.createdAt, f.after.xid);
      and(`(created_at, xid) > ($${args.length - 1}, $${args.length})`);
    }
    sql += ' ORDER BY created_at, xid';
    if (f.limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.trunc(f.limit))}`;
    return (await run(this.db, { text: sql }, args)).rows.map(toTask);
  }

  async setTaskState(
    xid: string,
    state: TaskState,
    at: number,
    extra: { provisioning?: ProvisioningStatus; reason?: string; from?: readonly TaskState[] } = {},
    fence?: Fence,
  ): Promise<boolean> {
    const args = [xid, state, extra.provisioning ?? null, extra.reason ?? null, at];
    const from = extra.from ? [...extra.from] : null;
    if (!fence) return (await run(this.db, S.setState, [...args, from])).count > 0;
    const r = await run(this.db, FENCED.setState, [...args, fence.neId, fence.owner, fence.token, from]);
    if (r.count > 0) return true;
    // Nothing changed: the task is gone, or no longer in a state it may move from, or the lease is lost.
    const now = await this.getTask(xid);
    if (now && (!from || from.includes(now.state))) throw fencedOut(fence);
    return false;
  }

  async addReport(r: ReportInput): Promise<number> {
    const { rows } = await run(this.db, S.addReport, [
      r.receivedAt,
      r.neId,
      r.kind,
      r.transactionId,
      r.xid ?? null,
      r.did ?? null,
      r.reportType,
      r.code ?? null,
      r.details ?? null,
      r.unknown,
    ]);
    return rows[0]!.id as number;
  }

  async listReports(f: ReportFilter = {}): Promise<ReportRecord[]> {
    const args: unknown[] = [];
    const w = where(args, [
      ['id > ?', f.sinceId ?? 0],
      ['ne_id = ?', f.neId],
      ['xid = ?', f.xid],
    ]);
    args.push(limitOf(f));
    const sql = `SELECT * FROM reports${w} ORDER BY id LIMIT $${args.length}`;
    return (await run(this.db, { text: sql }, args)).rows.map(toReport);
  }

  async appendAudit(a: AuditInput): Promise<number> {
    return (await run(this.db, S.audit, auditParams(a))).rows[0]!.id as number;
  }

  async appendAudits(rows: readonly AuditInput[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = rows.map(auditParams);
    await run(
      this.db,
      S.audits,
      columns[0]!.map((_, i) => columns.map((c) => c[i])),
    );
  }

  async readAudit(f: AuditFilter = {}): Promise<AuditRecord[]> {
    const args: unknown[] = [];
    const w = where(args, [
      ['id > ?', f.sinceId ?? 0],
      ['ne_id = ?', f.neId],
      ['xid = ?', f.xid],
      ['operator = ?', f.operator],
    ]);
    args.push(limitOf(f));
    const sql = `SELECT * FROM audit${w} ORDER BY id LIMIT $${args.length}`;
    return (await run(this.db, { text: sql }, args)).rows.map(toAudit);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const [r] = (await run(this.db, S.getMeta, [key])).rows;
    return r?.value as string | undefined;
  }

  async setMeta(key: string, value: string, fence?: Fence): Promise<void> {
    if (!fence) return void (await run(this.db, S.setMeta, [key, value]));
    const r = await run(this.db, FENCED.setMeta, [key, value, fence.neId, fence.owner, fence.token]);
    if (r.count === 0) throw fencedOut(fence);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.db.end(), this.locks.end()]);
  }
}
