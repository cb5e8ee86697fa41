/**
 * The one place that turns the ADMF's `store` setting into a store: SQLite in the data directory (the default)
 * or PostgreSQL at a URL (migrated at open, see src/store/pg/migrate.ts).
 */
import { join } from 'node:path';
import { ADMF_DB_FILE, openAdmfStore } from '../store/admf-sqlite-store.js';
import type { AdmfStore } from '../store/admf-store.js';
import { openPgAdmfStore } from '../store/pg/admf-pg-store.js';
import { describePg, isPgLocator } from '../store/pg/connection.js';

/** The settings that choose the store. */
export interface StoreSetting {
  /** `sqlite` or a `postgres://` URL. */
  readonly store: string;
  /** Required for SQLite (the configuration refuses it missing). */
  readonly dataDir?: string | undefined;
}

function sqliteDir(c: StoreSetting): string {
  if (c.dataDir === undefined) throw new Error('a data directory is required for the embedded SQLite store');
  return c.dataDir;
}

/** True when the store is shared by several ADMF instances (PostgreSQL). */
export const isSharedStore = (c: StoreSetting): boolean => isPgLocator(c.store);

/** Opens the configured store (PostgreSQL: pool, then migrations under their lock). */
export async function openConfiguredStore(
  c: StoreSetting,
  onIdleError?: (err: Error) => void,
): Promise<AdmfStore> {
  if (isPgLocator(c.store)) {
    try {
      return await openPgAdmfStore(c.store, { ...(onIdleError && { onIdleError }) });
    } catch (err) {
      // Say which store: the driver's own message names only an address (connect ECONNREFUSED ...).
      throw new Error(`store ${describeStore(c)}: ${(err as Error).message}`, { cause: err });
    }
  }
  return openAdmfStore(sqliteDir(c));
}

/** Where the store is, for people (never a password). */
export function describeStore(c: StoreSetting): string {
  return isPgLocator(c.store) ? describePg(c.store) : join(sqliteDir(c), ADMF_DB_FILE);
}
