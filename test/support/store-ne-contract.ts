/**
 * The {@link NeStore} contract: one suite every implementation runs (today SQLite). `open()` gives an empty
 * store; `reopen()` opens the store last opened again (its previous handle closed by the suite), so the suite
 * also checks that what it wrote is still there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FaultScope, NeStore } from '../../src/store/ne-store.js';
import { StoreError } from '../../src/store/store-errors.js';
import { richDestination, richTask, smallDestination, smallTask, T0, T1, T2 } from './store-ne-fixtures.js';

export interface NeStoreFactory {
  open(): NeStore;
  reopen(): NeStore;
}

const uuid = () => randomUUID();
const isStoreError = (kind: StoreError['kind']) => (e: unknown) => e instanceof StoreError && e.kind === kind;
const fault = (code: number, text = `fault ${code}`) => ({ errorCode: code, errorDescription: text });

/** Runs `fn` on a fresh store and closes it afterwards. */
function withStore(f: NeStoreFactory, fn: (s: NeStore) => void): void {
  const s = f.open();
  try {
    fn(s);
  } finally {
    s.close();
  }
}

export function neStoreContract(name: string, f: NeStoreFactory): void {
  taskContract(name, f);
  destinationContract(name, f);
  faultContract(name, f);
  outboxAuditMetaContract(name, f);
  transactionContract(name, f);
}

function taskContract(name: string, f: NeStoreFactory): void {
  test(`${name}: a task with every optional field round-trips, also after reopening`, () => {
    const [xid, did, mdid] = [uuid(), uuid(), uuid()];
    const details = richTask(xid, [did], [mdid]);
    withStore(f, (s) => {
      assert.equal(s.getTask(xid), undefined);
      s.insertTask({ details, origin: 'manual', provisioningStatus: 'awaitingProvisioning', at: T0 });
    });
    const s = f.reopen();
    try {
      assert.deepEqual(s.getTask(xid), {
        details,
        origin: 'manual',
        createdAt: T0,
        status: {
          provisioningStatus: 'awaitingProvisioning',
          amountOfX2Data: 0,
          amountOfX3Data: 0,
          numberOfModifications: 0,
        },
      });
      const [fragment] = [...s.iterateTaskFragments()];
      assert.equal(fragment?.xid, xid);
      assert.match(fragment?.taskDetailsXml ?? '', new RegExp(`<[^>]*xId>${xid}<`));
    } finally {
      s.close();
    }
  });

  test(`${name}: inserting an existing XID throws AlreadyExists and keeps the first`, () =>
    withStore(f, (s) => {
      const xid = uuid();
      s.insertTask({ details: smallTask(xid, []), origin: 'x1', provisioningStatus: 'complete', at: T0 });
      const other = { ...smallTask(xid, [uuid()]), deliveryType: 'X3Only' as const };
      assert.throws(
        () => s.insertTask({ details: other, origin: 'x1', provisioningStatus: 'complete', at: T1 }),
        isStoreError('AlreadyExists'),
      );
      assert.deepEqual(s.getTask(xid)?.details, smallTask(xid, []));
      assert.deepEqual(s.tasksUsingDestination(other.listOfDIDs.dIds[0]!), []);
    }));

  test(`${name}: list, iterate, XIDs and count follow insertion order`, () =>
    withStore(f, (s) => {
      const xids = [uuid(), uuid(), uuid()];
      assert.equal(s.countTasks(), 0);
      assert.deepEqual(s.listTasks(), []);
      for (const x of xids)
        s.insertTask({ details: smallTask(x, []), origin: 'x1', provisioningStatus: 'complete', at: T0 });
      assert.equal(s.countTasks(), 3);
      assert.deepEqual(s.listXids(), xids);
      assert.deepEqual(
        s.listTasks().map((t) => t.details.xId),
        xids,
      );
      assert.deepEqual(
        [...s.iterateTasks()].map((t) => t.details.xId),
        xids,
      );
      assert.deepEqual(
        [...s.iterateTaskFragments()].map((t) => t.xid),
        xids,
      );
    }));

  test(`${name}: replaceTask is a whole replacement that counts modifications`, () =>
    withStore(f, (s) => {
      const [xid, d1, d2] = [uuid(), uuid(), uuid()];
      s.insertTask({ details: richTask(xid, [d1]), origin: 'x1', provisioningStatus: 'complete', at: T0 });
      const next = smallTask(xid, [d2]);
      assert.equal(s.replaceTask(next, T1), true);
      assert.equal(s.replaceTask(next, T2), true);
      const t = s.getTask(xid);
      assert.deepEqual(t?.details, next, 'no field of the old details survives');
      assert.equal(t?.status.numberOfModifications, 2);
      assert.equal(t?.status.timeOfLastModification, T2);
      assert.equal(t?.createdAt, T0);
      assert.deepEqual(s.tasksUsingDestination(d1), []);
      assert.deepEqual(s.tasksUsingDestination(d2), [xid]);
      const ghost = uuid();
      assert.equal(s.replaceTask(smallTask(ghost, [d2]), T1), false);
      assert.equal(s.getTask(ghost), undefined);
      assert.deepEqual(s.tasksUsingDestination(d2), [xid]);
    }));

  test(`${name}: provisioning status and intercept counters`, () =>
    withStore(f, (s) => {
      const [a, b] = [uuid(), uuid()];
      for (const x of [a, b])
        s.insertTask({
          details: smallTask(x, []),
          origin: 'x1',
          provisioningStatus: 'awaitingProvisioning',
          at: T0,
        });
      assert.equal(s.setProvisioningStatus(a, 'complete'), true);
      assert.equal(s.setProvisioningStatus(uuid(), 'failed'), false);
      s.addInterceptCounters([
        { xid: a, x2Bytes: 100, at: T1 },
        { xid: a, x2Bytes: 50, x3Bytes: 7, at: T2 },
        { xid: b, x2Bytes: 1, x3Bytes: 2 ** 40, at: T1 },
        { xid: uuid(), x2Bytes: 9, at: T1 },
      ]);
      assert.deepEqual(s.getTask(a)?.status, {
        provisioningStatus: 'complete',
        timeOfLastIntercept: T2,
        amountOfX2Data: 150,
        amountOfX3Data: 7,
        numberOfModifications: 0,
      });
      assert.equal(s.getTask(b)?.status.amountOfX3Data, 2 ** 40);
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
        assert.throws(
          () =>
            s.addInterceptCounters([
              { xid: a, x2Bytes: 1, at: T2 },
              { xid: b, x2Bytes: bad, at: T2 },
            ]),
          isStoreError('InvalidInput'),
        );
      }
      assert.equal(s.getTask(a)?.status.amountOfX2Data, 150, 'a refused batch changes nothing');
    }));

  test(`${name}: deleteTask removes the task, its faults and its DID links`, () =>
    withStore(f, (s) => {
      const [a, b, did] = [uuid(), uuid(), uuid()];
      for (const x of [a, b])
        s.insertTask({ details: smallTask(x, [did]), origin: 'x1', provisioningStatus: 'complete', at: T0 });
      s.addFault({ kind: 'task', id: a }, fault(9030));
      s.addFault({ kind: 'task', id: b }, fault(9020));
      assert.equal(s.deleteTask(a), true);
      assert.equal(s.deleteTask(a), false);
      assert.equal(s.getTask(a), undefined);
      assert.deepEqual(s.listFaults({ kind: 'task', id: a }), []);
      assert.deepEqual(s.listFaults({ kind: 'task', id: b }), [fault(9020)]);
      assert.deepEqual(s.tasksUsingDestination(did), [b]);
    }));

  test(`${name}: deleteAllTasks returns the XIDs and leaves destination and NE faults`, () =>
    withStore(f, (s) => {
      const [a, b, did] = [uuid(), uuid(), uuid()];
      s.insertDestination(smallDestination(did));
      for (const x of [a, b])
        s.insertTask({ details: smallTask(x, [did]), origin: 'x1', provisioningStatus: 'complete', at: T0 });
      s.addFault({ kind: 'task', id: a }, fault(1));
      s.addFault({ kind: 'destination', id: did }, fault(2));
      s.addFault({ kind: 'ne', id: 'ne' }, fault(3));
      assert.deepEqual(s.deleteAllTasks(), [a, b]);
      assert.deepEqual(s.deleteAllTasks(), []);
      assert.equal(s.countTasks(), 0);
      assert.deepEqual(s.tasksUsingDestination(did), []);
      assert.deepEqual(s.faultsByScope('task'), new Map());
      assert.deepEqual(s.listFaults({ kind: 'destination', id: did }), [fault(2)]);
      assert.deepEqual(s.listFaults({ kind: 'ne', id: 'ne' }), [fault(3)]);
    }));
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

