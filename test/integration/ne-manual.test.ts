// Manual tasking with `lix ne task|destination|audit` against the data directory of a running NE: audited,
// followed by the NE, visible to the ADMF with its own XID, stoppable over X1; an X1 task removed by hand is
// reported as a terminating fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { neHarness } from '../support/ne-harness.js';
import { req, uuid } from '../support/x1-builders.js';

test('manual tasks: added by hand, followed by the NE, listed, stoppable over X1, audited', async () => {
  const h = await neHarness();
  try {
    const add = runCli([
      'ne',
      'destination',
      'add',
      '--data',
      h.dataDir,
      '--uri',
      'eep+udp://127.0.0.1:9060',
      '--reason',
      'lab',
    ]);
    assert.equal(add.status, 0, add.stderr);
    const did = add.stdout.trim();
    const t = runCli([
      'ne',
      'task',
      'add',
      '--data',
      h.dataDir,
      '--target',
      'sipUri=sip:bob@example.net',
      '--target',
      'callPartyRole=Originating',
      '--did',
      did,
      '--reason',
      'warrant 42',
    ]);
    assert.equal(t.status, 0, t.stderr);
    const xid = t.stdout.trim();
    assert.match(xid, /^[0-9a-f-]{36}$/);
    await h.ne.pollManualChanges();
    assert.ok(h.dataPlane.tasks.has(xid), 'the NE applied the manual task');
    assert.equal(h.store.getTask(xid)?.status.provisioningStatus, 'complete');
    const warning = h.store.pendingReports(10).find((r) => r.kind === 'ReportNEIssue');
    assert.match(JSON.stringify(warning?.body), new RegExp(`task ${xid} was created by manual action`));
    const [list] = await h.send([req('ListAllDetailsRequest', {})]);
    assert.ok(list?.type === 'ListAllDetailsResponse' && list.ListOfXIDs.includes(xid));
    const [stop] = await h.send([req('DeactivateTaskRequest', { xId: xid })]);
    assert.equal(stop?.type, 'DeactivateTaskResponse');
    assert.ok(!h.dataPlane.tasks.has(xid));
    const listing = runCli(['ne', 'task', 'list', '--data', h.dataDir]);
    assert.doesNotMatch(listing.stdout, new RegExp(xid));
    const audit = runCli(['ne', 'audit', '--data', h.dataDir, '--json']);
    const rows = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actor: string; action: string; xid?: string; detail?: string });
    assert.ok(
      rows.some(
        (r) =>
          r.actor === 'manual' &&
          r.action === 'ManualActivateTask' &&
          r.xid === xid &&
          r.detail === 'warrant 42',
      ),
    );
    assert.ok(rows.some((r) => r.actor === 'manual' && r.action === 'ManualCreateDestination'));
  } finally {
    await h.close();
  }
});

test('an X1 task removed by hand ends with a terminating fault reported to the ADMF', async () => {
  const h = await neHarness();
  try {
    const { xid } = await h.provision();
    const r = runCli(['ne', 'task', 'remove', xid, '--data', h.dataDir, '--reason', 'operator error']);
    assert.equal(r.status, 0, r.stderr);
    await h.ne.pollManualChanges();
    assert.ok(!h.dataPlane.tasks.has(xid));
    const report = h.store.pendingReports(10).find((x) => x.kind === 'ReportTaskIssue');
    const body = report?.body as
      { xId: string; taskReportType: string; taskIssueDetails: string } | undefined;
    assert.deepEqual([body?.xId, body?.taskReportType], [xid, 'TerminatingFault']);
    assert.match(body?.taskIssueDetails ?? '', /deleted by manual action/);
  } finally {
    await h.close();
  }
});

test('bad manual input is refused with a clear message and changes nothing', async () => {
  const h = await neHarness();
  try {
    const badTarget = runCli([
      'ne',
      'task',
      'add',
      '--data',
      h.dataDir,
      '--target',
      'imsi=12',
      '--did',
      uuid(),
      '--reason',
      'x',
    ]);
    assert.equal(badTarget.status, 1);
    assert.match(badTarget.stderr, /IMSI/);
    const unknownKind = runCli([
      'ne',
      'task',
      'add',
      '--data',
      h.dataDir,
      '--target',
      'phone=1',
      '--did',
      uuid(),
      '--reason',
      'x',
    ]);
    assert.match(unknownKind.stderr, /KIND=VALUE/);
    const noDid = runCli([
      'ne',
      'task',
      'add',
      '--data',
      h.dataDir,
      '--target',
      'imsi=001010123456789',
      '--did',
      uuid(),
      '--reason',
      'x',
    ]);
    assert.match(noDid.stderr, /DidDoesNotExist/);
    const badUri = runCli([
      'ne',
      'destination',
      'add',
      '--data',
      h.dataDir,
      '--uri',
      'http://example.net/',
      '--reason',
      'x',
    ]);
    assert.match(badUri.stderr, /DeliveryAddressUnusable/);
    assert.equal(h.store.countTasks(), 0);
    assert.equal(h.store.listDestinations().length, 0);
  } finally {
    await h.close();
  }
});
