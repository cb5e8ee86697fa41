// Crash durability of the NE store: a child process commits tasks (each with its audit row and outbox report)
// and prints each XID after its commit returned; the parent SIGKILLs it at a random moment, reopens the store
// and finds every printed XID with all that was committed with it. Round after round on the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sqlite as Database } from '../../src/store/sqlite.js';
import { NE_DB_FILE, openNeStore } from '../../src/store/sqlite-ne-store.js';
import { REPO_ROOT } from '../support/shared.js';

const ROUNDS = Number(process.env.LIX_STORE_CRASH_ROUNDS ?? 20);
/** The kill comes this long (at most) after the child said it is ready. */
const MAX_KILL_DELAY_MS = 250;
const CHILD = join(REPO_ROOT, 'test/support/store-crash-child.ts');

/** Runs one child, kills it `delayMs` after `ready`, returns the XIDs it printed as committed. */
function crashRound(dir: string, round: number, delayMs: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(round)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const wasReady = out.startsWith('ready\n');
      out += chunk;
      if (!wasReady && out.startsWith('ready\n')) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended with ${code ?? signal}, not killed`));
      // Only complete lines count: a line cut by the kill was not fully printed.
      const lines = out.split('\n').slice(0, -1);
      resolve(lines.filter((l) => l.startsWith('ok ')).map((l) => l.slice(3)));
    });
  });
}

test(
  `SIGKILL at random points, ${ROUNDS} rounds: every XID printed after its commit is in the store`,
  { timeout: 180_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'lix-store-crash-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const committed: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const delay = Math.floor(Math.random() * MAX_KILL_DELAY_MS);
      const printed = await crashRound(dir, round, delay);
      committed.push(...printed);
      const s = openNeStore(dir);
      try {
        const stored = new Set(s.listXids());
        const missing = committed.filter((x) => !stored.has(x));
        assert.deepEqual(missing, [], `round ${round} (kill ${delay} ms after ready): committed XIDs lost`);
        const audited = new Set(s.readAudit({ limit: 10_000_000 }).map((a) => a.xid));
        const queued = new Set(s.pendingReports(10_000_000).map((r) => (r.body as { xId: string }).xId));
        for (const x of printed) {
          assert.ok(audited.has(x), `audit row of ${x}`);
          assert.ok(queued.has(x), `outbox report of ${x}`);
        }
        // A task, its audit row and its report were one transaction: none without the others.
        assert.equal(audited.size, stored.size);
        assert.equal(queued.size, stored.size);
        t.diagnostic(
          `round ${round}: killed ${delay} ms after ready, ${printed.length} printed, ${stored.size} stored`,
        );
      } finally {
        s.close();
      }
    }
    const db = new Database(join(dir, NE_DB_FILE), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
    assert.ok(committed.length > 0, 'some commits happened before the kills');
  },
);
