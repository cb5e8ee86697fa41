/**
 * One PostgreSQL server per test file for the store tests, started on first use and stopped after the file's
 * tests; each test takes a fresh database from it.
 */
import { after } from 'node:test';
import { startPostgres, type RunningPostgres } from './postgres.js';

/** The file's server (started on the first call). */
export function sharedPostgres(): () => Promise<RunningPostgres> {
  let server: Promise<RunningPostgres> | undefined;
  after(async () => {
    if (server) await (await server).stop();
  });
  return () => (server ??= startPostgres());
}