function transactionContract(name: string, f: NeStoreFactory): void {
  test(`${name}: a transaction commits everything or nothing`, () =>
    withStore(f, (s) => {
      const [xid, did] = [uuid(), uuid()];
      s.insertDestination(smallDestination(did));
      s.insertTask({ details: smallTask(xid, [did]), origin: 'x1', provisioningStatus: 'complete', at: T0 });
      s.addFault({ kind: 'task', id: xid }, fault(9020));
      const before = s.lastAuditId();
      assert.throws(
        () =>
          s.transaction(() => {
            assert.equal(s.deleteTask(xid), true);
            s.deleteDestination(did);
            s.enqueueReport({ kind: 'ReportTaskIssue', body: { xId: xid } });
            s.appendAudit({ at: 1, actor: 'x1', action: 'DeactivateTaskRequest', outcome: 'ok', xid });
            s.setMeta('k', 'v');
            throw new Error('boom');
          }),
        /boom/,
      );
      assert.equal(s.getTask(xid)?.details.xId, xid);
      assert.deepEqual(s.listFaults({ kind: 'task', id: xid }), [fault(9020)]);
      assert.deepEqual(s.tasksUsingDestination(did), [xid]);
      assert.notEqual(s.getDestination(did), undefined);
      assert.deepEqual(s.pendingReports(10), []);
      assert.equal(s.lastAuditId(), before);
      assert.equal(s.getMeta('k'), undefined);
      const out = s.transaction(() => {
        s.deleteTask(xid);
        assert.throws(() =>
          s.transaction(() => {
            s.setMeta('inner', 'x');
            throw new Error('inner');
          }),
        );
        s.setMeta('outer', 'y');
        return 42;
      });
      assert.equal(out, 42);
      assert.equal(s.getTask(xid), undefined);
      assert.equal(s.getMeta('inner'), undefined, 'the inner savepoint rolled back alone');
      assert.equal(s.getMeta('outer'), 'y');
    }));
}
