/**
 * Applies {@link PG_MIGRATIONS} and reports where a database stands. Migrations run under a session advisory
 * lock (PG_LOCKS.migrations), so several ADMF instances starting at once apply each one exactly once; a
 * database with a newer schema than this lix knows is refused before anything is touched.
 */
import { LixError } from '../../lib/errors.js';
import type pg from 'pg';
import { PG_MIGRATIONS, type PgMigration } from './migrations.js';
import { PG_LOCKS } from './pool.js';

/** The database was migrated by a newer lix. */
export class PgSchemaTooNewError extends LixError<'schema-too-new'> {
  constructor(
    readonly version: number,
    readonly known: number,
  ) {
    super(
      'schema-too-new',
      `the database has schema version ${version}; this lix knows up to ${known}: upgrade lix (never run an older lix against it)`,
    );
  }
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()
)`;

export interface PgSchemaStatus {
  /** The newest version applied (0 for an empty database). */
  readonly version: number;
  /** The newest this lix knows. */
  readonly latest: number;
  /** Known migrations not applied yet. */
  readonly pending: readonly { version: number; name: string }[];
  readonly applied: readonly { version: number; name: string; appliedAt: string }[];
  /** `SHOW server_version`. */
  readonly serverVersion: string;
}

async function appliedVersions(c: pg.ClientBase): Promise<PgSchemaStatus['applied']> {
  const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (exists.rows[0]?.t == null) return [];
  const r = await c.query<{ version: number; name: string; applied_at: Date }>(
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
  );
  return r.rows.map((x) => ({ version: x.version, name: x.name, appliedAt: x.applied_at.toISOString() }));
}

/** Where the database stands (touches nothing). */
export async function pgSchemaStatus(
  pool: pg.Pool,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<PgSchemaStatus> {
  const c = await pool.connect();
  try {
    const applied = await appliedVersions(c);
    const version = applied.at(-1)?.version ?? 0;
    const server = await c.query<{ server_version: string }>('SHOW server_version');
    return {
      version,
      latest: migrations.at(-1)?.version ?? 0,
      pending: migrations
        .filter((m) => m.version > version)
        .map(({ version: v, name }) => ({ version: v, name })),
      applied,
      serverVersion: server.rows[0]?.server_version ?? '',
    };
  } finally {
    c.release();
  }
}

/**
 * Brings the database to the newest schema; the versions it applied (none when it was current). Throws
 * {@link PgSchemaTooNewError} for a newer database.
 */
export async function migratePg(
  pool: pg.Pool,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number[]> {
  const latest = migrations.at(-1)?.version ?? 0;
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    await c.query('SELECT pg_advisory_lock($1, $2)', [...PG_LOCKS.migrations]);
    try {
      await c.query(CREATE_TABLE);
      const version = (await appliedVersions(c)).at(-1)?.version ?? 0;
      if (version > latest) throw new PgSchemaTooNewError(version, latest);
      const done: number[] = [];
      for (const m of migrations.filter((x) => x.version > version)) {
        await c.query('BEGIN');
        try {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch((e: Error) => (broken = e));
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, {
            cause: err,
          });
        }
        done.push(m.version);
      }
      return done;
    } finally {
      await c
        .query('SELECT pg_advisory_unlock($1, $2)', [...PG_LOCKS.migrations])
        .catch((e: Error) => (broken = e));
    }
  } finally {
    c.release(broken);
  }
}
