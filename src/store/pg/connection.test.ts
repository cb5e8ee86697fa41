// Connection settings of the PostgreSQL store: URL over PG* variables over defaults, bad input refused by
// name; and the TLS modes against a real PostgreSQL with ssl = on and a certificate minted for this run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTestPki } from '../../../test/support/pki.js';
import { postgresSkip, startPostgres } from '../../../test/support/postgres.js';
import { parseAdmfConfig } from '../../admf/config.js';
import { openPgAdmfStore } from './admf-pg-store.js';
import { describePg, pgSettings, PgConfigError } from './connection.js';
import { openPgPool } from './pool.js';

test('pg settings: the URL wins over PG* variables, which fill in what it leaves out', () => {
  const env = {
    PGHOST: 'db.example.net',
    PGPORT: '6432',
    PGUSER: 'envuser',
    PGPASSWORD: 'envpw',
    PGDATABASE: 'envdb',
    PGSSLMODE: 'verify-full',
    PGSSLROOTCERT: '/etc/ca.pem',
  };
  const full = pgSettings('postgres://lix:s%40cret@[::1]:5433/admf?sslmode=require&application_name=a1', env);
  assert.deepEqual(
    [
      full.host,
      full.port,
      full.user,
      full.password,
      full.database,
      full.sslMode,
      full.sslRootCert,
      full.applicationName,
    ],
    ['::1', 5433, 'lix', 's@cret', 'admf', 'require', '/etc/ca.pem', 'a1'],
  );
  const bare = pgSettings('postgres://', env);
  assert.deepEqual(
    [bare.host, bare.port, bare.user, bare.password, bare.database, bare.sslMode],
    ['db.example.net', 6432, 'envuser', 'envpw', 'envdb', 'verify-full'],
  );
  const defaults = pgSettings('postgresql://u@h/', {});
  assert.deepEqual([defaults.port, defaults.database, defaults.sslMode], [5432, 'u', 'disable']);
  assert.equal(describePg('postgres://lix:secret@h:1/d', {}), 'postgres://lix@h:1/d (sslmode=disable)');
});

test('pg settings: bad URLs and variables are refused with the part named', () => {
  const bad: [string, Record<string, string>, RegExp][] = [
    ['postgres://u@h/d?sslmode=prefer', {}, /sslmode prefer is not supported/],
    ['postgres://u@h/d', { PGSSLMODE: 'allow' }, /sslmode allow is not supported/],
    ['postgres://u@h/d?ssl=true', {}, /unknown URL parameter ssl \(honoured: sslmode, sslrootcert/],
    ['postgres://u@h:0/d', {}, /bad port: 0/],
    ['postgres://u@h/d', { PGPORT: 'x' }, /bad port: x/],
    ['postgres://h/d', {}, /no user/],
    ['mysql://u@h/d', {}, /not a postgres:\/\/ URL/],
    ['postgres://u@h/d?connect_timeout=-1', {}, /bad connect_timeout/],
    ['not a url', {}, /not a URL/],
  ];
  for (const [url, env, re] of bad)
    assert.throws(
      () => pgSettings(url, env),
      (e: unknown) => e instanceof PgConfigError && re.test(e.message),
      url,
    );
  assert.throws(
    () => openPgPool('postgres://u@h/d?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem'),
    /cannot read sslrootcert/,
  );
});

test('the ADMF configuration takes store: sqlite by default (which needs --data), a postgres URL (which does not), nothing else', () => {
  const base = { id: 'admf-1', dataDir: '/tmp/x', tlsDir: '/tmp/pki', apiToken: 'x'.repeat(16) };
  assert.equal(parseAdmfConfig(base).store, 'sqlite');
  assert.equal(parseAdmfConfig({ ...base, store: 'postgres://lix@db/admf' }).store, 'postgres://lix@db/admf');
  assert.throws(() => parseAdmfConfig({ ...base, store: 'mysql://x' }), /store: sqlite, or a postgres:\/\//);
  assert.throws(
    () => parseAdmfConfig({ ...base, store: 'postgres://lix@db/admf?sslmode=prefer' }),
    /store: sslmode prefer/,
  );
  const { dataDir: _d, ...noData } = base;
  assert.equal(parseAdmfConfig({ ...noData, store: 'postgres://lix@db/admf' }).dataDir, undefined);
  assert.throws(
    () => parseAdmfConfig(noData),
    /a data directory \(--data\) is required for the embedded SQLite/,
  );
});

test(
  'pg TLS: each sslmode against a real server with a certificate of this run',
  { skip: postgresSkip(), timeout: 60_000 },
  async () => {
    const pki = await getTestPki();
    const server = await pki.issue('pg-server', { identity: 'pg-server' });
    const pg = await startPostgres({
      files: { 'server.crt': server.certFile, 'server.key': server.keyFile },
      conf: [
        `ssl = on`,
        `ssl_cert_file = 'server.crt'`,
        `ssl_key_file = 'server.key'`,
        `listen_addresses = '127.0.0.1,127.0.0.2'`,
      ],
    });
    try {
      const db = await pg.createDatabase();
      const at = (host: string, params: string) => db.replace('127.0.0.1', host) + params;
      /** Whether this connection is encrypted, as the server sees it; or the connection's error. */
      const encrypted = async (url: string): Promise<boolean | string> => {
        const pool = openPgPool(url, { max: 1 });
        try {
          const r = await pool.query<{ ssl: boolean }>(
            'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
          );
          return r.rows[0]!.ssl;
        } catch (err) {
          return (err as Error).message;
        } finally {
          await pool.end();
        }
      };
      const ca = `sslrootcert=${encodeURIComponent(pki.caFile)}`;
      const otherCa = `sslrootcert=${encodeURIComponent(pki.identities.untrusted!.certFile)}`;
      assert.equal(await encrypted(at('127.0.0.1', '')), false, 'no sslmode: plain, as the server sees it');
      assert.equal(await encrypted(at('127.0.0.1', '?sslmode=require')), true);
      assert.equal(await encrypted(at('127.0.0.1', `?sslmode=verify-full&${ca}`)), true);
      assert.equal(await encrypted(at('localhost', `?sslmode=verify-full&${ca}`)), true);
      assert.equal(
        await encrypted(at('127.0.0.2', `?sslmode=verify-ca&${ca}`)),
        true,
        'verify-ca checks no name',
      );
      assert.match(
        String(await encrypted(at('127.0.0.2', `?sslmode=verify-full&${ca}`))),
        /IP: 127\.0\.0\.2 is not in the cert's list/,
      );
      assert.match(
        String(await encrypted(at('127.0.0.1', `?sslmode=verify-full&${otherCa}`))),
        /certificate|self.signed|verify/i,
      );
      assert.match(
        String(await encrypted(at('127.0.0.1', `?sslmode=require&${otherCa}`))),
        /certificate|verify/i,
        'require with a root certificate checks the chain, as libpq',
      );
      const store = await openPgAdmfStore(at('127.0.0.1', `?sslmode=verify-full&${ca}`));
      try {
        await store.setMeta('k', 'over TLS');
        assert.equal(await store.getMeta('k'), 'over TLS');
      } finally {
        await store.close();
      }
    } finally {
      await pg.stop();
    }
  },
);
