/**
 * One way to run a statement on the pool: hot statements carry a name, so that each connection parses and
 * plans them once (a prepared statement) and later calls send only the parameters.
 */
import { LixError } from '../../lib/errors.js';
import type pg from 'pg';
import type { PgRow } from './rows.js';

/** A statement: a name makes it prepared (the same name must always go with the same text). */
export interface PgStatement {
  readonly name?: string;
  readonly text: string;
}

/** Runs statements on a pool or on one connection (inside a transaction). */
export type PgQueryable = Pick<pg.Pool, 'query'> | pg.ClientBase;

/**
 * A value PostgreSQL cannot hold: a NUL character (U+0000) in text or JSON, which SQLite stores but PostgreSQL
 * refuses (SQLSTATE 22021, 22P05). Nothing was written.
 */
export class PgValueError extends LixError<'pg-value'> {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('pg-value', message, options);
  }
}

const UNSTORABLE = new Set(['22021', '22P05']);

/** Runs `st` with `values`; the rows and how many rows it changed. */
export async function run(
  on: PgQueryable,
  st: PgStatement,
  values: readonly unknown[] = [],
): Promise<{ rows: PgRow[]; count: number }> {
  try {
    return await runRaw(on, st, values);
  } catch (err) {
    if (UNSTORABLE.has((err as { code?: string }).code ?? ''))
      throw new PgValueError(
        `a value holds a character PostgreSQL cannot store (a NUL, U+0000): ${(err as Error).message}`,
        { cause: err },
      );
    throw err;
  }
}

async function runRaw(
  on: PgQueryable,
  st: PgStatement,
  values: readonly unknown[],
): Promise<{ rows: PgRow[]; count: number }> {
  const r = await on.query<PgRow>({
    ...(st.name !== undefined && { name: st.name }),
    text: st.text,
    values: [...values],
  });
  return { rows: r.rows, count: r.rowCount ?? 0 };
}

/** Named statements of a module: `prepared('lix_task_get', 'SELECT ...')`. */
export const prepared = (name: string, text: string): PgStatement => ({ name, text });
