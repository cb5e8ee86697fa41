/**
 * `lix admf db migrate|status`: the ADMF's PostgreSQL schema from a shell. The store comes from `--store`, or
 * the `store` key of `--config FILE`; parts the URL leaves out come from the PG* variables
 * (`--store postgres://` takes them all from there). The SQLite store upgrades itself when the ADMF opens it.
 */
import { LixError } from '../lib/errors.js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { migratePg, pgSchemaStatus, type PgSchemaStatus } from '../store/pg/migrate.js';
import { describePg, isPgLocator } from '../store/pg/connection.js';
import { openPgPool } from '../store/pg/pool.js';
import { withJson } from './output.js';

/** A problem with what the user typed (exit 2), as against the database (exit 1). */
/** A usage mistake (bad --config, no store given): exit status 2. */
class UsageError extends LixError<'usage'> {
  constructor(message: string) {
    super('usage', message);
  }
}

function storeUrl(o: Record<string, unknown>): string {
  let store = typeof o.store === 'string' ? o.store : undefined;
  if (store === undefined && typeof o.config === 'string') {
    let file: { store?: unknown };
    try {
      file = JSON.parse(readFileSync(o.config, 'utf8')) as { store?: unknown };
    } catch (err) {
      throw new UsageError(`--config ${o.config}: ${(err as Error).message}`);
    }
    if (typeof file.store === 'string') store = file.store;
  }
  if (store === undefined)
    throw new UsageError('give --store postgres://USER@HOST:PORT/DB (or --config FILE with a store key)');
  if (!isPgLocator(store))
    throw new UsageError(
      `the store ${store} is not PostgreSQL: the SQLite store upgrades itself when the ADMF starts`,
    );
  return store;
}

function printStatus(url: string, s: PgSchemaStatus, json: boolean): void {
  const where = describePg(url);
  if (json) {
    console.log(JSON.stringify({ store: where, ...s }));
    return;
  }
  const newer = s.version > s.latest;
  console.log(`store    ${where}`);
  console.log(`server   PostgreSQL ${s.serverVersion}`);
  console.log(
    `schema   ${s.version === 0 ? 'none (empty database)' : s.version} (this lix knows up to ${s.latest}${newer ? ': the database is newer, upgrade lix' : ''})`,
  );
  console.log(
    `pending  ${s.pending.length ? s.pending.map((p) => `${p.version} (${p.name})`).join(', ') : 'none'}`,
  );
}

async function withPool(
  o: Record<string, unknown>,
  fn: (url: string, pool: ReturnType<typeof openPgPool>) => Promise<void>,
) {
  let url: string;
  let pool: ReturnType<typeof openPgPool>;
  try {
    url = storeUrl(o);
    pool = openPgPool(url, { max: 1 });
  } catch (err) {
    console.error(`lix admf db: ${(err as Error).message}`);
    process.exit(2);
  }
  try {
    await fn(url, pool);
  } catch (err) {
    console.error(`lix admf db: ${describePg(url)}: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** Adds `lix admf db`. */
export function registerDbCommands(admf: Command): void {
  const db = admf.command('db').description('the ADMF store on PostgreSQL: schema migrations and status');
  const storeFlags = (c: Command) =>
    c
      .option('--store <url>', 'postgres://USER@HOST:PORT/DB (PG* variables fill in what it leaves out)')
      .option('--config <file>', 'ADMF configuration file whose store key names the database');
  withJson(
    storeFlags(db.command('status').description('schema version, pending migrations, server version')),
  ).action((o: Record<string, unknown>) =>
    withPool(o, async (url, pool) => printStatus(url, await pgSchemaStatus(pool), o.json === true)),
  );
  withJson(
    storeFlags(db.command('migrate').description('apply pending migrations (the ADMF also does at start)')),
  ).action((o: Record<string, unknown>) =>
    withPool(o, async (url, pool) => {
      const applied = await migratePg(pool);
      const after = await pgSchemaStatus(pool);
      if (o.json === true)
        console.log(JSON.stringify({ store: describePg(url), applied, version: after.version }));
      else
        console.log(
          applied.length
            ? `applied ${applied.join(', ')}: schema ${after.version}`
            : `schema ${after.version} is current: nothing to apply`,
        );
    }),
  );
}
