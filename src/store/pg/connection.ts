/**
 * Where the ADMF's PostgreSQL store is and how to reach it: a `postgres://` URL, with every part that the URL
 * leaves out taken from the standard libpq environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
 * `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGAPPNAME`), then from libpq's defaults. The URL is parsed here,
 * not by the driver, so that the TLS modes mean what they mean in libpq (docs/admf.md "PostgreSQL store").
 */
import { LixError } from '../../lib/errors.js';
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { PoolConfig } from 'pg';

/** The URL query parameters honoured; any other one is refused (a typo must not silently weaken TLS). */
export const PG_URL_PARAMS = ['sslmode', 'sslrootcert', 'application_name', 'connect_timeout'] as const;

/** libpq's TLS modes that this driver can keep; `allow` and `prefer` (fall back to plain text) are refused. */
export const PG_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type PgSslMode = (typeof PG_SSL_MODES)[number];

/** Bad `--store` URL or PG* variable: the message says which part and why. */
export class PgConfigError extends LixError<'pg-config'> {
  constructor(message: string) {
    super('pg-config', message);
  }
}

/** The resolved settings (no password in `describe`). */
export interface PgSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  readonly sslMode: PgSslMode;
  readonly sslRootCert?: string;
  readonly applicationName: string;
  readonly connectTimeoutMs: number;
}

/** True for a `--store` value that names PostgreSQL (`postgres://` or `postgresql://`). */
export function isPgLocator(store: string | undefined): store is string {
  return store !== undefined && /^postgres(ql)?:\/\//i.test(store);
}

type Env = Readonly<Record<string, string | undefined>>;

const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** Reads the settings from a URL and the environment; throws {@link PgConfigError} for bad input. */
export function pgSettings(url: string, env: Env = process.env): PgSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PgConfigError(`not a URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new PgConfigError(`not a postgres:// URL: ${u.protocol}`);
  for (const k of u.searchParams.keys())
    if (!(PG_URL_PARAMS as readonly string[]).includes(k))
      throw new PgConfigError(`unknown URL parameter ${k} (honoured: ${PG_URL_PARAMS.join(', ')})`);
  const q = (k: string) => nonEmpty(u.searchParams.get(k) ?? undefined);
  const host = nonEmpty(decodeURIComponent(u.hostname).replace(/^\[|\]$/g, '')) ?? nonEmpty(env.PGHOST);
  const portText = nonEmpty(u.port) ?? nonEmpty(env.PGPORT) ?? '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new PgConfigError(`bad port: ${portText}`);
  const user = nonEmpty(decodeURIComponent(u.username)) ?? nonEmpty(env.PGUSER) ?? nonEmpty(env.USER);
  if (!user) throw new PgConfigError('no user: put it in the URL (postgres://USER@HOST/DB) or PGUSER');
  const password = nonEmpty(decodeURIComponent(u.password)) ?? nonEmpty(env.PGPASSWORD);
  const database = nonEmpty(decodeURIComponent(u.pathname.slice(1))) ?? nonEmpty(env.PGDATABASE) ?? user;
  const mode = q('sslmode') ?? nonEmpty(env.PGSSLMODE) ?? 'disable';
  if (!(PG_SSL_MODES as readonly string[]).includes(mode))
    throw new PgConfigError(
      `sslmode ${mode} is not supported (one of ${PG_SSL_MODES.join(', ')}; allow/prefer would fall back to plain text)`,
    );
  const sslRootCert = q('sslrootcert') ?? nonEmpty(env.PGSSLROOTCERT);
  const timeoutText = q('connect_timeout') ?? '10';
  const timeoutS = Number(timeoutText);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 3600)
    throw new PgConfigError(`bad connect_timeout: ${timeoutText} (seconds, 1..3600)`);
  return {
    host: host ?? '/var/run/postgresql',
    port,
    user,
    ...(password !== undefined && { password }),
    database,
    sslMode: mode as PgSslMode,
    ...(sslRootCert !== undefined && { sslRootCert }),
    applicationName: q('application_name') ?? nonEmpty(env.PGAPPNAME) ?? 'lix-admf',
    connectTimeoutMs: timeoutS * 1000,
  };
}

/**
 * The TLS options of a mode, as libpq means it: `require` encrypts without checking the server (but checks its
 * chain when a root certificate is given, as libpq does), `verify-ca` checks the chain against `sslrootcert`
 * (or the system's CAs) but not the host name, `verify-full` checks both.
 */
export function pgTls(s: PgSettings): ConnectionOptions | false {
  if (s.sslMode === 'disable') return false;
  let ca: string | undefined;
  if (s.sslRootCert !== undefined) {
    try {
      ca = readFileSync(s.sslRootCert, 'utf8');
    } catch (err) {
      throw new PgConfigError(`cannot read sslrootcert ${s.sslRootCert}: ${(err as Error).message}`);
    }
  }
  const verifyChain = s.sslMode !== 'require' || ca !== undefined;
  return {
    ...(ca !== undefined && { ca }),
    rejectUnauthorized: verifyChain,
    // The driver connects a socket first, so the host name is checked here against the host of the settings.
    checkServerIdentity:
      s.sslMode === 'verify-full' ? (_name, cert) => checkServerIdentity(s.host, cert) : () => undefined,
  };
}

/** The `pg.Pool` settings of a URL (plus the environment). */
export function pgPoolConfig(url: string, env: Env = process.env, max = 10): PoolConfig {
  const s = pgSettings(url, env);
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    ...(s.password !== undefined && { password: s.password }),
    database: s.database,
    ssl: pgTls(s),
    application_name: s.applicationName,
    connectionTimeoutMillis: s.connectTimeoutMs,
    max,
  };
}

/** The URL without its password, for logs and `lix admf db status`. */
export function describePg(url: string, env: Env = process.env): string {
  const s = pgSettings(url, env);
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  return `postgres://${encodeURIComponent(s.user)}@${host}:${s.port}/${encodeURIComponent(s.database)} (sslmode=${s.sslMode})`;
}
