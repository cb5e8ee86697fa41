// The NE store with 100,000 tasks (DESIGN.md "State": status answers within TIME1 with 100,000 tasks): one
// transaction inserts them, iteration streams them all, and "which tasks use this destination" is answered
// from the DID index, not by reading the tasks. Timings are printed as diagnostics (figures, not assertions:
// bench/store.bench.ts measures them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sqlite as Database } from '../../src/store/sqlite.js';
import { NE_DB_FILE, openNeStore } from '../../src/store/sqlite-ne-store.js';
import { indexedUuid, smallDestination, smallTask, T0 } from '../support/store-ne-fixtures.js';

const TASKS = Number(process.env.LIX_STORE_SCALE_TASKS ?? 100_000);
const DESTINATIONS = 100;

const did = (i: number) => indexedUuid('d0000000', i);
const xid = (i: number) => indexedUuid('a0000000', i);

function timed<T>(fn: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

test(
  `${TASKS} tasks: one-transaction insert, streamed iteration, tasksUsingDestination from the index`,
  { timeout: 120_000 },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'lix-store-scale-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const s = openNeStore(dir);
    try {
      const lonely = indexedUuid('d1000000', 0);
      for (let d = 0; d < DESTINATIONS; d++) s.insertDestination(smallDestination(did(d)));
      s.insertDestination(smallDestination(lonely));

      const insert = timed(() =>
        s.transaction(() => {
          for (let i = 0; i < TASKS; i++) {
            const dids = i === TASKS - 1 ? [did(i % DESTINATIONS), lonely] : [did(i % DESTINATIONS)];
            s.insertTask({
              details: smallTask(xid(i), dids),
              origin: 'x1',
              provisioningStatus: 'complete',
              at: T0,
            });
          }
        }),
      );
      assert.equal(s.countTasks(), TASKS);

      const iterate = timed(() => {
        let n = 0;
        let last = '';
        for (const task of s.iterateTasks()) {
          assert.equal(task.details.xId, xid(n));
          last = task.details.xId;
          n++;
        }
        return { n, last };
      });
      assert.deepEqual(iterate.result, { n: TASKS, last: xid(TASKS - 1) });

      const fragments = timed(() => {
        let n = 0;
        for (const f of s.iterateTaskFragments()) if (f.taskDetailsXml.includes(f.xid)) n++;
        return n;
      });
      assert.equal(fragments.result, TASKS);

      const users = timed(() => s.tasksUsingDestination(did(7)));
      assert.equal(users.result.length, TASKS / DESTINATIONS);
      assert.ok(users.result.every((x) => Number.parseInt(x.slice(-12), 16) % DESTINATIONS === 7));
      const one = timed(() => s.tasksUsingDestination(lonely));
      assert.deepEqual(one.result, [xid(TASKS - 1)]);
      const none = timed(() => s.tasksUsingDestination(indexedUuid('d2000000', 0)));
      assert.deepEqual(none.result, []);

      const db = new Database(join(dir, NE_DB_FILE), { readonly: true });
      try {
        const plan = db
          .prepare('EXPLAIN QUERY PLAN SELECT xid FROM task_dids WHERE did = ? ORDER BY xid')
          .all('x') as {
          detail: string;
        }[];
        assert.match(plan.map((p) => p.detail).join(' '), /USING (COVERING )?INDEX task_dids_by_did/);
      } finally {
        db.close();
      }

      const deleteAll = timed(() => s.deleteAllTasks());
      assert.equal(deleteAll.result.length, TASKS);
      assert.equal(s.countTasks(), 0);
      assert.deepEqual(s.tasksUsingDestination(did(7)), []);

      const f = (ms: number) => `${ms.toFixed(1)} ms`;
      t.diagnostic(`insert ${TASKS} tasks in one transaction: ${f(insert.ms)}`);
      t.diagnostic(`iterateTasks over ${TASKS}: ${f(iterate.ms)}; iterateTaskFragments: ${f(fragments.ms)}`);
      t.diagnostic(
        `tasksUsingDestination: ${f(users.ms)} (${users.result.length} users), ${f(one.ms)} (1 user), ${f(none.ms)} (none)`,
      );
      t.diagnostic(`deleteAllTasks: ${f(deleteAll.ms)}`);
    } finally {
      s.close();
    }
  },
);
