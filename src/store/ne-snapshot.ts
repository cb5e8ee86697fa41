/**
 * Consistent reads for bulk status answers (GetAllDetails, GetAllTaskDetails, ListAllDetails): each snapshot
 * is a read transaction on its own connection to the NE's database, so that an answer about 1,000,000 tasks
 * is read in slices while the NE goes on committing changes on its main connection (WAL: readers see the
 * database as it was when their transaction began and never block the writer). Connections are pooled.
 */
import { Sqlite, type Statement } from './sqlite.js';
import { toDestination, toFault, type DestinationRow, type FaultRow, type FragmentRow } from './ne-rows.js';
import type { FaultScope, NeSnapshot, StoredDestination, TaskCounters, TaskSliceEntry } from './ne-store.js';
import type { ErrorInformation } from '../x1/model.js';

const SNAPSHOT_SQL = {
  fragmentsAfter: `SELECT rowid, xid, details_xml, provisioning, last_intercept, x2_bytes, x3_bytes,
    last_modification, modifications FROM tasks WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  xidsAfter: 'SELECT rowid, xid FROM tasks WHERE rowid > ? ORDER BY rowid LIMIT ?',
  taskFaultsIn: `SELECT f.scope_id, f.code, f.description FROM tasks t JOIN faults f
    ON f.scope_kind = 'task' AND f.scope_id = t.xid WHERE t.rowid > ? AND t.rowid <= ? ORDER BY f.code`,
  faultsOfKind: 'SELECT scope_id, code, description FROM faults WHERE scope_kind = ? ORDER BY scope_id, code',
  destinations: 'SELECT details, delivery_status FROM destinations ORDER BY did',
  dids: 'SELECT did FROM destinations ORDER BY did',
  anyTaskFault: "SELECT EXISTS (SELECT 1 FROM faults WHERE scope_kind = 'task')",
} as const;

type Statements = Record<keyof typeof SNAPSHOT_SQL, Statement>;

interface Connection {
  readonly db: Sqlite;
  readonly s: Statements;
}

/** Snapshots of one database file, on up to `idle` pooled read connections. */
export class NeSnapshots {
  private readonly pool: Connection[] = [];
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly idle = 4,
  ) {}

  begin(): NeSnapshot {
    if (this.closed) throw new Error('the store is closed');
    const c = this.pool.pop() ?? this.connect();
    // BEGIN alone defers the snapshot to the first read: read at once so that it is taken now.
    c.db.exec('BEGIN');
    let taskFaults: boolean;
    try {
      taskFaults = c.s.anyTaskFault.get() === 1;
    } catch (err) {
      c.db.exec('ROLLBACK');
      this.release(c);
      throw err;
    }
    return new Snapshot(c, taskFaults, () => this.release(c));
  }

  close(): void {
    this.closed = true;
    for (const c of this.pool.splice(0)) c.db.close();
  }

  private connect(): Connection {
    const db = new Sqlite(this.file, { readonly: true });
    const s = Object.fromEntries(
      Object.entries(SNAPSHOT_SQL).map(([name, sql]) => [name, db.prepare(sql)]),
    ) as Statements;
    s.fragmentsAfter.raw();
    s.xidsAfter.raw();
    s.dids.pluck();
    s.anyTaskFault.pluck();
    return { db, s };
  }

  private release(c: Connection): void {
    if (this.closed || this.pool.length >= this.idle) c.db.close();
    else this.pool.push(c);
  }
}

class Snapshot implements NeSnapshot {
  private taskCursor = 0;
  private xidCursor = 0;
  private done = false;

  constructor(
    private readonly c: Connection,
    /** Whether any task has a fault: most of the time none has, and the per-slice lookup is skipped. */
    private readonly taskFaults: boolean,
    private readonly onClose: () => void,
  ) {}

  nextTasks(limit: number): TaskSliceEntry[] {
    const rows = this.c.s.fragmentsAfter.all(this.taskCursor, limit) as (readonly [number, ...FragmentRow])[];
    if (rows.length === 0) return [];
    const from = this.taskCursor;
    this.taskCursor = rows[rows.length - 1]![0];
    const faults = this.taskFaults
      ? groupFaults(this.c.s.taskFaultsIn.all(from, this.taskCursor) as ScopedFaultRow[])
      : NO_FAULTS;
    // 1,000,000 rows per answer: one object for the task and one for its counters, nothing else.
    return rows.map((r) => {
      const status: Mutable<TaskCounters> = {
        provisioningStatus: r[3],
        amountOfX2Data: r[5],
        amountOfX3Data: r[6],
        numberOfModifications: r[8],
      };
      if (r[4] !== null) status.timeOfLastIntercept = r[4];
      if (r[7] !== null) status.timeOfLastModification = r[7];
      return { xid: r[1], taskDetailsXml: r[2], status, faults: faults.get(r[1]) ?? NONE };
    });
  }

  nextXids(limit: number): string[] {
    const rows = this.c.s.xidsAfter.all(this.xidCursor, limit) as (readonly [number, string])[];
    if (rows.length > 0) this.xidCursor = rows[rows.length - 1]![0];
    return rows.map((r) => r[1]);
  }

  destinations(): StoredDestination[] {
    return (this.c.s.destinations.all() as DestinationRow[]).map(toDestination);
  }

  dids(): string[] {
    return this.c.s.dids.all() as string[];
  }

  faultsByScope(kind: FaultScope['kind']): Map<string, ErrorInformation[]> {
    return groupFaults(this.c.s.faultsOfKind.all(kind) as ScopedFaultRow[]);
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    try {
      this.c.db.exec('COMMIT');
    } finally {
      this.onClose();
    }
  }
}

const NO_FAULTS: ReadonlyMap<string, ErrorInformation[]> = new Map();
const NONE: readonly ErrorInformation[] = [];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type ScopedFaultRow = FaultRow & { readonly scope_id: string };

function groupFaults(rows: readonly ScopedFaultRow[]): Map<string, ErrorInformation[]> {
  const out = new Map<string, ErrorInformation[]>();
  for (const r of rows) {
    const list = out.get(r.scope_id);
    if (list) list.push(toFault(r));
    else out.set(r.scope_id, [toFault(r)]);
  }
  return out;
}
