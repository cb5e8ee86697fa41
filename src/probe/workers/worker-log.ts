/**
 * A worker's log lines, written by the NE's logger: a worker has its own pino logger whose lines (JSON) come
 * over its port, and each is logged again at its level with its fields, so the NE's log shows them as its own.
 */
import type { Logger } from '../../lib/logger.js';

/** pino's numeric levels. */
const LEVELS: Readonly<Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Fields pino adds to every line; the NE's logger adds its own. */
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** Logs one JSON line of a worker's logger; a line that does not parse is logged as text. */
export function logLine(logger: Logger, line: string): void {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.warn({ line }, 'probe worker wrote a log line that is not JSON');
    return;
  }
  const level = LEVELS[typeof o.level === 'number' ? o.level : 30] ?? 'info';
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!OWN_FIELDS.has(k)) fields[k] = v;
  logger[level](fields, typeof o.msg === 'string' ? o.msg : '');
}
