// The NE's task state has one owner (src/ne/task-state.ts). Regressions of the field: a late "activation
// completed" for a task deactivated meanwhile (in either order of the data plane's outcomes), and a manual
// removal whose free-text reason said "origin=x1" raising a false TerminatingFault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDestinationByHand, addManualTask, removeTaskByHand } from '../../src/ne/manual.js';
import { openNeStore } from '../../src/store/sqlite-ne-store.js';
import { neHarness, type NeHarness } from '../support/ne-harness.js';
import { destination, req, task, uuid } from '../support/x1-builders.js';

/** The task reports queued for the ADMF, as `xid type details`. */
function taskReports(h: NeHarness): string[] {
  return h.store
    .pendingReports(100)
    .filter((r) => r.kind === 'ReportTaskIssue')
    .map((r) => {
      const b = r.body as { xId: string; taskReportType: string; taskIssueDetails: string };
      return `${b.xId} ${b.taskReportType} ${b.taskIssueDetails}`;
    });
}

async function answer(h: NeHarness, p: Promise<unknown>): Promise<string> {
  const [r] = (await p) as { oK?: string; type: string }[];
  return r?.oK ?? r?.type ?? '';
}

test('a slow activation that completes after its deactivation was acknowledged reports nothing', async () => {
  const h = await neHarness({}, { delayMs: 10_000 });
  try {
    const did = uuid();
    const xid = uuid();
    await h.send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
    const activation = h.send([req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })]);
    await h.clock.advance(4_000);
    assert.equal(await answer(h, activation), 'Acknowledged');
    const deactivation = h.send([req('DeactivateTaskRequest', { xId: xid })]);
    await h.clock.advance(4_000);
    assert.equal(await answer(h, deactivation), 'Acknowledged');
    assert.equal(h.store.getTask(xid)?.pending, 'deactivate');
    await h.clock.advance(2_000); // the activation completes (t = 10 s) while the deactivation runs
    assert.deepEqual(taskReports(h), [], 'no "activation completed" for a task being deactivated');
    assert.equal(h.store.getTask(xid)?.status.provisioningStatus, 'awaitingProvisioning');
    await h.clock.advance(10_000); // the deactivation completes
    assert.deepEqual(taskReports(h), [`${xid} FullyActionedAndSuccessful deactivation completed`]);
    assert.equal(h.store.getTask(xid), undefined);
    assert.equal(h.dataPlane.tasks.has(xid), false);
    assert.equal(h.ne.ctx.tasks.counters.staleOutcomes, 1);
  } finally {
    await h.close();
  }
});

test('an activation that completes after its deactivation finished is taken out of the data plane', async () => {
  const h = await neHarness({}, { delayMs: 10_000 });
  try {
    const did = uuid();
    const xid = uuid();
    await h.send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
    const activation = h.send([req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })]);
    await h.clock.advance(4_000);
    assert.equal(await answer(h, activation), 'Acknowledged');
    h.dataPlane.delayMs = 100;
    const deactivation = h.send([req('DeactivateTaskRequest', { xId: xid })]);
    await h.clock.advance(100);
    assert.equal(await answer(h, deactivation), 'AcknowledgedAndCompleted');
    assert.equal(h.store.getTask(xid), undefined);
    await h.clock.advance(6_000); // the activation completes now, after the task ended
    await h.clock.advance(200);
    assert.deepEqual(taskReports(h), [], 'no report for a task that ended');
    assert.equal(h.dataPlane.tasks.has(xid), false, 'nothing intercepted for the ended task');
  } finally {
    await h.close();
  }
});

test('a manual removal reports a terminating fault for X1 tasks only, whatever its reason says', async () => {
  const h = await neHarness();
  // The CLI writes from another process: another connection to the same file.
  const cli = openNeStore(h.dataDir);
  try {
    const did = addDestinationByHand(
      cli,
      { deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' }, deliveryType: 'X2Only' },
      'lab',
    );
    await h.ne.pollManualChanges();
    const manual = addManualTask(cli, {
      targets: [{ kind: 'sipUri', value: 'sip:bob@example.net' }],
      dids: [did],
      reason: 'warrant 7',
    });
    const x1 = uuid();
    await h.send([req('ActivateTaskRequest', { taskDetails: task(x1, [did]) })]);
    await h.ne.pollManualChanges();
    assert.equal(h.store.getTask(manual)?.status.provisioningStatus, 'complete');
    removeTaskByHand(cli, manual, 'origin=x1; typed by an operator');
    removeTaskByHand(cli, x1, 'end of warrant');
    await h.ne.pollManualChanges();
    assert.deepEqual(taskReports(h), [`${x1} TerminatingFault deleted by manual action on the NE`]);
    const rows = h.store.readAudit().filter((r) => r.action === 'ManualRemoveTask');
    assert.deepEqual(
      rows.map((r) => [r.xid, r.taskOrigin, r.detail]),
      [
        [manual, 'manual', 'origin=x1; typed by an operator'],
        [x1, 'x1', 'end of warrant'],
      ],
    );
  } finally {
    cli.close();
    await h.close();
  }
});
