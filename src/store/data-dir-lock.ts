/**
 * One daemon per data directory (docs/store.md "One process per data directory"). Two `lix ne` on one
 * directory would both intercept and both deliver every report; two `lix admf` would both task the NEs.
 *
 * The lock is an exclusive SQLite write lock on `DIR/lix.lock`, held open for the daemon's life: SQLite takes it
 * with POSIX advisory locks, which the kernel releases when the process dies however it dies (SIGKILL, OOM),
 * so a crash never leaves a stale lock to clean up by hand. `DIR/lix.pid` names the holder for the message a
 * second start gives; it is informational only (the lock is the SQLite lock). Manual administration
 * (`lix ne task|destination|audit --data DIR`) opens the store itself, not this file, and keeps working.
 */
import { LixError } from '../lib/errors.js';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sqlite, SQLITE_CODES } from './sqlite.js';

export const LOCK_FILE = 'lix.lock';
export const PID_FILE = 'lix.pid';

/** Another live process holds the directory. */
/** The data directory cannot be created or written (a file in the way, no permission, a read-only mount). */
export class DataDirUnusableError extends LixError<'data-dir-unusable'> {
  constructor(
    readonly dir: string,
    why: string,
    cause: unknown,
  ) {
    super('data-dir-unusable', `data directory ${dir} cannot be used (${why}): give a writable --data`, {
      cause,
    });
  }
}

export class DataDirLockedError extends LixError<'data-dir-locked'> {
  constructor(
    readonly dir: string,
    readonly holderPid: number | undefined,
  ) {
    super(
      'data-dir-locked',
      `data directory ${dir} is in use by another lix process` +
        `${holderPid === undefined ? '' : ` (PID ${holderPid})`}: stop it first, or give another --data`,
    );
  }
}

export interface DataDirLock {
  readonly dir: string;
  /** Releases the lock (idempotent). */
  release(): void;
}

function holderOf(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim().split(/\s/)[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the directory's lock, creating the directory (mode 0700); throws {@link DataDirLockedError}. */
export function lockDataDir(dir: string, what: string): DataDirLock {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new DataDirUnusableError(dir, why, err);
  }
  const db = new Sqlite(join(dir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { errcode?: number }).errcode === SQLITE_CODES.busy)
      throw new DataDirLockedError(dir, holderOf(dir));
    throw err;
  }
  writeFileSync(join(dir, PID_FILE), `${process.pid} ${what}\n`);
  let held = true;
  return {
    dir,
    release() {
      if (!held) return;
      held = false;
      if (holderOf(dir) === process.pid) rmSync(join(dir, PID_FILE), { force: true });
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/**
 * Runs `start` while holding `dir`; the lock is released when the started thing closes, or at once when
 * `start` fails.
 */
export async function holdingDataDir<T extends { close(): Promise<void> }>(
  dir: string,
  what: string,
  start: () => Promise<T>,
): Promise<T> {
  const lock = lockDataDir(dir, what);
  try {
    const running = await start();
    return {
      ...running,
      async close() {
        try {
          await running.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
