// Reconciliation: the ADMF restarts mid-way and compares with the NE (drift shown, then healed by the
// operator); the NE restarts empty and the ADMF sees it return and heals it by policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heal, lastDrift, reconcile } from '../../src/admf/reconcile.js';
import { activateTask, createDestination } from '../../src/admf/tasking.js';
import { admfHarness, admfWithNe } from '../support/admf-harness.js';
import { until } from '../support/admf-helpers.js';
import { neHarness } from '../support/ne-harness.js';
import { destination, req, task, uuid } from '../support/x1-builders.js';

test('the ADMF restarts mid-way: reconciliation settles lost answers and shows drift; healing fixes it', async () => {
  const h = await admfWithNe();
  let restarted: Awaited<ReturnType<typeof admfHarness>> | undefined;
  try {
    const { admf } = h.running;
    const did = uuid();
    await createDestination(admf, 'ne-1', destination(did));
    const kept = uuid();
    await activateTask(admf, 'ne-1', task(kept, [did]));
    const changed = uuid();
    await activateTask(admf, 'ne-1', task(changed, [did]));
    // Changed behind the ADMF's back.
    await h.ne.send([
      req('ModifyTaskRequest', {
        taskDetails: task(changed, [did], { deliveryType: 'X2Only', correlationID: 7 }),
      }),
    ]);
    // The answer to this activation was lost when the ADMF stopped: the NE has it, the ADMF says `activating`.
    const lostAnswer = uuid();
    const now = h.clock.now();
    await admf.store.putTask({
      xid: lostAnswer,
      neId: 'ne-1',
      details: task(lostAnswer, [did]),
      state: 'activating',
      createdAt: now,
      updatedAt: now,
    });
    await h.ne.send([req('ActivateTaskRequest', { taskDetails: task(lostAnswer, [did]) })]);
    // This one never left the ADMF.
    const neverSent = uuid();
    await admf.store.putTask({
      xid: neverSent,
      neId: 'ne-1',
      details: task(neverSent, [did]),
      state: 'activating',
      createdAt: now,
      updatedAt: now,
    });
    // And the NE has a task the ADMF does not know.
    const stranger = uuid();
    await h.ne.send([req('ActivateTaskRequest', { taskDetails: task(stranger, [did]) })]);

    await h.running.close();
    restarted = await admfHarness({ reconcileOnStart: true }, { dataDir: h.dataDir });
    const a2 = restarted.running.admf;
    await until('reconciliation after the restart', async () => (await lastDrift(a2, 'ne-1')) !== undefined);
    const drift = (await lastDrift(a2, 'ne-1'))!;
    assert.equal(drift.inSync, false);
    assert.deepEqual(drift.tasks, {
      unknownOnNe: [stranger],
      missingFromNe: [neverSent],
      different: [changed],
    });
    assert.deepEqual(drift.destinations, { unknownOnNe: [], missingFromNe: [], different: [] });
    assert.equal((await a2.store.getTask(lostAnswer))?.state, 'active', 'the lost answer is settled');
    assert.equal((await a2.store.getTask(kept))?.state, 'active');

    const healed = await heal(a2, 'ne-1');
    assert.deepEqual(
      healed.actions.map((x) => [x.action, x.outcome]),
      [
        ['ActivateTask', 'ok'],
        ['ModifyTask', 'ok'],
        ['DeactivateTask', 'ok'],
      ],
    );
    assert.equal(healed.after.inSync, true);
    assert.deepEqual(h.ne.store.listXids().sort(), [kept, changed, lostAnswer, neverSent].sort());
    assert.equal(
      h.ne.store.getTask(changed)?.details.correlationID,
      undefined,
      'the desired details are back',
    );
    assert.equal((await a2.store.getTask(neverSent))?.state, 'active');
    const audit = await a2.store.readAudit({ neId: 'ne-1' });
    assert.ok(audit.some((x) => x.action === 'Reconcile' && x.actor === 'system'));
    assert.ok(audit.some((x) => x.action === 'HealDeactivateTask'));
  } finally {
    await h.ne.close();
    await restarted?.close();
  }
});

test('the NE restarts empty: the ADMF sees it return and, by its heal policy, provisions it again', async () => {
  const h = await admfWithNe({}, { heal: 'auto' });
  try {
    const { admf } = h.running;
    const did = uuid();
    const xid = uuid();
    await createDestination(admf, 'ne-1', destination(did));
    await activateTask(admf, 'ne-1', task(xid, [did]));
    const port = Number(new URL(h.ne.url!).port);
    await h.ne.close();

    await assert.rejects(admf.send('ne-1', { type: 'PingRequest' }), /ECONNREFUSED|connection/);
    assert.equal(admf.health('ne-1').reachable, false);

    const ne2 = await neHarness({ admfUrl: h.running.x1Url, listenPort: port }, { transport: 'https' });
    try {
      assert.deepEqual(ne2.store.listXids(), [], 'the NE came back without its state');
      const ping = await admf.send('ne-1', { type: 'PingRequest' });
      assert.equal(ping.response.type, 'PingResponse');
      assert.equal(admf.health('ne-1').reachable, true);
      await until('the NE healed', () => ne2.store.listXids().includes(xid));
      assert.ok(ne2.store.getDestination(did));
      await until('drift cleared', async () => (await lastDrift(admf, 'ne-1'))?.inSync === true);
      const drift = await reconcile(admf, 'ne-1');
      assert.equal(drift.inSync, true);
    } finally {
      await ne2.close();
    }
  } finally {
    await h.running.close();
  }
});

test('an NE that was down is probed and, when it answers again, reconciled without anyone tasking it', async () => {
  const h = await admfWithNe({}, {}, { probeIntervalMs: 30_000 });
  try {
    const { admf } = h.running;
    const did = uuid();
    await createDestination(admf, 'ne-1', destination(did));
    const port = Number(new URL(h.ne.url!).port);
    await h.ne.close();
    // Something fails against it (an operator action, a reconciliation): now it is known unreachable.
    await assert.rejects(admf.send('ne-1', { type: 'GetNEStatusRequest' }));
    assert.equal(admf.health('ne-1').reachable, false);
    await h.clock.advance(30_000);
    assert.equal(admf.health('ne-1').reachable, false, 'probed, still down');
    const ne2 = await neHarness({ admfUrl: h.running.x1Url, listenPort: port }, { transport: 'https' });
    try {
      await h.clock.advance(30_000);
      await until(
        'the NE seen back and reconciled',
        async () => (await lastDrift(admf, 'ne-1')) !== undefined,
      );
      assert.equal(admf.health('ne-1').reachable, true);
      const drift = (await lastDrift(admf, 'ne-1'))!;
      assert.deepEqual(drift.destinations.missingFromNe, [did], 'the empty NE is missing its destination');
      assert.ok(ne2.store.getDestination(did) === undefined, 'manual heal policy: nothing changed at the NE');
    } finally {
      await ne2.close();
    }
  } finally {
    await h.running.close();
  }
});
