import { pino, type Logger as PinoLogger } from 'pino';

/** Structured logger used by every component (pino). `level: 'silent'` for tests. */
export type Logger = PinoLogger;

export interface LoggerOptions {
  readonly name: string;
  readonly level?: string;
  /** Destination file descriptor; defaults to standard error so that standard output stays for results. */
  readonly fd?: number;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    { name: opts.name, level: opts.level ?? process.env.LIX_LOG_LEVEL ?? 'info' },
    pino.destination({ fd: opts.fd ?? 2, sync: true }),
  );
}

/** A logger that writes nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
