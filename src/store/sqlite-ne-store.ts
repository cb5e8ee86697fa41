/**
 * {@link NeStore} on SQLite (node:sqlite, built into Node 24): WAL, synchronous=FULL, so a call that returns has committed
 * durably (docs/store.md). The schema is versioned with `PRAGMA user_version` (ne-schema.ts); a file from a
 * newer lix is refused with {@link StoreError} `SchemaTooNew`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Sqlite, SQLITE_CODES, type Statement } from './sqlite.js';
import { encodeTaskDetailsFragment } from '../x1/encode.js';
import type {
  DestinationDeliveryStatus,
  DestinationDetails,
  ErrorInformation,
  ProvisioningStatus,
  TaskDetails,
  Timestamp,
} from '../x1/model.js';
import type {
  AuditEntry,
  AuditInput,
  PendingRequest,
  FaultScope,
  InterceptUpdate,
  NeStore,
  OutboxEntry,
  ReportKind,
  StoredDestination,
  NeSnapshot,
  StoredTask,
  TaskFragment,
  TaskOrigin,
} from './ne-store.js';
import { NeSnapshots } from './ne-snapshot.js';
import {
  didsOf,
  fragmentOf,
  toAuditEntry,
  toDestination,
  toFault,
  toOutboxEntry,
  toTask,
  type AuditRow,
  type DestinationRow,
  type FaultRow,
  type FragmentRow,
  type OutboxRow,
  type TaskRow,
} from './ne-rows.js';
import { migrateNeSchema, NE_PRAGMAS } from './ne-schema.js';
import { NE_PLUCKED, NE_RAW, NE_SQL, type NeStatementName } from './ne-sql.js';
import { StoreError } from './store-errors.js';

export { NE_SCHEMA_VERSION } from './ne-schema.js';

/** The database file inside the NE's data directory. */
export const NE_DB_FILE = 'ne.sqlite';
/** Rows {@link SqliteNeStore.readAudit} returns when no limit is given. */
export const DEFAULT_AUDIT_PAGE = 1000;

/**
 * Opens (creating the directory, mode 0700, the file, mode 0600, and the schema when needed) `DIR/ne.sqlite`.
 * With `mustExist` (administration commands) a directory without a store is refused, not given a new one.
 */
export function openNeStore(dir: string, opts: { mustExist?: boolean } = {}): SqliteNeStore {
  const file = join(dir, NE_DB_FILE);
  if (opts.mustExist && !existsSync(file))
    throw new StoreError(
      'NotFound',
      `${dir} holds no NE store (no ${NE_DB_FILE}): give the NE's data directory`,
    );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return new SqliteNeStore(file);
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { errcode?: unknown } | null)?.errcode;
  return code === SQLITE_CODES.constraintPrimaryKey || code === SQLITE_CODES.constraintUnique;
}

function checkByteCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new StoreError('InvalidInput', `${what} must be a non-negative safe integer, got ${n}`);
  }
}

export class SqliteNeStore implements NeStore {
  private readonly db: Sqlite;
  private readonly s: Record<NeStatementName, Statement>;
  private readonly tx: (fn: () => unknown) => unknown;
  private readonly snapshots: NeSnapshots;

