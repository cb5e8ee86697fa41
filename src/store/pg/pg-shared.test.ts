// Two stores (two pools, as two ADMF processes have) on one real PostgreSQL database: each sees the other's
// writes, the subscriber lock holds across them, and the audit log refuses change from anyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ne, taskRecord } from '../../../test/support/admf-store-contract.js';
import { postgresSkip } from '../../../test/support/postgres.js';
import { sharedPostgres } from '../../../test/support/postgres-store.js';
import { openPgAdmfStore, type PgAdmfStore } from './admf-pg-store.js';

const skip = postgresSkip();
const server = skip ? undefined : sharedPostgres();

async function two(fn: (a: PgAdmfStore, b: PgAdmfStore, url: string) => Promise<void>): Promise<void> {
  const url = await (await server!()).createDatabase();
  const a = await openPgAdmfStore(url);
  const b = await openPgAdmfStore(url);
  try {
    await fn(a, b, url);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

const tick = (ms = 100) => new Promise((r) => setTimeout(r, ms));

/** A promise and its resolver. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

test('postgres shared: two stores on one database see each other’s writes at once', { skip }, async () => {
  await two(async (a, b) => {
    await a.putNe(ne('ne-1'));
    const t = taskRecord('ne-1', { state: 'activating' });
    await a.putTask(t);
    assert.deepEqual(await b.getTask(t.xid), t);
    assert.equal(await b.setTaskState(t.xid, 'active', t.updatedAt + 1), true);
    assert.equal((await a.getTask(t.xid))?.state, 'active');
    const id = await b.appendAudit({
      at: 1,
      actor: 'system',
      action: 'Reconcile',
      outcome: 'ok',
      neId: 'ne-1',
    });
    const id2 = await a.appendAudit({ at: 2, actor: 'operator', action: 'AddNe', outcome: 'ok' });
    assert.ok(id2 > id, 'one id sequence across both');
    assert.deepEqual(
      (await a.readAudit()).map((r) => r.action),
      ['Reconcile', 'AddNe'],
    );
    await b.setMeta('drift:ne-1', '{"n":1}');
    assert.equal(await a.getMeta('drift:ne-1'), '{"n":1}');
    assert.equal(await a.deleteNe('ne-1'), true);
    assert.equal(await b.getTask(t.xid), undefined);
  });
});

test('postgres shared: the subscriber lock holds across two pools, per subscriber', { skip }, async () => {
  await two(async (a, b) => {
    const order: string[] = [];
    const held = gate();
    const release = gate();
    const first = a.withSubscriberLock('sub-1', async () => {
      order.push('a in');
      held.open();
      await release.opened;
      order.push('a out');
      return 'a';
    });
    await held.opened;
    const second = b.withSubscriberLock('sub-1', async () => {
      order.push('b in');
      return 'b';
    });
    const other = await b.withSubscriberLock('sub-2', async () => 'another subscriber is not held up');
    assert.equal(other, 'another subscriber is not held up');
    await tick(300);
    assert.deepEqual(order, ['a in'], 'b waits while a holds sub-1');
    release.open();
    assert.deepEqual(await Promise.all([first, second]), ['a', 'b']);
    assert.deepEqual(order, ['a in', 'a out', 'b in']);
  });
});

test(
  'postgres shared: the subscriber lock is freed when its holder fails or its connection dies',
  { skip },
  async () => {
    await two(async (a, b, url) => {
      await assert.rejects(
        a.withSubscriberLock('sub-1', async () => {
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(
        await b.withSubscriberLock('sub-1', async () => 'free after a failure'),
        'free after a failure',
      );
      const held = gate();
      const done = gate();
      const stuck = a.withSubscriberLock('sub-1', async () => (held.open(), done.opened));
      stuck.catch(() => undefined);
      await held.opened;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        // As if the process holding it had died: its backend goes away.
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()",
        );
      } finally {
        await admin.end();
      }
      const got = await Promise.race([
        b.withSubscriberLock('sub-1', async () => 'taken over'),
        tick(10_000).then(() => 'still held'),
      ]);
      assert.equal(got, 'taken over');
      done.open();
      await assert.rejects(stuck, Error, 'a holder whose lock was lost hears of it when it ends');
    });
  },
);

test(
  'postgres shared: the database refuses UPDATE, DELETE and TRUNCATE on the audit log',
  { skip },
  async () => {
    await two(async (a, _b, url) => {
      await a.appendAudits([
        { at: 1, actor: 'operator', operator: 'alice', action: 'ActivateTask', outcome: 'ok' },
        { at: 2, actor: 'x1', action: 'ActivateTask', outcome: 'ok' },
      ]);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        for (const sql of [
          "UPDATE audit SET outcome = 'error'",
          "UPDATE audit SET operator = 'mallory' WHERE id = 1",
          'DELETE FROM audit',
          'DELETE FROM audit WHERE id = 2',
          'TRUNCATE audit',
        ])
          await assert.rejects(c.query(sql), /the audit log is append-only/, sql);
        // In a transaction too: nothing of a refused statement is left.
        await c.query('BEGIN');
        await c.query("INSERT INTO audit (at, actor, action, outcome) VALUES (3, 'system', 'x', 'ok')");
        await assert.rejects(c.query('DELETE FROM audit'));
        await c.query('ROLLBACK');
      } finally {
        await c.end();
      }
      assert.deepEqual(
        (await a.readAudit()).map((r) => [r.at, r.outcome, r.operator]),
        [
          [1, 'ok', 'alice'],
          [2, 'ok', undefined],
        ],
      );
      assert.equal((await a.appendAudit({ at: 4, actor: 'system', action: 'y', outcome: 'ok' })) > 0, true);
    });
  },
);

test('postgres shared: a batch that fails part-way writes nothing', { skip }, async () => {
  await two(async (a, b) => {
    await a.putNe(ne('ne-1'));
    const good = taskRecord('ne-1');
    await assert.rejects(a.putTasks([good, taskRecord('ghost')]));
    assert.equal(await b.getTask(good.xid), undefined);
    assert.deepEqual(await b.listTasks(), []);
  });
});

test(
  'postgres shared: while the server is down calls fail with an error, and work again once it is back',
  { skip, timeout: 60_000 },
  async () => {
    const pgServer = await server!();
    await two(async (a, b) => {
      await a.putNe(ne('ne-1'));
      const t = taskRecord('ne-1');
      await a.putTask(t);
      await a.withSubscriberLock('sub-1', async () => undefined);
      pgServer.halt();
      try {
        await assert.rejects(a.getTask(t.xid), Error);
        await assert.rejects(b.putTask(taskRecord('ne-1')), Error);
        await assert.rejects(a.appendAudit({ at: 1, actor: 'system', action: 'x', outcome: 'ok' }), Error);
        await assert.rejects(
          a.withSubscriberLock('sub-1', async () => 'ran without the lock'),
          Error,
        );
      } finally {
        pgServer.resume();
      }
      assert.deepEqual(await a.getTask(t.xid), t, 'the pool reconnects');
      assert.deepEqual(await b.getTask(t.xid), t);
      assert.equal(await b.withSubscriberLock('sub-1', async () => 'locked again'), 'locked again');
      assert.deepEqual(
        (await a.listTasks()).map((x) => x.xid),
        [t.xid],
        'the failed write wrote nothing',
      );
    });
  },
);

test(
  'postgres shared: a NUL character (which SQLite keeps) is refused by name and nothing is written',
  { skip },
  async () => {
    await two(async (a, b) => {
      await a.putNe(ne('ne-1'));
      await assert.rejects(a.putNe(ne('ne\0x')), { name: 'PgValueError', message: /NUL, U\+0000/ });
      await assert.rejects(a.putTask(taskRecord('ne-1', { reason: 'a\0b' })), { name: 'PgValueError' });
      await assert.rejects(
        a.appendAudits([
          { at: 1, actor: 'system', action: 'fine', outcome: 'ok' },
          { at: 2, actor: 'system', action: 'x', outcome: 'ok', detail: '\0' },
        ]),
        { name: 'PgValueError' },
      );
      assert.deepEqual(
        (await b.listNes()).map((n) => n.id),
        ['ne-1'],
      );
      assert.deepEqual(await b.listTasks(), []);
      assert.deepEqual(await b.readAudit(), [], 'the batch is all or nothing');
    });
  },
);
