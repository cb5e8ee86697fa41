/**
 * A real PostgreSQL server from Debian (package `postgresql`) for tests: `initdb` + `pg_ctl` in a fresh temp
 * directory, listening on a free port of 127.0.0.1 (and a Unix socket inside that directory), trust
 * authentication for the superuser `postgres`. PostgreSQL refuses to run as root: when the test runs as root
 * the directory is given to the user `nobody` and the server runs as that user. One server per test file;
 * {@link RunningPostgres.createDatabase} gives each test a fresh database.
 *
 *     const pg = await startPostgres();
 *     const url = await pg.createDatabase();   // postgres://postgres@127.0.0.1:PORT/t1
 *     ...
 *     await pg.stop();                         // pg_ctl stop -m immediate, then the directory is removed
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { freePort } from './nginx.js';
import { skipUnless } from './shared.js';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The newest Debian PostgreSQL `bin/` directory that has both `initdb` and `pg_ctl`, or undefined. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(DEBIAN_ROOT, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

/** The `skip` option of tests that need the server: a reason locally, a failure in CI (see skipUnless). */
export const postgresSkip = (): string | undefined =>
  skipUnless(postgresBinDir() !== undefined, `the PostgreSQL server (${DEBIAN_ROOT}/*/bin/initdb, pg_ctl)`);

export interface PostgresOptions {
  /** Extra `postgresql.conf` lines (e.g. `ssl = on`); they come last, so they override the harness's. */
  readonly conf?: readonly string[];
  /**
   * Files copied into the data directory before the start (name there → source path), owned by the server's
   * user with mode 0600 (PostgreSQL insists on that for a TLS key), e.g. `{ 'server.key': keyFile }`.
   */
  readonly files?: Readonly<Record<string, string>>;
  /** fsync on (off by default: tests do not need durability across a power cut, and the machine is shared). */
  readonly fsync?: boolean;
}

export interface RunningPostgres {
  readonly port: number;
  /** The data directory (owned by the server's user). */
  readonly dataDir: string;
  /** The server's major version, e.g. 15. */
  readonly major: number;
  /** `postgres://postgres@127.0.0.1:PORT/DB` (database `postgres` by default). */
  url(db?: string): string;
  /** Creates a fresh empty database (`CREATE DATABASE ... TEMPLATE template0`); its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs one SQL statement as the superuser on `db` (default `postgres`); its rows. */
  query(sql: string, db?: string): Promise<Record<string, unknown>[]>;
  /** The server's log so far. */
  log(): string;
  /** Stops the server as a crash would (`pg_ctl stop -m immediate`), keeping its data: an outage. */
  halt(): void;
  /** Starts it again on the same port and data after {@link halt}. */
  resume(): void;
  /** `pg_ctl stop -m immediate` and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/** uid/gid of `nobody` when this process is root (PostgreSQL refuses root), else undefined. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Starts a server; throws (with initdb's or the server's output) when it cannot. */
export async function startPostgres(opts: PostgresOptions = {}): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is not installed (${DEBIAN_ROOT}/*/bin/initdb)`);
  const major = Number(bin.split('/').at(-2));
  const user = serverUser();
  const root = mkdtempSync(join(tmpdir(), 'lix-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  if (user) chownSync(root, user.uid, user.gid);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(join(bin, cmd), args, { encoding: 'utf8', ...user, cwd: root, timeout: 60_000 });
    return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}` };
  };
  const cleanup = () => {
    if (existsSync(join(dataDir, 'postmaster.pid')))
      run('pg_ctl', ['stop', '-m', 'immediate', '-D', dataDir]);
    rmSync(root, { recursive: true, force: true });
  };
  const init = run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  if (!init.ok) {
    cleanup();
    throw new Error(`initdb failed: ${init.out}`);
  }
  for (const [name, from] of Object.entries(opts.files ?? {})) {
    const to = join(dataDir, basename(name));
    copyFileSync(from, to);
    chmodSync(to, 0o600);
    if (user) chownSync(to, user.uid, user.gid);
  }
  let port = 0;
  let started = false;
  let lastOut = '';
  for (let attempt = 0; attempt < 3 && !started; attempt++) {
    port = await freePort();
    const conf = [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${root}'`,
      `fsync = ${opts.fsync ? 'on' : 'off'}`,
      `max_connections = 100`,
      ...(opts.conf ?? []),
    ];
    const autoConf = join(dataDir, 'postgresql.auto.conf');
    writeFileSync(autoConf, `${conf.join('\n')}\n`);
    if (user) chownSync(autoConf, user.uid, user.gid);
    const r = run('pg_ctl', ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile]);
    started = r.ok;
    lastOut = r.out;
  }
  process.once('exit', cleanup);
  if (!started) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    cleanup();
    throw new Error(`pg_ctl start failed: ${lastOut}\n${log}`);
  }
  // Should this process be killed (SIGKILL, a test timeout) before stop(), a watcher stops the server and
  // removes the directory, so that no server outlives its test on a shared machine.
  const watcher = spawn(
    'sh',
    [
      '-c',
      `while [ -d /proc/${process.pid} ]; do sleep 1; done; "$0" stop -m immediate -D "$1" >/dev/null 2>&1; rm -rf "$2"`,
      join(bin, 'pg_ctl'),
      dataDir,
      root,
    ],
    { detached: true, stdio: 'ignore', ...user },
  );
  watcher.unref();
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const query = async (sql: string, db?: string) => {
    const c = new pg.Client({ connectionString: url(db) });
    await c.connect();
    try {
      return (await c.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  let databases = 0;
  let stopped = false;
  return {
    port,
    dataDir,
    major,
    url,
    query,
    async createDatabase(name = `t${++databases}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await query(`CREATE DATABASE ${name} TEMPLATE template0`);
      return url(name);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    halt() {
      const r = run('pg_ctl', ['stop', '-m', 'immediate', '-D', dataDir]);
      if (!r.ok) throw new Error(`pg_ctl stop failed: ${r.out}`);
    },
    resume() {
      const r = run('pg_ctl', ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile]);
      if (!r.ok) throw new Error(`pg_ctl start failed: ${r.out}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', cleanup);
      watcher.kill();
      cleanup();
    },
  };
}
