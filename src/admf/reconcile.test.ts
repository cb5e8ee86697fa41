import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationRecord, TaskRecord } from '../store/admf-store.js';
import { destination, task, uuid } from '../../test/support/x1-builders.js';
import { computeDrift } from './reconcile.js';

const T0 = Date.UTC(2026, 10, 22);
const status = { provisioningStatus: 'complete', listOfFaults: [], taskStatusExtensions: [] } as const;
const dstatus = { destinationDeliveryStatus: 'activeAndWorking', listOfFaults: [] } as const;

function rec(xid: string, did: string, state: TaskRecord['state'] = 'active'): TaskRecord {
  return { xid, neId: 'ne-1', details: task(xid, [did]), state, createdAt: T0, updatedAt: T0 };
}

function drec(did: string, over = {}): DestinationRecord {
  return { neId: 'ne-1', did, details: destination(did, over), createdAt: T0, updatedAt: T0 };
}

test('drift: unknown, missing and different tasks and destinations; ended and failed tasks are not wanted', () => {
  const [d1, d2, d3, d4] = [uuid(), uuid(), uuid(), uuid()];
  const [same, changed, missing, unknown, ended] = [uuid(), uuid(), uuid(), uuid(), uuid()];
  const wanted = [rec(same, d1), rec(changed, d1), rec(missing, d1, 'activating'), rec(ended, d1, 'ended')];
  const onNe = {
    listOfTaskResponseDetails: [
      { taskDetails: task(same, [d1]), taskStatus: status },
      { taskDetails: task(changed, [d1], { correlationID: 3 }), taskStatus: status },
      { taskDetails: task(unknown, [d1]), taskStatus: status },
      { taskDetails: task(ended, [d1]), taskStatus: status },
    ],
    listOfDestinationResponseDetails: [
      { destinationDetails: destination(d1), destinationStatus: dstatus },
      { destinationDetails: destination(d2, { friendlyName: 'renamed' }), destinationStatus: dstatus },
      { destinationDetails: destination(d4), destinationStatus: dstatus },
    ],
  };
  const d = computeDrift('ne-1', T0, wanted, [drec(d1), drec(d2), drec(d3)], onNe);
  assert.equal(d.inSync, false);
  assert.deepEqual(d.tasks, {
    unknownOnNe: [unknown, ended].sort(),
    missingFromNe: [missing],
    different: [changed],
  });
  assert.deepEqual(d.destinations, { unknownOnNe: [d4], missingFromNe: [d3], different: [d2] });
});

test('drift: the same state on both sides is in sync, whatever the order', () => {
  const did = uuid();
  const xids = [uuid(), uuid(), uuid()];
  const d = computeDrift(
    'ne-1',
    T0,
    xids.map((x) => rec(x, did)),
    [drec(did)],
    {
      listOfTaskResponseDetails: [...xids]
        .reverse()
        .map((x) => ({ taskDetails: task(x, [did]), taskStatus: status })),
      listOfDestinationResponseDetails: [
        { destinationDetails: destination(did), destinationStatus: dstatus },
      ],
    },
  );
  assert.equal(d.inSync, true);
});
