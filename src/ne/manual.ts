/**
 * Manual tasking on the NE (DESIGN.md: every manual change is audited, visible to the ADMF with a unique XID,
 * and can be stopped over X1). These functions change the store directly, from another process than the
 * running NE, and leave an audit row with actor `manual` that the NE follows ({@link ManualChangeFollower}).
 */
import { newUuid } from '../lib/ids.js';
import type { NeStore } from '../store/ne-store.js';
import { X1Error } from '../x1/errors.js';
import type { DeliveryType, DestinationDetails, TargetIdentifier, TaskDetails } from '../x1/model.js';
import { formatTimestamp } from '../x1/simple-types.js';
import { checkDeliveryAddress, checkTargets, PROBE_TARGET_KINDS } from './data-plane.js';
import { MANUAL_ACTIONS } from './lifecycle.js';
import { manualTaskWrites, TaskStateRefusal } from './task-state.js';

export interface ManualTaskInput {
  readonly targets: readonly TargetIdentifier[];
  readonly dids: readonly string[];
  readonly deliveryType?: DeliveryType;
  readonly reason: string;
}

/** Adds a manual task with a fresh XID; returns the XID. */
export function addManualTask(store: NeStore, input: ManualTaskInput, nowMs = Date.now()): string {
  const xid = newUuid();
  const details: TaskDetails = {
    xId: xid,
    targetIdentifiers: input.targets,
    deliveryType: input.deliveryType ?? 'X2Only',
    listOfDIDs: { dIds: input.dids, dSIds: [] },
    taskDetailsExtensions: [],
  };
  const refusal = checkTargets(details, new Set(PROBE_TARGET_KINDS));
  if (refusal) throw new X1Error(refusal.kind, refusal.reason);
  for (const did of input.dids) {
    if (!store.getDestination(did)) throw new X1Error('DidDoesNotExist', `DID ${did} does not exist`);
  }
  manualTaskWrites.add(
    store,
    details,
    { at: nowMs, action: MANUAL_ACTIONS.add, xid, outcome: 'ok', detail: input.reason },
    formatTimestamp(BigInt(nowMs) * 1000n),
  );
  return xid;
}

/** Removes a task by hand (manual or X1); the NE reports an X1 task removed this way as a terminating fault. */
export function removeTaskByHand(store: NeStore, xid: string, reason: string, nowMs = Date.now()): void {
  if (!store.getTask(xid)) throw new X1Error('XidDoesNotExist', `XID ${xid} does not exist`);
  try {
    manualTaskWrites.remove(store, xid, {
      at: nowMs,
      action: MANUAL_ACTIONS.remove,
      xid,
      outcome: 'ok',
      detail: reason,
    });
  } catch (err) {
    if (err instanceof TaskStateRefusal) throw new X1Error('XidDoesNotExist', `XID ${xid}: ${err.message}`);
    throw err;
  }
}

/** Adds a destination by hand (for manual tasks). */
export function addDestinationByHand(
  store: NeStore,
  d: Omit<DestinationDetails, 'dId' | 'destinationDetailsExtensions'>,
  reason: string,
  nowMs = Date.now(),
): string {
  const details: DestinationDetails = { ...d, dId: newUuid(), destinationDetailsExtensions: [] };
  const refusal = checkDeliveryAddress(details.deliveryAddress);
  if (refusal) throw new X1Error(refusal.kind, refusal.reason);
  store.transaction(() => {
    store.insertDestination(details);
    store.appendAudit({
      at: nowMs,
      actor: 'manual',
      action: 'ManualCreateDestination',
      did: details.dId,
      outcome: 'ok',
      detail: reason,
    });
  });
  return details.dId;
}

export function removeDestinationByHand(
  store: NeStore,
  did: string,
  reason: string,
  nowMs = Date.now(),
): void {
  if (!store.getDestination(did)) throw new X1Error('DidDoesNotExist', `DID ${did} does not exist`);
  const users = store.tasksUsingDestination(did);
  if (users.length > 0) throw new X1Error('DestinationInUse', `DID ${did} is used by ${users.join(', ')}`);
  store.transaction(() => {
    store.deleteDestination(did);
    store.appendAudit({
      at: nowMs,
      actor: 'manual',
      action: 'ManualRemoveDestination',
      did,
      outcome: 'ok',
      detail: reason,
    });
  });
}
