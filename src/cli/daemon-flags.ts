/**
 * The flags of the daemons (`lix ne`, `lix admf`), declared once: each names the configuration key(s) it sets,
 * so that flags, a `--config` JSON file and defaults merge in one place, and a configuration problem is
 * reported by the flag the user typed (`--time2`), or by the key and file it came from.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { ConfigError } from '../lib/config.js';
import { LOG_FORMATS } from '../lib/logger.js';

/** One flag: its commander spelling, help, and the configuration it sets. */
export interface FlagSpec {
  /** Commander syntax, e.g. `--time2 <seconds>` or `--keepalive`. */
  readonly flags: string;
  readonly description: string;
  readonly choices?: readonly string[];
  /** The configuration key it sets, with its value converted; none for flags the CLI uses itself. */
  readonly key?: string;
  readonly convert?: (value: string) => unknown;
  /** Several keys from one value (`--listen` → listenHost, listenPort). */
  readonly keys?: (value: string) => Record<string, unknown>;
}

/** `host:port`, `[v6]:port` or `:port` (host `defaultHost`) → host and port. */
export function parseListen(
  s: string,
  flag = '--listen',
  defaultHost = '0.0.0.0',
): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new Error(`${flag} "${s}": expected HOST:PORT (e.g. 127.0.0.1:8443 or [::1]:8443)`);
  return { host: m[1] ?? (m[2] || defaultHost), port };
}

/** Seconds as typed → milliseconds (NaN stays NaN, and the schema names the flag). */
export const seconds = (s: string): number => Math.round(Number(s) * 1000);

