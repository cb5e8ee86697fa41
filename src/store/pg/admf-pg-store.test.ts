// The AdmfStore contract (test/support/admf-store-contract.ts, also run against SQLite) on a real PostgreSQL.
import { test } from 'node:test';
import { admfStoreContract } from '../../../test/support/admf-store-contract.js';
import { postgresSkip } from '../../../test/support/postgres.js';
import { sharedPostgres } from '../../../test/support/postgres-store.js';
import { openPgAdmfStore } from './admf-pg-store.js';

const skip = postgresSkip();
if (skip) {
  test('postgres: the AdmfStore contract', { skip }, () => undefined);
} else {
  const server = sharedPostgres();
  let last = '';
  admfStoreContract('postgres', {
    async open() {
      last = await (await server()).createDatabase();
      return openPgAdmfStore(last);
    },
    async reopen() {
      return openPgAdmfStore(last);
    },
  });
}
