// Changes taken by an instance that does not own the NE (issue 14): two ADMF instances on one PostgreSQL, two
// NEs, one owned by each. Through the REST API of the instance that does NOT own the NE, every change that
// speaks X1 — destinations created, modified and removed, a task activated, modified, asked for its live status
// and deactivated, the NE pinged and reconciled — is handed to the owner, reaches the NE, and is answered as the
// owner would answer it; refusals come back with their status. The audit rows are written by the owner and name
// the operator. A change handed while its NE's owner is dead waits for the next owner and is run by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { postgresSkip, startPostgres } from '../support/postgres.js';
import { registerNes, startAdmfProcess, startNes, type AdmfProcess } from '../support/admf-pg-cluster.js';
import { until } from '../support/admf-helpers.js';
import { openPgAdmfStore } from '../../src/store/pg/admf-pg-store.js';

const skip = postgresSkip();

async function ownerOf(admfs: readonly AdmfProcess[], ne: string): Promise<AdmfProcess | undefined> {
  for (const a of admfs) if ((await a.ownership()).owned.includes(ne)) return a;
  return undefined;
}

test(
  'a non-owner hands every change to the NE’s owner and answers with its outcome',
  { skip, timeout: 120_000 },
  async () => {
    const server = await startPostgres();
    const url = await server.createDatabase();
    await (await openPgAdmfStore(url)).close();
    const nes = await startNes(2);
    const live = [await startAdmfProcess(url, 'a'), await startAdmfProcess(url, 'b')];
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await registerNes(live, nes);
      // Each instance takes its share (one NE each).
      await until(
        'each instance owns one NE',
        async () => {
          const o = await Promise.all(live.map((a) => a.ownership()));
          return o.every((x) => x.owned.length === 1);
        },
        30_000,
      );
      const owner = (await ownerOf(live, 'ne-1'))!;
      const other = live.find((a) => a !== owner)!;
      assert.ok(!(await other.ownership()).owned.includes('ne-1'));
      const ne1 = nes[0]!;
      const seen = () => ne1.received.map((m) => m.type);

      // Destinations through the non-owner.
      const did = crypto.randomUUID();
      const created = await other.call('POST', '/api/nes/ne-1/destinations', {
        did,
        uri: 'eep+udp://127.0.0.1:9',
        friendlyName: 'handed',
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.ok(seen().includes('CreateDestinationRequest'));
      const modified = await other.call('PUT', `/api/nes/ne-1/destinations/${did}`, {
        uri: 'eep+udp://127.0.0.1:10',
        friendlyName: 'renamed',
      });
      assert.equal(modified.status, 200, JSON.stringify(modified.json));
      assert.equal((modified.json as { details: { friendlyName: string } }).details.friendlyName, 'renamed');
      assert.ok(seen().includes('ModifyDestinationRequest'));
      const missing = await other.call('PUT', `/api/nes/ne-1/destinations/${crypto.randomUUID()}`, {
        uri: 'eep+udp://127.0.0.1:10',
      });
      assert.equal(missing.status, 404, 'a refusal keeps its status');
      const t0 = Date.now();
      const noNe = await other.call('POST', '/api/nes/ne-9/ping');
      assert.equal(noNe.status, 404, 'an unknown NE has no owner to wait for');
      assert.ok(Date.now() - t0 < 5000, 'refused at once');

      // A task: activated, modified, its live status read, deactivated, all through the non-owner.
      const act = await other.call('POST', '/api/tasks', {
        ne: 'ne-1',
        targets: [{ kind: 'sipUri', value: 'sip:alice@example.net' }],
        dids: [did],
      });
      assert.ok(act.status === 201 || act.status === 202, JSON.stringify(act.json));
      const xid = (act.json as { xid: string }).xid;
      await until(
        'task active',
        async () =>
          ((await other.call('GET', `/api/tasks/${xid}`)).json as { state: string }).state === 'active',
        15_000,
      );
      const mod = await other.call('PUT', `/api/tasks/${xid}`, {
        targets: [{ kind: 'sipUri', value: 'sip:bob@example.net' }],
        dids: [did],
      });
      assert.equal(mod.status, 200, JSON.stringify(mod.json));
      assert.equal((mod.json as { state: string }).state, 'active');
      const onNe = ne1.h.store.getTask(xid);
      assert.match(JSON.stringify(onNe), /sip:bob@example\.net/, 'the NE has the new target');
      const status = await other.call('GET', `/api/tasks/${xid}/status`);
      assert.equal(status.status, 200, JSON.stringify(status.json));
      assert.match(JSON.stringify(status.json), /sip:bob@example\.net/);
      const ping = await other.call('POST', '/api/nes/ne-1/ping');
      assert.equal((ping.json as { response: string }).response, 'PingResponse');
      const drift = await other.call('POST', '/api/nes/ne-1/reconcile');
      assert.equal((drift.json as { inSync: boolean }).inSync, true, JSON.stringify(drift.json));
      const off = await other.call('DELETE', `/api/tasks/${xid}`);
      assert.equal((off.json as { state: string }).state, 'ended', JSON.stringify(off.json));
      assert.equal(ne1.h.store.getTask(xid), undefined, 'the NE no longer has the task');
      const removed = await other.call('DELETE', `/api/nes/ne-1/destinations/${did}`);
      assert.equal(removed.status, 204, JSON.stringify(removed.json));
      assert.ok(seen().includes('RemoveDestinationRequest'));

      // The owner ran and audited them, in the operator's name.
      const audit = (
        await db.query(
          `SELECT action, outcome, operator FROM audit WHERE (did = $1 OR xid = $2) AND action IN
           ('CreateDestination', 'ModifyDestination', 'ActivateTask', 'ModifyTask', 'DeactivateTask',
            'RemoveDestination') ORDER BY id`,
          [did, xid],
        )
      ).rows as { action: string; outcome: string; operator: string | null }[];
      assert.deepEqual(
        audit.map((r) => `${r.action}:${r.outcome}`),
        [
          'CreateDestination:ok',
          'ModifyDestination:ok',
          'ActivateTask:ok',
          'ModifyTask:ok',
          'DeactivateTask:ok',
          'RemoveDestination:ok',
        ],
      );
      assert.ok(
        audit.every((r) => r.operator !== null && r.operator === audit[0]!.operator),
        JSON.stringify(audit),
      );

      // The owner dies: a change handed meanwhile waits for the next owner (here the asker itself) and is run.
      owner.child.kill('SIGKILL');
      await owner.exited;
      const did2 = crypto.randomUUID();
      const late = await other.call('POST', '/api/nes/ne-1/destinations', {
        did: did2,
        uri: 'eep+udp://127.0.0.1:11',
      });
      assert.equal(late.status, 201, JSON.stringify(late.json));
      assert.ok((await other.ownership()).owned.includes('ne-1'), 'the asker took ne-1 over');
      assert.ok(ne1.h.store.getDestination(did2), 'the NE has the destination');
      live.splice(live.indexOf(owner), 1);
    } finally {
      for (const a of live) a.child.kill('SIGKILL');
      await Promise.all(live.map((a) => a.exited));
      await db.end();
      await Promise.all(nes.map((n) => n.close()));
      await server.stop();
    }
  },
);