/** A listen-address flag that sets `<prefix>Host` and `<prefix>Port`. */
export function listenFlag(
  flags: string,
  description: string,
  prefix: string,
  defaultHost: string,
): FlagSpec {
  const name = flags.split(' ')[0]!;
  return {
    flags,
    description,
    keys: (v) => {
      const a = parseListen(v, name, defaultHost);
      return { [`${prefix}Host`]: a.host, [`${prefix}Port`]: a.port };
    },
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `--log-level` and `--log-format`, on every daemon. */
export const LOG_FLAGS: readonly FlagSpec[] = [
  {
    flags: '--log-level <level>',
    description: `log level: ${LOG_LEVELS.join(', ')} (default info; SIGHUP re-reads it from --config's logLevel)`,
    choices: LOG_LEVELS,
  },
  {
    flags: '--log-format <format>',
    description:
      'json (one object per line) or pretty (for a person); default pretty on a terminal, json otherwise',
    choices: LOG_FORMATS,
  },
];

/** Flags every daemon has, with the keys of `lib/config.ts` they set. `peer` names the other side's certificates. */
export function commonDaemonFlags(d: {
  readonly store: string;
  readonly peer: string;
  readonly path: string;
  readonly version: string;
  readonly configDoc: string;
}): FlagSpec[] {
  return [
    { flags: '--path <path>', description: `X1 path (default ${d.path})`, key: 'path' },
    {
      flags: '--tls-dir <dir>',
      description: 'directory with ca.pem, <id>.pem and <id>.key (as written by lix pki init)',
      key: 'tlsDir',
    },
    { flags: '--cert <file>', description: 'certificate (instead of --tls-dir)', key: 'certFile' },
    { flags: '--key <file>', description: 'private key (instead of --tls-dir)', key: 'keyFile' },
    {
      flags: '--ca <file>',
      description: `CA certificate(s) that issue ${d.peer} certificates (instead of --tls-dir)`,
      key: 'caFile',
    },
    {
      flags: '--crl <file>',
      description: `CRL (PEM) to check ${d.peer} certificates against`,
      key: 'crlFile',
    },
    {
      flags: '--data <dir>',
      description: `data directory (the SQLite store ${d.store} lives here)`,
      key: 'dataDir',
    },
    {
      flags: '--schemas <dir>',
      description: 'ETSI XSD directory: validate every message fully (strict decoding applies without it)',
      key: 'schemaDir',
    },
    {
      flags: '--profile <profile>',
      description: 'error-code profile (default etsi)',
      choices: ['etsi', 'draft'],
      key: 'profile',
    },
    { flags: '--x1-version <v>', description: `X1 version we send (default ${d.version})`, key: 'version' },
    {
      flags: '--identity-attribute <attr>',
      description: 'Subject attribute carrying the identity (default uid)',
      choices: ['uid', 'cn'],
      key: 'identityAttribute',
    },
    {
      flags: '--insecure-plain-http',
      description: 'plain HTTP without TLS on X1: FOR TESTS ONLY, logged loudly',
      key: 'insecurePlainHttp',
    },
    ...LOG_FLAGS,
  ];
}

/** The `--config` flag (read by {@link configFromFlags}, never a configuration key itself). */
export function configFileFlag(doc: string): FlagSpec {
  return {
    flags: '--config <file>',
    description: `JSON configuration file (keys as in ${doc}); flags override it`,
  };
}

/** Commander's property name of a flag (`--time-p3 <s>` → timeP3, `--no-reconcile` → reconcile). */
export function attributeOf(flags: string): string {
  const long = flags.split(/[ ,]+/).find((f) => f.startsWith('--'))!;
  return long.replace(/^--(no-)?/, '').replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const flagName = (spec: FlagSpec) => spec.flags.split(' ')[0]!;

/** Adds the flags to a command. */
export function addFlags(cmd: Command, specs: readonly FlagSpec[]): Command {
  for (const s of specs) {
    const o = new Option(s.flags, s.description);
    cmd.addOption(s.choices ? o.choices(s.choices) : o);
  }
  return cmd;
}

/** What the flags (over a `--config` file) make of the configuration, and how to name each key to the user. */
export interface FlagConfig {
  readonly input: Record<string, unknown>;
  /** The flag (or `KEY in FILE`) a configuration key came from; the flag that sets it when it came from neither. */
  nameOf(key: string): string;
}

/** Flags over a JSON configuration file over defaults → configuration input. Throws for an unreadable file. */
export function configFromFlags(specs: readonly FlagSpec[], flags: Record<string, unknown>): FlagConfig {
  const file = typeof flags.config === 'string' ? flags.config : undefined;
  let fromFile: Record<string, unknown> = {};
  if (file !== undefined) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`--config ${file}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
  const set: Record<string, unknown> = {};
  const byFlag = new Map<string, string>();
  for (const spec of specs) {
    const given = flags[attributeOf(spec.flags)];
    // Commander sets a negated flag (`--no-reconcile`) to true when it is absent: only false was typed.
    const raw = spec.flags.startsWith('--no-') && given === true ? undefined : given;
    for (const k of [spec.key, ...(spec.keys ? Object.keys(spec.keys('0.0.0.0:0')) : [])])
      if (k !== undefined) byFlag.set(k, flagName(spec));
    if (raw === undefined) continue;
    if (spec.keys) Object.assign(set, spec.keys(String(raw)));
    else if (spec.key !== undefined)
      set[spec.key] = spec.convert && typeof raw === 'string' ? spec.convert(raw) : raw;
  }
  return {
    input: { ...fromFile, ...set },
    nameOf(key) {
      const top = key.split('.')[0] ?? '';
      if (!(top in set) && top in fromFile) return `${key} (in ${file})`;
      return byFlag.get(top) ?? (key || '(config)');
    },
  };
}

/** A configuration error with its problems named as the user gave them. */
function nameIssues(err: unknown, names: FlagConfig): unknown {
  return err instanceof ConfigError ? new ConfigError(err.what, err.issues, (k) => names.nameOf(k)) : err;
}

/**
 * The daemon's configuration from its flags, or one message per problem on stderr (named by flag, or by key
 * and file) and exit status 2.
 */
export function configOrExit<C>(
  command: string,
  specs: readonly FlagSpec[],
  flags: Record<string, unknown>,
  parse: (input: unknown) => C,
): C {
  try {
    const named = configFromFlags(specs, flags);
    try {
      return parse(named.input);
    } catch (err) {
      throw nameIssues(err, named);
    }
  } catch (err) {
    console.error(`lix ${command}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}

/** A listening socket a daemon opens, and the flag that sets its address. */
export interface ListenFlag {
  readonly flag: string;
  readonly port: number;
}

/**
 * A failure to listen in the user's terms: which address, which flag changes it, and what to do. The error
 * carries the port it failed on (Node's `listen`/`bind` errors do); undefined for any other error.
 */
export function listenProblem(err: unknown, sockets: readonly ListenFlag[]): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 4; depth++) {
    const x = e as NodeJS.ErrnoException & { address?: string; port?: number };
    if (x.code === 'EADDRINUSE' || x.code === 'EACCES' || x.code === 'EADDRNOTAVAIL') {
      const at = `${x.address ?? '?'}:${x.port ?? '?'}`;
      const flag = (sockets.find((s) => s.port === x.port) ?? (sockets.length === 1 ? sockets[0] : undefined))
        ?.flag;
      const why =
        x.code === 'EADDRINUSE'
          ? 'the address is in use by another process'
          : x.code === 'EACCES'
            ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
            : 'no interface of this host has that address';
      return `cannot listen on ${at}: ${why}; ${flag ? `choose another with ${flag}` : 'choose another address'}`;
    }
    e = e.cause;
  }
  return undefined;
}
