/**
 * The `NeStore` contract, part two: destinations, faults, the report outbox, the audit log and the
 * key/value state (part one: store-ne-contract.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultScope } from '../../src/store/ne-store.js';
import {
  fault,
  isStoreError,
  richDestination,
  richTask,
  smallDestination,
  smallTask,
  T0,
  uuid,
  withStore,
  type NeStoreFactory,
} from './store-ne-fixtures.js';

export function neStoreRecordContract(name: string, f: NeStoreFactory): void {
  destinationContract(name, f);
  faultContract(name, f);
  outboxAuditMetaContract(name, f);
}

function destinationContract(name: string, f: NeStoreFactory): void {
  test(`${name}: destinations round-trip, are replaced whole and keep their status`, () =>
    withStore(f, (s) => {
      const [a, b] = [uuid(), uuid()];
      s.insertDestination(richDestination(a));
      s.insertDestination(smallDestination(b));
      assert.throws(() => s.insertDestination(smallDestination(a)), isStoreError('AlreadyExists'));
      assert.deepEqual(s.getDestination(a), {
        details: richDestination(a),
        deliveryStatus: 'activeAndWorking',
      });
      assert.equal(s.getDestination(uuid()), undefined);
      assert.equal(s.setDestinationDeliveryStatus(a, 'deliveryFault'), true);
      assert.equal(s.setDestinationDeliveryStatus(uuid(), 'deliveryFault'), false);
      assert.equal(s.replaceDestination(smallDestination(a)), true);
      assert.deepEqual(s.getDestination(a), {
        details: smallDestination(a),
        deliveryStatus: 'deliveryFault',
      });
      assert.equal(s.replaceDestination(smallDestination(uuid())), false);
      assert.deepEqual(
        s
          .listDestinations()
          .map((d) => d.details.dId)
          .sort(),
        [a, b].sort(),
      );
    }));

  test(`${name}: deleting destinations removes their faults`, () =>
    withStore(f, (s) => {
      const [a, b, c] = [uuid(), uuid(), uuid()];
      for (const d of [a, b, c]) s.insertDestination(smallDestination(d));
      s.addFault({ kind: 'destination', id: a }, fault(1));
      s.addFault({ kind: 'destination', id: b }, fault(2));
      assert.equal(s.deleteDestination(a), true);
      assert.equal(s.deleteDestination(a), false);
      assert.deepEqual(s.listFaults({ kind: 'destination', id: a }), []);
      assert.deepEqual(s.listFaults({ kind: 'destination', id: b }), [fault(2)]);
      assert.equal(s.deleteAllDestinations(), 2);
      assert.deepEqual(s.listDestinations(), []);
      assert.deepEqual(s.faultsByScope('destination'), new Map());
    }));

  test(`${name}: tasksUsingDestination sees listOfDIDs and mediation listOfDIDs`, () =>
    withStore(f, (s) => {
      const [d1, d2, d3] = [uuid(), uuid(), uuid()];
      const [x1, x2, x3] = [uuid(), uuid(), uuid()].sort();
      s.insertTask({
        details: richTask(x2!, [d1], [d2]),
        origin: 'x1',
        provisioningStatus: 'complete',
        at: T0,
      });
      s.insertTask({
        details: smallTask(x1!, [d1, d1]),
        origin: 'x1',
        provisioningStatus: 'complete',
        at: T0,
      });
      s.insertTask({
        details: richTask(x3!, [], [d2, d1]),
        origin: 'x1',
        provisioningStatus: 'complete',
        at: T0,
      });
      assert.deepEqual(s.tasksUsingDestination(d1), [x1, x2, x3]);
      assert.deepEqual(s.tasksUsingDestination(d2), [x2, x3]);
      assert.deepEqual(s.tasksUsingDestination(d3), []);
    }));
}

function faultContract(name: string, f: NeStoreFactory): void {
  test(`${name}: faults are kept per scope until cleared`, () =>
    withStore(f, (s) => {
      const id = uuid();
      const task: FaultScope = { kind: 'task', id };
      const dest: FaultScope = { kind: 'destination', id };
      const ne: FaultScope = { kind: 'ne', id: 'ne' };
      s.addFault(task, fault(9020, 'first'));
      s.addFault(task, fault(9010));
      s.addFault(task, fault(9020, 'second'));
      s.addFault(dest, fault(6020));
      s.addFault(ne, fault(1000));
      assert.deepEqual(s.listFaults(task), [fault(9010), fault(9020, 'second')]);
      assert.deepEqual(s.listFaults(dest), [fault(6020)]);
      assert.deepEqual(s.faultsByScope('task'), new Map([[id, [fault(9010), fault(9020, 'second')]]]));
      assert.equal(s.clearFault(task, 9020), true);
      assert.equal(s.clearFault(task, 9020), false);
      assert.deepEqual(s.listFaults(task), [fault(9010)]);
      assert.deepEqual(s.listFaults(ne), [fault(1000)]);
    }));
}

function outboxAuditMetaContract(name: string, f: NeStoreFactory): void {
  test(`${name}: the outbox is first in first out and keeps attempts`, () =>
    withStore(f, (s) => {
      const body = { xId: uuid(), taskReportType: 'TerminatingFault', taskIssueErrorCodes: [9030] };
      const a = s.enqueueReport({ kind: 'ReportTaskIssue', body, at: 1000 });
      const b = s.enqueueReport({
        kind: 'ReportNEIssue',
        body: { typeOfNeIssueMessage: 'Warning' },
        at: 2000,
      });
      const c = s.enqueueReport({ kind: 'ReportDestinationIssue', body: { dId: uuid() } });
      assert.ok(a < b && b < c);
      assert.deepEqual(
        s.pendingReports(2).map((r) => r.id),
        [a, b],
      );
      assert.deepEqual(s.pendingReports(1)[0], {
        id: a,
        kind: 'ReportTaskIssue',
        body,
        attempts: 0,
        lastError: undefined,
        enqueuedAt: 1000,
        nextAttemptAt: undefined,
      });
      s.recordReportAttempt(a, 'ECONNREFUSED', 5000);
      s.recordReportAttempt(a, 'no answer within TIME2');
      const head = s.pendingReports(1)[0];
      assert.equal(head?.attempts, 2);
      assert.equal(head?.lastError, 'no answer within TIME2');
      assert.equal(head?.nextAttemptAt, undefined);
      assert.equal(s.markReportSent(a), true);
      assert.equal(s.markReportSent(a), false);
      assert.deepEqual(
        s.pendingReports(10).map((r) => r.id),
        [b, c],
      );
      assert.equal(typeof s.pendingReports(10)[1]?.enqueuedAt, 'number');
      assert.throws(() => s.pendingReports(-1), isStoreError('InvalidInput'));
    }));

  test(`${name}: the audit log appends and reads in pages`, () =>
    withStore(f, (s) => {
      assert.equal(s.lastAuditId(), 0);
      const full = {
        at: 1,
        actor: 'x1' as const,
        action: 'ActivateTaskRequest',
        outcome: 'ok' as const,
        xid: uuid(),
        did: uuid(),
        transactionId: uuid(),
        detail: 'd',
      };
      const id1 = s.appendAudit(full);
      const id2 = s.appendAudit({ at: 2, actor: 'system', action: 'keepalive-lost', outcome: 'error' });
      const id3 = s.appendAudit({ at: 3, actor: 'manual', action: 'add-task', outcome: 'ok' });
      assert.ok(id1 < id2 && id2 < id3);
      assert.equal(s.lastAuditId(), id3);
      assert.deepEqual(s.readAudit(), [
        { id: id1, ...full },
        { id: id2, at: 2, actor: 'system', action: 'keepalive-lost', outcome: 'error' },
        { id: id3, at: 3, actor: 'manual', action: 'add-task', outcome: 'ok' },
      ]);
      assert.deepEqual(
        s.readAudit({ sinceId: id1, limit: 1 }).map((r) => r.id),
        [id2],
      );
      assert.deepEqual(s.readAudit({ sinceId: id3 }), []);
    }));

  test(`${name}: key/value state`, () =>
    withStore(f, (s) => {
      assert.equal(s.getMeta('lastKeepalive'), undefined);
      s.setMeta('lastKeepalive', '1');
      s.setMeta('lastKeepalive', '2');
      s.setMeta('certWarned', '');
      assert.equal(s.getMeta('lastKeepalive'), '2');
      assert.equal(s.getMeta('certWarned'), '');
    }));
}
