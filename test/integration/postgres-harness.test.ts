// The PostgreSQL test harness itself (test/support/postgres.ts): a real server starts, gives fresh databases
// that do not share tables, and is gone after stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { postgresSkip, startPostgres } from '../support/postgres.js';

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });

test(
  'postgres harness: a real server, fresh databases per test, gone after stop',
  { skip: postgresSkip() },
  async () => {
    const pg = await startPostgres();
    try {
      const [v] = await pg.query('SHOW server_version_num');
      assert.equal(Math.floor(Number(v?.server_version_num) / 10_000), pg.major);
      const [who] = await pg.query('SELECT current_user AS u');
      assert.equal(who?.u, 'postgres');
      const a = await pg.createDatabase();
      const b = await pg.createDatabase();
      assert.notEqual(a, b);
      await pg.query('CREATE TABLE x (n int)', a.split('/').at(-1));
      const inB = await pg.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'x'",
        b.split('/').at(-1),
      );
      assert.equal(inB[0]?.n, 0, 'a fresh database does not have the other one’s tables');
      await assert.rejects(pg.createDatabase('no; DROP'), /not a plain database name/);
    } finally {
      await pg.stop();
    }
    assert.equal(await accepts(pg.port), false, 'the port is closed after stop');
    assert.equal(existsSync(pg.dataDir), false, 'the directory is removed');
    await pg.stop();
  },
);
