// `lix admf --store postgres://...` as a user runs it, on a real PostgreSQL and with a real `lix ne`: the db
// commands migrate and report, the NE, destination and task registered through the REST API (with the usual
// `lix admf` commands) are in the database, and a restarted ADMF finds them; a second ADMF on the same
// database serves them too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { NE_ON_LOOPBACK, runCliAsync } from '../support/cli.js';
import { startLix, type Daemon } from '../support/daemon.js';
import { getTestPki, type TestPki } from '../support/pki.js';
import { postgresSkip, startPostgres } from '../support/postgres.js';
import { PG_SCHEMA_VERSION } from '../../src/store/pg/migrations.js';

const skip = postgresSkip();
const dir = mkdtempSync(join(tmpdir(), 'lix-admf-pg-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const tokenFile = join(dir, 'api-token');
writeFileSync(tokenFile, `${TEST_API_TOKEN}\n`);
chmodSync(tokenFile, 0o600);

const urlIn = async (d: Daemon, re: RegExp) => (re.exec(await d.waitFor(re)) ?? [])[1]!;

/** No `--data`: on PostgreSQL the ADMF keeps nothing on disk. */
function admf(pki: TestPki, store: string): Daemon {
  return startLix([
    'admf',
    '--id',
    'admf-1',
    '--listen',
    '127.0.0.1:0',
    '--api-listen',
    '127.0.0.1:0',
    '--tls-dir',
    pki.dir,
    '--api-token-file',
    tokenFile,
    '--store',
    store,
  ]);
}

async function stop(d: Daemon): Promise<void> {
  if (d.child.exitCode === null) d.child.kill('SIGTERM');
  await d.exited;
}

test(
  'lix admf --store postgres://: db migrate/status, tasking through the REST API, a restart and a second instance',
  { skip, timeout: 180_000 },
  async () => {
    const pg = await startPostgres();
    const daemons: Daemon[] = [];
    try {
      const store = await pg.createDatabase('admf');
      const cli = (...args: string[]) => runCliAsync(args);
      const status = async () => {
        const r = await cli('admf', 'db', 'status', '--store', store, '--json');
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as {
          version: number;
          latest: number;
          pending: unknown[];
          serverVersion: string;
        };
      };
      const empty = await status();
      assert.deepEqual(
        [empty.version, empty.latest, empty.pending.length],
        [0, PG_SCHEMA_VERSION, PG_SCHEMA_VERSION],
      );
      assert.match(empty.serverVersion, new RegExp(`^${pg.major}\\.`));
      const table = await cli('admf', 'db', 'status', '--store', store);
      assert.match(table.stdout, /schema\s+none \(empty database\)/);
      assert.doesNotMatch(table.stdout, /pending\s+none/);
      const migrated = await cli('admf', 'db', 'migrate', '--store', store);
      assert.equal(migrated.status, 0, migrated.stderr);
      assert.match(migrated.stdout, new RegExp(`applied .*: schema ${PG_SCHEMA_VERSION}`));
      assert.match((await cli('admf', 'db', 'migrate', '--store', store)).stdout, /nothing to apply/);
      assert.deepEqual((await status()).pending, []);
      const noStore = await cli('admf', 'db', 'status');
      assert.equal(noStore.status, 2);
      assert.match(noStore.stderr, /give --store postgres:/);
      const badMode = await cli('admf', 'db', 'status', '--store', `${store}?sslmode=prefer`);
      assert.equal(badMode.status, 2);
      assert.match(badMode.stderr, /sslmode prefer is not supported/);

      const pki = await getTestPki();
      const first = admf(pki, store);
      daemons.push(first);
      const x1 = await urlIn(first, /X1 reports on (\S+),/);
      const api = await urlIn(first, /REST API on (\S+) /);
      assert.match(
        first.lines.join('\n'),
        /store postgres:\/\/postgres@127\.0\.0\.1:\d+\/admf \(sslmode=disable\)/,
      );
      const ne = startLix([
        ...NE_ON_LOOPBACK,
        '--tls-dir',
        pki.dir,
        '--data',
        mkdtempSync(join(dir, 'ne-')),
        '--admf-url',
        x1,
      ]);
      daemons.push(ne);
      const neX1 = await urlIn(ne, /listening on (\S+)/);

      const op = (apiUrl: string, ...args: string[]) =>
        runCliAsync(['admf', ...args], { env: { LIX_ADMF_API: apiUrl, LIX_ADMF_TOKEN_FILE: tokenFile } });
      const added = await op(api, 'ne', 'add', '--id', 'ne-1', '--url', neX1);
      assert.equal(added.status, 0, added.stderr);
      const dest = await op(api, 'destination', 'create', '--ne', 'ne-1', '--uri', 'eep+udp://127.0.0.1:9');
      assert.equal(dest.status, 0, dest.stderr);
      const did = /^did\s+([0-9a-f-]{36})$/m.exec(dest.stdout)?.[1];
      assert.ok(did, dest.stdout);
      const act = await op(
        api,
        'task',
        'activate',
        '--ne',
        'ne-1',
        '--target',
        'imsi=001010000000001',
        '--did',
        did,
      );
      assert.equal(act.status, 0, act.stderr);
      const xid = /task ([0-9a-f-]{36}) on ne-1: active/.exec(act.stdout)?.[1];
      assert.ok(xid, act.stdout);

      // In the database itself, not only in the ADMF's memory.
      const [row] = await pg.query(`SELECT state, ne_id FROM tasks WHERE xid = '${xid}'`, 'admf');
      assert.deepEqual(row, { state: 'active', ne_id: 'ne-1' });

      await stop(first);
      const again = admf(pki, store);
      daemons.push(again);
      const api2 = await urlIn(again, /REST API on (\S+) /);
      const tasks = await op(api2, 'task', 'list', '--json');
      assert.equal(tasks.status, 0, tasks.stderr);
      const listed = tasks.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { xid: string; state: string; neId: string });
      assert.deepEqual(
        listed.map((t) => [t.xid, t.neId, t.state]),
        [[xid, 'ne-1', 'active']],
      );
      const nes = await op(api2, 'ne', 'list', '--json');
      assert.match(nes.stdout, /"id":"ne-1"/);
      const audit = await op(api2, 'audit', '--json');
      assert.match(audit.stdout, /ActivateTask/);

      // A second instance on the same database, beside the first: it serves the same state.
      const second = admf(pki, store);
      daemons.push(second);
      const api3 = await urlIn(second, /REST API on (\S+) /);
      const seen = await op(api3, 'task', 'show', xid, '--json');
      assert.equal(seen.status, 0, seen.stderr);
      assert.match(seen.stdout, /"state":"active"/);

      // A database migrated by a newer lix: the ADMF refuses to start and says why; db status says it too.
      for (const d of daemons.splice(0)) await stop(d);
      await pg.query(
        "INSERT INTO schema_migrations (version, name) VALUES (999, 'from a newer lix')",
        'admf',
      );
      const refused = admf(pki, store);
      daemons.push(refused);
      assert.equal(await refused.exited, 1);
      assert.match(
        refused.lines.join('\n'),
        /lix admf: store postgres:\/\/postgres@127\.0\.0\.1:\d+\/admf \(sslmode=disable\): .*schema version 999; this lix knows up to \d+: upgrade lix/,
      );
      assert.match(
        (await cli('admf', 'db', 'status', '--store', store)).stdout,
        /999 .*the database is newer, upgrade lix/,
      );
      const [count] = await pg.query('SELECT count(*)::int AS n FROM tasks', 'admf');
      assert.equal(count?.n, 1, 'the refused start touched nothing');
    } finally {
      for (const d of daemons) await stop(d);
      await pg.stop();
    }
  },
);
