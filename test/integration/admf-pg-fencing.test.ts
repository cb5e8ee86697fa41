// Fencing (issue 14): an ADMF instance is SIGSTOPped with an ActivateTask out, past its lease; the other
// instance takes the NE over, reconciles and settles the task. When the first is SIGCONTed, the NE's late answer
// makes it write the task's state under its old fencing token: PostgreSQL refuses the write (the row stays as
// the new owner left it), the refusal is counted on /api/health, and the stale instance drops the NE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { postgresSkip, startPostgres } from '../support/postgres.js';
import {
  CLUSTER_TIMERS,
  keepaliveGaps,
  registerNes,
  startAdmfProcess,
  startNes,
} from '../support/admf-pg-cluster.js';
import { until } from '../support/admf-helpers.js';
import { openPgAdmfStore } from '../../src/store/pg/admf-pg-store.js';

const skip = postgresSkip();

test(
  'SIGSTOP past the lease, SIGCONT: the stale owner’s writes are refused and counted',
  { skip, timeout: 90_000 },
  async () => {
    const server = await startPostgres();
    const url = await server.createDatabase();
    await (await openPgAdmfStore(url)).close();
    const nes = await startNes(2);
    const a = await startAdmfProcess(url, 'a');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    let b: Awaited<ReturnType<typeof startAdmfProcess>> | undefined;
    try {
      const dids = await registerNes([a], nes);
      b = await startAdmfProcess(url, 'b');
      await until('the NEs spread', async () => (await a.ownership()).owned.length === 1, 10_000);
      const neId = (await a.ownership()).owned[0]!;
      const ne = nes[Number(neId.slice(3)) - 1]!;
      ne.slow.add('ActivateTaskRequest');
      const body = {
        ne: neId,
        targets: [{ kind: 'sipUri', value: 'sip:stale@example.net' }],
        dids: [dids.get(neId)!],
      };
      const activation = a.call('POST', '/api/tasks', body).catch((e: unknown) => e);
      await until('the NE has the request', () => ne.received.some((m) => m.type === 'ActivateTaskRequest'));
      const xid = (ne.h.store.listXids()[0] ?? '') as string;
      assert.ok(xid, 'the NE did the work; its answer is held');

      a.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      const bNow = b;
      await until('B takes the NE over', async () => (await bNow.ownership()).owned.includes(neId), 15_000);
      assert.ok(Date.now() - stoppedAt <= CLUSTER_TIMERS.leaseTtlMs + 2 * CLUSTER_TIMERS.leaseRenewMs + 1000);
      const row = async () =>
        (await db.query('SELECT state, updated_at, reason FROM tasks WHERE xid = $1', [xid])).rows[0] as {
          state: string;
          updated_at: number;
        };
      await until('B settled the task from the NE', async () => (await row()).state === 'active', 15_000);
      const settled = await row();
      const audit = await db.query(`SELECT detail FROM audit WHERE action = 'TakeOverNe' AND ne_id = $1`, [
        neId,
      ]);
      assert.ok(audit.rows.some((r: { detail: string }) => r.detail.includes('from a with token')));

      // Back from the pause: the NE's held answer reaches A, which settles the task under its old token.
      ne.slow.delete('ActivateTaskRequest');
      ne.release();
      a.child.kill('SIGCONT');
      await until(
        'A counts the refused write',
        async () => (await a.ownership()).fencingRefusals >= 1,
        15_000,
      );
      const after = await a.ownership();
      // A lost its lease (it may take the NE again later, with a new token, when the NEs are spread anew).
      assert.ok(after.lostLeases >= 1);
      assert.deepEqual(await row(), settled, 'the refused write changed nothing');
      // The REST call A took before the pause answers with the task as the store has it (settled by B).
      const r = (await activation) as { status: number; json: { state: string } };
      assert.ok([201, 202].includes(r.status), `A answered ${JSON.stringify(r)}`);
      assert.equal(r.json.state, settled.state);
      const owners = [await a.ownership(), await bNow.ownership()].filter((o) => o.owned.includes(neId));
      assert.ok(owners.length <= 1, 'never two owners');
      // No keepalive from the paused owner after it woke: the gaps stay at or above TIME_P2.
      await new Promise((res) => setTimeout(res, CLUSTER_TIMERS.timeP2Ms));
      for (const n of nes)
        assert.ok(Math.min(...keepaliveGaps(n)) >= CLUSTER_TIMERS.timeP2Ms - 1, keepaliveGaps(n).join(' '));
    } finally {
      a.child.kill('SIGCONT');
      a.child.kill('SIGKILL');
      b?.child.kill('SIGKILL');
      await Promise.all([a.exited, b?.exited]);
      await db.end();
      await Promise.all(nes.map((n) => n.close()));
      await server.stop();
    }
  },
);
