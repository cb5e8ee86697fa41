// Migrations on a real PostgreSQL: applied once, under their advisory lock, refused for a newer schema, and
// rolled back whole when one fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { postgresSkip } from '../../../test/support/postgres.js';
import { sharedPostgres } from '../../../test/support/postgres-store.js';
import { openPgAdmfStore } from './admf-pg-store.js';
import { migratePg, pgSchemaStatus, PgSchemaTooNewError } from './migrate.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './migrations.js';
import { openPgPool, PG_LOCKS } from './pool.js';

const skip = postgresSkip();
const server = skip ? undefined : sharedPostgres();
const fresh = async () => (await server!()).createDatabase();

async function withPool<T>(url: string, fn: (p: pg.Pool) => Promise<T>): Promise<T> {
  const pool = openPgPool(url);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

const tables = (p: pg.Pool) =>
  p
    .query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
    .then((r) => r.rows.map((x) => x.t));

test('postgres migrations: an empty database gets every one; a second run is a no-op', { skip }, async () => {
  const url = await fresh();
  await withPool(url, async (p) => {
    const before = await pgSchemaStatus(p);
    assert.deepEqual([before.version, before.pending.length], [0, PG_MIGRATIONS.length]);
    assert.deepEqual(await tables(p), [], 'status touches nothing');
    assert.deepEqual(
      await migratePg(p),
      PG_MIGRATIONS.map((m) => m.version),
    );
    const schema = await tables(p);
    assert.ok(schema.includes('audit') && schema.includes('schema_migrations'), schema.join());
    assert.deepEqual(await migratePg(p), [], 'nothing left to apply');
    const after = await pgSchemaStatus(p);
    assert.deepEqual(
      [after.version, after.latest, after.pending],
      [PG_SCHEMA_VERSION, PG_SCHEMA_VERSION, []],
    );
    assert.equal(after.applied.length, PG_MIGRATIONS.length);
    assert.match(after.serverVersion, /^\d+\.\d+/);
    assert.deepEqual(await tables(p), schema, 'the second run changed no table');
  });
});

test(
  'postgres migrations: eight stores opening at once on an empty database apply each migration once',
  { skip },
  async () => {
    const url = await fresh();
    const stores = await Promise.all(Array.from({ length: 8 }, () => openPgAdmfStore(url, { max: 2 })));
    try {
      await stores[0]!.putNe({
        id: 'ne-1',
        url: 'https://127.0.0.1:1/X1/NE',
        options: { keepalive: false, keepaliveRandom: false, timeP1Ms: 1, timeP2Ms: 1, heal: 'manual' },
        createdAt: 1,
        updatedAt: 1,
      });
      assert.equal((await stores[7]!.listNes()).length, 1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    await withPool(url, async (p) => {
      const r = await p.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        r.rows.map((x: { version: number }) => x.version),
        PG_MIGRATIONS.map((m) => m.version),
      );
    });
  },
);

test('postgres migrations: a start waits while another holds the migration lock', { skip }, async () => {
  const url = await fresh();
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1, $2)', [...PG_LOCKS.migrations]);
    let opened = false;
    const opening = openPgAdmfStore(url).then((s) => ((opened = true), s));
    await withPool(url, async (p) => {
      // Wait until the opening store is seen waiting on the lock, then check it has not gone past it.
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        const w = await p.query(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1",
          [PG_LOCKS.migrations[0]],
        );
        waiting = (w.rows[0] as { n: number }).n > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(waiting, true, 'the opening store waits on the migration lock');
      assert.equal(opened, false);
      assert.deepEqual(await tables(p), [], 'nothing was created while the lock was held');
    });
    await holder.query('SELECT pg_advisory_unlock($1, $2)', [...PG_LOCKS.migrations]);
    const s = await opening;
    assert.equal(opened, true);
    await s.close();
  } finally {
    await holder.end();
  }
});

test(
  'postgres migrations: a database of a newer schema is refused, untouched, with a clear message',
  { skip },
  async () => {
    const url = await fresh();
    await (await openPgAdmfStore(url)).close();
    await withPool(url, (p) =>
      p.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')"),
    );
    await assert.rejects(
      openPgAdmfStore(url),
      (err: unknown) =>
        err instanceof PgSchemaTooNewError &&
        /schema version 99; this lix knows up to \d+: upgrade lix/.test(err.message),
    );
    await withPool(url, async (p) => {
      assert.equal((await pgSchemaStatus(p)).version, 99);
      assert.deepEqual(await migratePg(p).catch((e: Error) => e.name), 'PgSchemaTooNewError');
    });
  },
);

test(
  'postgres migrations: a failing migration leaves nothing behind and the next start can retry',
  { skip },
  async () => {
    const url = await fresh();
    const broken = [
      ...PG_MIGRATIONS,
      {
        version: PG_SCHEMA_VERSION + 1,
        name: 'half',
        sql: 'CREATE TABLE half (n int); SELECT no_such_function()',
      },
    ];
    await withPool(url, async (p) => {
      await assert.rejects(
        migratePg(p, broken),
        new RegExp(`migration ${PG_SCHEMA_VERSION + 1} \\(half\\) failed`),
      );
      assert.equal((await pgSchemaStatus(p)).version, PG_SCHEMA_VERSION, 'the good ones stay applied');
      assert.equal((await tables(p)).includes('half'), false, 'the failed one is rolled back whole');
      const lock = await p.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
      assert.equal((lock.rows[0] as { n: number }).n, 0, 'the lock is released after a failure');
      const fixed = [...PG_MIGRATIONS, { ...broken.at(-1)!, sql: 'CREATE TABLE half (n int)' }];
      assert.deepEqual(await migratePg(p, fixed), [PG_SCHEMA_VERSION + 1]);
    });
  },
);
