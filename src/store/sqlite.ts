/**
 * The stores' SQLite connection: Node's built-in `node:sqlite` (no native addon to build), with the few
 * conveniences the stores use: pragmas, statements that return one column or arrays, and transactions that
 * nest as savepoints (a store call inside `NeStore.transaction` joins the outer transaction).
 */
import { chmodSync, closeSync, openSync, statSync } from 'node:fs';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

/** SQLite (extended) result codes the stores act on (sqlite.org/rescode.html). */
export const SQLITE_CODES = { busy: 5, constraintPrimaryKey: 1555, constraintUnique: 2067 } as const;

type Params = SQLInputValue[] | [Record<string, SQLInputValue>];

/** A prepared statement; `pluck()` returns the first column of each row, `raw()` rows as arrays. */
export class Statement {
  private mode: 'object' | 'pluck' | 'raw' = 'object';

  constructor(
    private readonly st: StatementSync,
    private readonly isOpen: () => boolean,
  ) {}

  /** A closed store says so, rather than node:sqlite's "statement has been finalized". */
  private check(): void {
    if (!this.isOpen()) throw new Error('the database is not open');
  }

  pluck(): this {
    this.mode = 'pluck';
    this.st.setReturnArrays(true);
    return this;
  }

  raw(): this {
    this.mode = 'raw';
    this.st.setReturnArrays(true);
    return this;
  }

  run(...params: Params): { changes: number; lastInsertRowid: number } {
    this.check();
    const r = this.st.run(...(params as SQLInputValue[]));
    return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
  }

  get(...params: Params): unknown {
    this.check();
    const row = this.st.get(...(params as SQLInputValue[]));
    return this.mode === 'pluck' && row !== undefined ? (row as unknown as unknown[])[0] : row;
  }

  all(...params: Params): unknown[] {
    this.check();
    const rows = this.st.all(...(params as SQLInputValue[])) as unknown[];
    return this.mode === 'pluck' ? rows.map((r) => (r as unknown[])[0]) : rows;
  }

  *iterate(...params: Params): IterableIterator<unknown> {
    this.check();
    for (const row of this.st.iterate(...(params as SQLInputValue[])) as Iterable<unknown>)
      yield this.mode === 'pluck' ? (row as unknown[])[0] : row;
  }
}

/** A function that runs in a transaction; `immediate` takes the write lock when it begins. */
export type Transaction<A extends unknown[], R> = ((...args: A) => R) & { immediate(...args: A): R };

export interface OpenOptions {
  /** How long to wait for another connection's lock, in ms (default 5 s; 0 fails at once). */
  readonly timeout?: number;
  /** Open without write access (tests and tools that inspect a store). */
  readonly readonly?: boolean;
  /**
   * The file holds intercept-related state: create it readable by its owner only (0600) and tighten an
   * existing one to that. SQLite gives its -wal and -shm files the database file's mode.
   */
  readonly ownerOnly?: boolean;
}

/** Creates `file` with mode 0600 when it does not exist, or takes group and other access away from it. */
export function ownerOnlyFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
}

/** One connection to a database file. */
export class Sqlite {
  private readonly db: DatabaseSync;
  private depth = 0;

  constructor(file: string, opts: OpenOptions = {}) {
    if (opts.ownerOnly && !opts.readonly && file !== ':memory:') ownerOnlyFile(file);
    this.db = new DatabaseSync(file, { timeout: opts.timeout ?? 5_000, readOnly: opts.readonly ?? false });
  }

  get open(): boolean {
    return this.db.isOpen;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  prepare(sql: string): Statement {
    return new Statement(this.db.prepare(sql), () => this.db.isOpen);
  }

  /** `PRAGMA text`: its rows, or with `simple` the first column of the first row. */
  pragma(text: string, opts: { readonly simple?: boolean } = {}): unknown {
    const st = this.db.prepare(`PRAGMA ${text}`);
    if (!opts.simple) return st.all();
    st.setReturnArrays(true);
    const row = st.get() as unknown[] | undefined;
    return row?.[0];
  }

  /**
   * Wraps `fn` so that each call runs in one transaction (`.immediate(...)` takes the write lock up front), or
   * in a savepoint when called inside another: everything commits when it returns, nothing when it (or the
   * commit) throws.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R> {
    const run = (begin: string, args: A): R => {
      const nested = this.depth > 0;
      const sp = `lix_sp_${this.depth}`;
      this.db.exec(nested ? `SAVEPOINT ${sp}` : begin);
      this.depth++;
      let result: R;
      try {
        result = fn(...args);
      } catch (err) {
        this.depth--;
        if (nested) this.db.exec(`ROLLBACK TO ${sp}; RELEASE ${sp}`);
        else if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
      this.depth--;
      try {
        this.db.exec(nested ? `RELEASE ${sp}` : 'COMMIT');
      } catch (err) {
        if (!nested && this.db.isTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
      return result;
    };
    return Object.assign((...args: A) => run('BEGIN', args), {
      immediate: (...args: A) => run('BEGIN IMMEDIATE', args),
    });
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