  constructor(readonly file: string) {
    this.db = new Sqlite(file, { ownerOnly: true });
    try {
      for (const [name, value] of Object.entries(NE_PRAGMAS)) this.db.pragma(`${name} = ${value}`);
      migrateNeSchema(this.db, file);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.s = Object.fromEntries(
      Object.entries(NE_SQL).map(([name, sql]) => {
        const st = this.db.prepare(sql);
        if (NE_PLUCKED.has(name as NeStatementName)) st.pluck();
        if (NE_RAW.has(name as NeStatementName)) st.raw();
        return [name, st];
      }),
    ) as Record<NeStatementName, Statement>;
    this.tx = this.db.transaction((fn: () => unknown) => fn());
    this.snapshots = new NeSnapshots(file);
  }

  // ----- tasks ------------------------------------------------------------------------------------------

  getTask(xid: string): StoredTask | undefined {
    const r = this.s.getTask.get(xid) as TaskRow | undefined;
    return r && toTask(r);
  }

  listTasks(): StoredTask[] {
    return (this.s.allTasks.all() as TaskRow[]).map(toTask);
  }

  *iterateTasks(): IterableIterator<StoredTask> {
    for (const r of this.s.allTasks.iterate() as IterableIterator<TaskRow>) yield toTask(r);
  }

  snapshot(): NeSnapshot {
    return this.snapshots.begin();
  }

  *iterateTaskFragments(): IterableIterator<TaskFragment> {
    for (const r of this.s.allFragments.iterate() as IterableIterator<FragmentRow>) yield fragmentOf(r);
  }

  tasksAfter(position: number, limit: number): { position: number; task: StoredTask }[] {
    const rows = this.s.tasksAfter.all(position, limit) as (TaskRow & { rowid: number })[];
    return rows.map((r) => ({ position: r.rowid, task: toTask(r) }));
  }

  lastTaskPosition(): number {
    return this.s.maxTaskRowid.get() as number;
  }

  listXids(): string[] {
    return this.s.xids.all() as string[];
  }

  countTasks(): number {
    return this.s.countTasks.get() as number;
  }

  countByStatus(): { tasks: Record<string, number>; destinations: Record<string, number>; outbox: number } {
    const counts = (st: Statement) =>
      Object.fromEntries((st.all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
    return {
      tasks: counts(this.s.tasksByStatus),
      destinations: counts(this.s.destinationsByStatus),
      outbox: (this.s.countOutbox.get() as { n: number }).n,
    };
  }

  insertTask(t: {
    details: TaskDetails;
    origin: TaskOrigin;
    provisioningStatus: ProvisioningStatus;
    pending?: PendingRequest;
    at: Timestamp;
  }): void {
    const xid = t.details.xId;
    this.transaction(() => {
      try {
        this.s.insertTask.run({
          ...this.detailColumns(t.details),
          origin: t.origin,
          provisioning: t.provisioningStatus,
          pending: t.provisioningStatus === 'complete' ? null : (t.pending ?? 'activate'),
          at: t.at,
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new StoreError('AlreadyExists', `task ${xid} already exists`, { cause: err });
        throw err;
      }
      this.linkDids(t.details);
    });
  }

  replaceTask(details: TaskDetails, at: Timestamp): boolean {
    return this.transaction(() => {
      if (this.s.replaceTask.run({ ...this.detailColumns(details), at }).changes === 0) return false;
      this.s.deleteDids.run(details.xId);
      this.linkDids(details);
      return true;
    });
  }

  setProvisioningStatus(xid: string, status: ProvisioningStatus, pending?: PendingRequest): boolean {
    const waits = status === 'complete' ? null : (pending ?? 'activate');
    return this.s.setProvisioning.run(status, waits, xid).changes > 0;
  }

  deleteTask(xid: string): boolean {
    return this.transaction(() => {
      this.s.deleteScopeFaults.run('task', xid);
      return this.s.deleteTask.run(xid).changes > 0;
    });
  }

  deleteAllTasks(): string[] {
    return this.transaction(() => {
      const xids = this.listXids();
      this.s.deleteKindFaults.run('task');
      this.s.deleteAllTasks.run();
      return xids;
    });
  }

  addInterceptCounters(updates: readonly InterceptUpdate[]): void {
    for (const u of updates) {
      checkByteCount(u.x2Bytes, 'x2Bytes');
      checkByteCount(u.x3Bytes ?? 0, 'x3Bytes');
    }
    this.transaction(() => {
      for (const u of updates)
        this.s.counters.run({ xid: u.xid, x2: u.x2Bytes, x3: u.x3Bytes ?? 0, at: u.at });
    });
  }

  tasksUsingDestination(did: string): string[] {
    return this.s.users.all(did) as string[];
  }

  private detailColumns(d: TaskDetails) {
    return {
      xid: d.xId,
      details: JSON.stringify(d),
      xml: encodeTaskDetailsFragment(d),
      deliveryType: d.deliveryType,
    };
  }

  private linkDids(d: TaskDetails): void {
    for (const did of didsOf(d)) this.s.insertDid.run(d.xId, did);
  }

  // ----- destinations -----------------------------------------------------------------------------------

  getDestination(did: string): StoredDestination | undefined {
    const r = this.s.getDest.get(did) as DestinationRow | undefined;
    return r && toDestination(r);
  }

  listDestinations(): StoredDestination[] {
    return (this.s.allDests.all() as DestinationRow[]).map(toDestination);
  }

  insertDestination(d: DestinationDetails): void {
    try {
      this.s.insertDest.run(d.dId, JSON.stringify(d));
    } catch (err) {
      if (isUniqueViolation(err))
        throw new StoreError('AlreadyExists', `destination ${d.dId} already exists`, { cause: err });
      throw err;
    }
  }

  replaceDestination(d: DestinationDetails): boolean {
    return this.s.replaceDest.run(JSON.stringify(d), d.dId).changes > 0;
  }

  deleteDestination(did: string): boolean {
    return this.transaction(() => {
      this.s.deleteScopeFaults.run('destination', did);
      return this.s.deleteDest.run(did).changes > 0;
    });
  }

  deleteAllDestinations(): number {
    return this.transaction(() => {
      this.s.deleteKindFaults.run('destination');
      return this.s.deleteAllDests.run().changes;
    });
  }

  setDestinationDeliveryStatus(did: string, status: DestinationDeliveryStatus): boolean {
    return this.s.destStatus.run(status, did).changes > 0;
  }

  // ----- faults -----------------------------------------------------------------------------------------

  addFault(scope: FaultScope, f: ErrorInformation): void {
    this.s.addFault.run(scope.kind, scope.id, f.errorCode, f.errorDescription);
  }

  clearFault(scope: FaultScope, code: number): boolean {
    return this.s.clearFault.run(scope.kind, scope.id, code).changes > 0;
  }

  listFaults(scope: FaultScope): ErrorInformation[] {
    return (this.s.faults.all(scope.kind, scope.id) as FaultRow[]).map(toFault);
  }

  faultsByScope(kind: FaultScope['kind']): Map<string, ErrorInformation[]> {
    const out = new Map<string, ErrorInformation[]>();
    for (const r of this.s.faultsOfKind.iterate(kind) as IterableIterator<FaultRow & { scope_id: string }>) {
      const list = out.get(r.scope_id);
      if (list) list.push(toFault(r));
      else out.set(r.scope_id, [toFault(r)]);
    }
    return out;
  }

  // ----- outbox -----------------------------------------------------------------------------------------

  enqueueReport(r: { kind: ReportKind; body: unknown; at?: number }): number {
    const info = this.s.enqueue.run(r.kind, JSON.stringify(r.body), r.at ?? Date.now());
    return Number(info.lastInsertRowid);
  }

  pendingReports(limit: number): OutboxEntry[] {
    if (!Number.isSafeInteger(limit) || limit < 0)
      throw new StoreError('InvalidInput', `limit must be a non-negative integer, got ${limit}`);
    return (this.s.pending.all(limit) as OutboxRow[]).map(toOutboxEntry);
  }

  markReportSent(id: number): boolean {
    return this.s.sent.run(id).changes > 0;
  }

  recordReportAttempt(id: number, error: string, nextAttemptAt?: number): void {
    this.s.attempt.run(error, nextAttemptAt ?? null, id);
  }

  // ----- audit ------------------------------------------------------------------------------------------

  appendAudit(a: AuditInput): number {
    const row = { xid: null, did: null, transactionId: null, detail: null, taskOrigin: null, ...a };
    return Number(this.s.audit.run(row).lastInsertRowid);
  }

  readAudit(opts: { sinceId?: number; limit?: number } = {}): AuditEntry[] {
    const rows = this.s.readAudit.all(opts.sinceId ?? 0, opts.limit ?? DEFAULT_AUDIT_PAGE) as AuditRow[];
    return rows.map(toAuditEntry);
  }

  lastAuditId(): number {
    return this.s.lastAudit.get() as number;
  }

  // ----- key/value state, transactions ------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    return this.s.getMeta.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  externalChangeCounter(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  transaction<T>(fn: () => T): T {
    return this.tx(fn) as T;
  }

  close(): void {
    this.snapshots.close();
    if (this.db.open) this.db.close();
  }
}
