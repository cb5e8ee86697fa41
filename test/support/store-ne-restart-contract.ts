/**
 * The `NeStore` contract, part two: what was written is there after the store is closed and opened
 * again — every kind of state at once, and random valid task and destination details (fast-check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { NeStore } from '../../src/store/ne-store.js';
import type { DestinationDetails, TaskDetails } from '../../src/x1/model.js';
import { destinationDetailsArb, taskDetailsArb } from './x1-arbitraries.js';
import { richDestination, richTask, T0, T1, T2, type NeStoreFactory } from './store-ne-fixtures.js';

/** Everything a store holds, read back in one plain object (so two snapshots compare with deepEqual). */
export function snapshot(s: NeStore) {
  return {
    tasks: s.listTasks(),
    xids: s.listXids(),
    count: s.countTasks(),
    fragments: [...s.iterateTaskFragments()],
    destinations: s.listDestinations(),
    taskFaults: s.faultsByScope('task'),
    destinationFaults: s.faultsByScope('destination'),
    neFaults: s.faultsByScope('ne'),
    outbox: s.pendingReports(1000),
    audit: s.readAudit({ limit: 1000 }),
    lastAuditId: s.lastAuditId(),
    meta: s.getMeta('lastKeepalive'),
  };
}

/** Writes some of every kind of state; returns the DID the tasks use. */
export function writeEverything(s: NeStore): string {
  const [did, other] = [randomUUID(), randomUUID()];
  const [a, b] = [randomUUID(), randomUUID()];
  s.insertDestination(richDestination(did));
  s.insertDestination(richDestination(other));
  s.setDestinationDeliveryStatus(other, 'deliveryFault');
  s.insertTask({
    details: richTask(a, [did], [other]),
    origin: 'x1',
    provisioningStatus: 'complete',
    at: T0,
  });
  s.insertTask({
    details: richTask(b, [did]),
    origin: 'manual',
    provisioningStatus: 'awaitingProvisioning',
    at: T0,
  });
  s.replaceTask(richTask(b, [did, other]), T1);
  s.addInterceptCounters([{ xid: a, x2Bytes: 1234, x3Bytes: 99, at: T2 }]);
  s.addFault({ kind: 'task', id: a }, { errorCode: 9020, errorDescription: 'delivery slow' });
  s.addFault({ kind: 'destination', id: other }, { errorCode: 6020, errorDescription: 'unreachable' });
  s.addFault({ kind: 'ne', id: 'ne' }, { errorCode: 1000, errorDescription: 'disk nearly full' });
  const r = s.enqueueReport({ kind: 'ReportTaskIssue', body: { xId: a, taskReportType: 'Warning' }, at: 5 });
  s.recordReportAttempt(r, 'ECONNREFUSED', 6);
  s.enqueueReport({ kind: 'ReportNEIssue', body: { typeOfNeIssueMessage: 'FaultReport' }, at: 7 });
  s.appendAudit({
    at: 8,
    actor: 'x1',
    action: 'ActivateTaskRequest',
    outcome: 'ok',
    xid: a,
    transactionId: r.toString(),
  });
  s.appendAudit({ at: 9, actor: 'manual', action: 'add-task', outcome: 'ok', xid: b, detail: 'by hand' });
  s.setMeta('lastKeepalive', '2026-11-22T10:00:00Z');
  return did;
}

export function neStoreRestartContract(name: string, f: NeStoreFactory): void {
  test(`${name}: restart — tasks, destinations, faults, counters, outbox, audit and state come back`, () => {
    const s = f.open();
    let before;
    let did;
    try {
      did = writeEverything(s);
      before = snapshot(s);
    } finally {
      s.close();
    }
    const again = f.reopen();
    try {
      assert.deepEqual(snapshot(again), before);
      assert.equal(again.tasksUsingDestination(did).length, 2);
    } finally {
      again.close();
    }
  });

  test(`${name}: random valid task and destination details are equal after reopening (fast-check)`, () => {
    const s = f.open();
    const tasks: TaskDetails[] = [];
    const destinations: DestinationDetails[] = [];
    try {
      fc.assert(
        fc.property(taskDetailsArb('rich'), destinationDetailsArb('rich'), (t, d) => {
          if (s.getTask(t.xId) || s.getDestination(d.dId)) return;
          s.insertTask({ details: t, origin: 'x1', provisioningStatus: 'complete', at: T0 });
          s.insertDestination(d);
          assert.deepEqual(s.getTask(t.xId)?.details, t);
          assert.deepEqual(s.getDestination(d.dId)?.details, d);
          tasks.push(t);
          destinations.push(d);
        }),
        { numRuns: 150 },
      );
    } finally {
      s.close();
    }
    const again = f.reopen();
    try {
      for (const t of tasks) assert.deepEqual(again.getTask(t.xId)?.details, t);
      for (const d of destinations) assert.deepEqual(again.getDestination(d.dId)?.details, d);
      assert.equal(again.countTasks(), tasks.length);
    } finally {
      again.close();
    }
  });
}
