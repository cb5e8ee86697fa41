import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neHarness } from '../../test/support/ne-harness.js';
import { req } from '../../test/support/x1-builders.js';

test('a task fault shows in every status answer until cleared, and both are reported once', async () => {
  const h = await neHarness();
  try {
    const { xid } = await h.provision();
    const scope = { kind: 'task' as const, id: xid };
    const fault = { errorCode: 9020, errorDescription: 'destination unreachable' };
    h.ne.ctx.issues.fault(scope, fault);
    h.ne.ctx.issues.fault(scope, fault);
    const faultsOf = async () => {
      const [r] = await h.send([req('GetTaskDetailsRequest', { xId: xid })]);
      assert.ok(r?.type === 'GetTaskDetailsResponse');
      return r.taskResponseDetails.taskStatus.listOfFaults;
    };
    assert.deepEqual(await faultsOf(), [fault]);
    const [all] = await h.send([req('GetAllDetailsRequest', {})]);
    assert.ok(all?.type === 'GetAllDetailsResponse');
    assert.deepEqual(all.listOfTaskResponseDetails[0]!.taskStatus.listOfFaults, [fault]);
    h.ne.ctx.issues.warn(scope, 'payload too large, compressed');
    assert.deepEqual(await faultsOf(), [fault], 'a warning is never shown in status');
    h.ne.ctx.issues.clear(scope, 9020, 'destination reachable again');
    h.ne.ctx.issues.clear(scope, 9020, 'destination reachable again');
    assert.deepEqual(await faultsOf(), []);
    const types = h.store
      .pendingReports(10)
      .map((r) => (r.body as { taskReportType: string }).taskReportType);
    assert.deepEqual(types, ['NonTerminatingFault', 'Warning', 'AllClear']);
  } finally {
    await h.close();
  }
});

test('NE faults make GetNEStatus say Faults until cleared', async () => {
  const h = await neHarness();
  try {
    const scope = { kind: 'ne' as const, id: 'ne-1' };
    h.ne.ctx.issues.fault(scope, { errorCode: 9020, errorDescription: 'probe interface down' });
    const [r] = await h.send([req('GetNEStatusRequest', {})]);
    assert.ok(r?.type === 'GetNEStatusResponse' && r.neStatusDetails.neStatus === 'Faults');
    h.ne.ctx.issues.clear(scope, 9020, 'probe interface up');
    const [r2] = await h.send([req('GetNEStatusRequest', {})]);
    assert.ok(r2?.type === 'GetNEStatusResponse' && r2.neStatusDetails.neStatus === 'OK');
    const kinds = h.store
      .pendingReports(10)
      .map((x) => (x.body as { typeOfNeIssueMessage: string }).typeOfNeIssueMessage);
    assert.deepEqual(kinds, ['FaultReport', 'FaultCleared']);
  } finally {
    await h.close();
  }
});
