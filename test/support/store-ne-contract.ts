/**
 * The `NeStore` contract: one suite every implementation runs (today SQLite). `open()` gives an empty
 * store; `reopen()` opens the store last opened again (its previous handle closed by the suite), so the suite
 * also checks that what it wrote is still there. Part one: tasks and transactions; part two
 * (store-ne-record-contract.ts): destinations, faults, outbox, audit, key/value state; part three
 * (store-ne-restart-contract.ts): everything after a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neStoreRecordContract } from './store-ne-record-contract.js';
import { neStoreRestartContract } from './store-ne-restart-contract.js';
import {
  fault,
  isStoreError,
  richTask,
  smallDestination,
  smallTask,
  T0,
  T1,
  T2,
  uuid,
  withStore,
  type NeStoreFactory,
} from './store-ne-fixtures.js';

export type { NeStoreFactory };

/** Every part of the contract. */
export function neStoreContract(name: string, f: NeStoreFactory): void {
  taskContract(name, f);
  transactionContract(name, f);
  neStoreRecordContract(name, f);
  neStoreRestartContract(name, f);
}

function taskContract(name: string, f: NeStoreFactory): void {
  test(`${name}: a task with every optional field round-trips, also after reopening`, () => {
    const [xid, did, mdid] = [uuid(), uuid(), uuid()];
    const details = richTask(xid, [did], [mdid]);
    withStore(f, (s) => {
      assert.equal(s.getTask(xid), undefined);
      s.insertTask({
        details,
        origin: 'manual',
        provisioningStatus: 'awaitingProvisioning',
        pending: 'modify',
        at: T0,
      });
    });
    const s = f.reopen();
    try {
      assert.deepEqual(s.getTask(xid), {
        details,
        origin: 'manual',
        pending: 'modify',
        createdAt: T0,
        status: {
          provisioningStatus: 'awaitingProvisioning',
          amountOfX2Data: 0,
          amountOfX3Data: 0,
          numberOfModifications: 0,
        },
      });
      assert.ok(s.setProvisioningStatus(xid, 'awaitingProvisioning', 'deactivate'));
      assert.equal(s.getTask(xid)?.pending, 'deactivate');
      assert.ok(s.setProvisioningStatus(xid, 'complete'));
      assert.equal(s.getTask(xid)?.pending, undefined, 'a complete task awaits nothing');
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
