/**
 * The connection pool of the ADMF's PostgreSQL store, and the advisory-lock keys lix uses. Every store
 * connection goes through {@link openPgPool}: 64-bit integers come back as numbers (times in milliseconds and
 * row ids stay far below 2^53), and a broken idle connection is logged away instead of crashing the process.
 */
import pg from 'pg';
import { pgPoolConfig } from './connection.js';

/**
 * Advisory-lock keys, as `(class, key)` pairs of 32-bit integers. The class `0x6c697800` ("lix\0") is lix's;
 * the second number says what is locked. Part of the database contract between lix versions: do not reuse.
 */
export const PG_LOCKS = {
  /** Session lock held while migrations run (`pg_advisory_lock(class, 1)`). */
  migrations: [0x6c697800, 1],
  /** Transaction locks per subscriber: `pg_advisory_xact_lock(class, hashtext(subscriber id))`. */
  subscriberClass: 0x6c697801,
} as const;

const INT8_OID = 20;

/** Parses int8 as a JavaScript number; everything else as the driver does. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PgPoolOptions {
  /** Connections at most (default 10). */
  readonly max?: number;
  /** The environment the PG* variables come from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told about errors of idle connections (the server went away); the next query reconnects. */
  readonly onIdleError?: (err: Error) => void;
}

/** A pool for a `postgres://` URL (parts it leaves out come from PG* variables, see connection.ts). */
export function openPgPool(url: string, opts: PgPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({ ...pgPoolConfig(url, opts.env, opts.max ?? 10), types });
  pool.on('error', (err) => opts.onIdleError?.(err));
  return pool;
}

/**
 * Runs `fn` in one transaction on one connection of the pool at the given isolation, committing when it
 * resolves and rolling back when it throws.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE',
  fn: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  // A checked-out connection that dies (server restart, terminated backend) reports here, not to the pool;
  // unheard, that error would end the process. The pending query fails and the connection is discarded.
  const onError = (err: Error) => (broken = err);
  c.on('error', onError);
  try {
    await c.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    try {
      await c.query('ROLLBACK');
    } catch (e) {
      broken = e as Error;
    }
    throw err;
  } finally {
    c.off('error', onError);
    c.release(broken);
  }
}
