import { isatty } from 'node:tty';
import { pino, type Logger as PinoLogger } from 'pino';
import pinoPretty from 'pino-pretty';

/** Structured logger used by every component (pino). `level: 'silent'` for tests. */
export type Logger = PinoLogger;

/** `json`: one JSON object per line (for journald, Loki, ...); `pretty`: coloured text for a person at a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  readonly name: string;
  readonly level?: string;
  /** Default: pretty when the destination is a terminal, json otherwise (a pipe, a file, journald). */
  readonly format?: LogFormat;
  /** Destination file descriptor; defaults to standard error so that standard output stays for results. */
  readonly fd?: number;
}

/** The child loggers of each root, so that a new level reaches them all (pino children keep their own). */
const families = new WeakMap<Logger, Set<WeakRef<Logger>>>();

export function createLogger(opts: LoggerOptions): Logger {
  const fd = opts.fd ?? 2;
  const level = opts.level || process.env.LIX_LOG_LEVEL || 'info';
  const format = opts.format ?? (isatty(fd) ? 'pretty' : 'json');
  const destination =
    format === 'pretty'
      ? pinoPretty({ destination: fd, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ fd, sync: true });
  const children = new Set<WeakRef<Logger>>();
  const root = pino({ name: opts.name, level, onChild: (c) => children.add(new WeakRef(c)) }, destination);
  families.set(root, children);
  return root;
}

/** Sets the level of a logger made by {@link createLogger} and of every child made from it. */
export function setLogLevel(root: Logger, level: string): void {
  root.level = level;
  const children = families.get(root);
  for (const ref of children ?? []) {
    const c = ref.deref();
    if (c) c.level = level;
    else children?.delete(ref);
  }
}

/** A logger that writes nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
