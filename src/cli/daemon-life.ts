/**
 * How a daemon lives under a service manager: SIGTERM or SIGINT stop it gracefully (stop accepting, let
 * requests in flight finish, flush delivery queues up to a bound, close the stores) within a bound, a second
 * signal ends it at once; SIGHUP reloads the TLS files and the log level. Logging flags shared by every daemon.
 */
import { readFileSync } from 'node:fs';
import { createLogger, setLogLevel, type LogFormat, type Logger } from '../lib/logger.js';
import { LOG_LEVELS } from './daemon-flags.js';

/** The longest a graceful stop may take before the process exits anyway (systemd's default is 90 s). */
export const STOP_BOUND_MS = 20_000;

/** The daemon's logger from its `--log-level` and `--log-format` (or the `--config` file's logLevel/logFormat). */
export function daemonLogger(name: string, flags: Record<string, unknown>): Logger {
  const file = configFileLogging(flags);
  const level = typeof flags.logLevel === 'string' ? flags.logLevel : file.level;
  const format = (typeof flags.logFormat === 'string' ? flags.logFormat : file.format) as
    LogFormat | undefined;
  return createLogger({ name, ...(level !== undefined && { level }), ...(format && { format }) });
}

function configFileLogging(flags: Record<string, unknown>): { level?: string; format?: string } {
  if (typeof flags.config !== 'string') return {};
  try {
    const c = JSON.parse(readFileSync(flags.config, 'utf8')) as Record<string, unknown>;
    return {
      ...(typeof c.logLevel === 'string' && { level: c.logLevel }),
      ...(typeof c.logFormat === 'string' && { format: c.logFormat }),
    };
  } catch {
    return {};
  }
}

export interface DaemonLife {
  readonly name: string;
  readonly logger: Logger;
  readonly flags: Record<string, unknown>;
  /** Graceful stop: stop accepting, finish or refuse in-flight work, flush queues (bounded), close stores. */
  close(): Promise<void>;
  /** Re-read TLS files now (the daemons also watch them). */
  reloadTls?(): void;
  /** Bound of the graceful stop (default {@link STOP_BOUND_MS}). */
  readonly stopBoundMs?: number;
}

/** Installs the signal handlers; the process exits 0 after a graceful stop, 1 when the bound or a second signal cut it. */
export function runUntilSignalled(d: DaemonLife): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      d.logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    d.logger.info({ signal }, `${d.name} stopping`);
    const bound = d.stopBoundMs ?? STOP_BOUND_MS;
    const timer = setTimeout(() => {
      d.logger.error({ boundMs: bound }, `${d.name} did not stop in time: exiting`);
      process.exit(1);
    }, bound);
    timer.unref();
    d.close().then(
      () => {
        d.logger.info(`${d.name} stopped`);
        process.exit(0);
      },
      (err: unknown) => {
        d.logger.error({ err }, `${d.name} stop failed`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    const level = typeof d.flags.logLevel === 'string' ? d.flags.logLevel : configFileLogging(d.flags).level;
    if (level !== undefined && LOG_LEVELS.includes(level) && level !== d.logger.level) {
      setLogLevel(d.logger, level);
      d.logger.info({ level }, 'log level changed (SIGHUP)');
    }
    if (!d.reloadTls) return;
    try {
      d.reloadTls();
      d.logger.info('TLS files re-read (SIGHUP)');
    } catch (err) {
      d.logger.error({ err }, 'TLS reload failed (SIGHUP); keeping the previous material');
    }
  });
}
