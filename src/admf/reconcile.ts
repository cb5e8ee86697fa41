/**
 * Reconciliation (DESIGN.md "State"): after an ADMF restart or an NE coming back, the ADMF asks the NE for
 * everything it holds (GetAllDetails, TS 103 221-1 clause 6.4.5) and compares it with its desired state.
 * Drift is shown (tasks and destinations unknown on the NE, missing from it, or with different details);
 * healing is an explicit operator action, or automatic for NEs whose policy says so. Uncertain states settle
 * on the way: a task left `activating` that the NE has is active; one left `deactivating` that the NE no longer
 * has is ended.
 */
import type { DestinationRecord, TaskRecord } from '../store/admf-store.js';
import { LIVE_TASK_STATES } from '../store/admf-store.js';
import { encodeRequest, encodeTaskDetailsFragment } from '../x1/encode.js';
import type { DestinationDetails, GetAllDetailsResponse, TaskResponseDetails } from '../x1/model.js';
import type { Admf } from './admf.js';
import { AdmfError } from './errors.js';
import { stateForProvisioning } from './tasking.js';
import { fenced, moveTask, pendingOf } from './task-state.js';

export interface DriftSet {
  /** On the NE, not wanted by the ADMF. */
  readonly unknownOnNe: readonly string[];
  /** Wanted by the ADMF, absent from the NE. */
  readonly missingFromNe: readonly string[];
  /** On both, with different details. */
  readonly different: readonly string[];
}

export interface Drift {
  readonly neId: string;
  readonly checkedAt: number;
  readonly tasks: DriftSet;
  readonly destinations: DriftSet;
  readonly inSync: boolean;
}

export interface HealResult {
  readonly neId: string;
  readonly actions: readonly { action: string; id: string; outcome: 'ok' | 'error'; detail?: string }[];
  readonly after: Drift;
}

const DRIFT_META = (neId: string) => `drift:${neId}`;

function destinationXml(d: DestinationDetails): string {
  // The canonical encoding compares every field at once, in schema order.
  return encodeRequest([
    {
      type: 'CreateDestinationRequest',
      header: {
        admfIdentifier: '-',
        neIdentifier: '-',
        messageTimestamp: '-',
        version: '-',
        x1TransactionId: '-',
      },
      destinationDetails: d,
    },
  ]);
}

function diff<T>(
  wanted: ReadonlyMap<string, T>,
  actual: ReadonlyMap<string, T>,
  same: (a: T, b: T) => boolean,
): DriftSet {
  return {
    unknownOnNe: [...actual.keys()].filter((k) => !wanted.has(k)).sort(),
    missingFromNe: [...wanted.keys()].filter((k) => !actual.has(k)).sort(),
    different: [...wanted.keys()]
      .filter((k) => actual.has(k) && !same(wanted.get(k)!, actual.get(k)!))
      .sort(),
  };
}

/** Compares the desired state with a GetAllDetails answer. Pure. */
export function computeDrift(
  neId: string,
  at: number,
  tasks: readonly TaskRecord[],
  destinations: readonly DestinationRecord[],
  actual: Pick<GetAllDetailsResponse, 'listOfTaskResponseDetails' | 'listOfDestinationResponseDetails'>,
): Drift {
  const wantedTasks = new Map(
    tasks
      .filter((t) => LIVE_TASK_STATES.includes(t.state))
      .map((t) => [t.xid, encodeTaskDetailsFragment(t.details)]),
  );
  const neTasks = new Map(
    actual.listOfTaskResponseDetails.map((t) => [
      t.taskDetails.xId,
      encodeTaskDetailsFragment(t.taskDetails),
    ]),
  );
  const wantedDests = new Map(destinations.map((d) => [d.did, destinationXml(d.details)]));
  const neDests = new Map(
    actual.listOfDestinationResponseDetails.map((d) => [
      d.destinationDetails.dId,
      destinationXml(d.destinationDetails),
    ]),
  );
  const t = diff(wantedTasks, neTasks, (a, b) => a === b);
  const d = diff(wantedDests, neDests, (a, b) => a === b);
  const count = (s: DriftSet) => s.unknownOnNe.length + s.missingFromNe.length + s.different.length;
  return { neId, checkedAt: at, tasks: t, destinations: d, inSync: count(t) + count(d) === 0 };
}

async function fetchAll(admf: Admf, neId: string): Promise<GetAllDetailsResponse> {
  const a = await admf.send(neId, { type: 'GetAllDetailsRequest' });
  const r = a.response;
  if (r.type !== 'GetAllDetailsResponse') {
    const why =
      r.type === 'ErrorResponse'
        ? `${r.errorInformation.errorCode} ${r.errorInformation.errorDescription}`
        : r.type;
    throw new AdmfError('refused', `GetAllDetails refused by ${neId}: ${why}`);
  }
  return r;
}

/** Settles tasks whose last request had no certain outcome, from what the NE holds. */
async function settleUncertain(
  admf: Admf,
  tasks: readonly TaskRecord[],
  onNe: ReadonlyMap<string, TaskResponseDetails>,
) {
  for (const t of tasks) {
    const live = onNe.get(t.xid);
    if (live && pendingOf(t.state) === 'activate-or-modify') {
      const p = live.taskStatus.provisioningStatus;
      await moveTask(admf, t.xid, stateForProvisioning(p), 'reconciliation', { provisioning: p });
    } else if (!live && t.state === 'deactivating') {
      await moveTask(admf, t.xid, 'ended', 'reconciliation', {
        reason: 'deactivated (seen at reconciliation)',
      });
    }
  }
}

/** Compares one NE with the desired state; stores and returns the drift, healing it when the NE's policy says so. */
export async function reconcile(admf: Admf, neId: string, opts: { heal?: boolean } = {}): Promise<Drift> {
  const ne = await admf.requireNe(neId);
  const actual = await fetchAll(admf, neId);
  const onNe = new Map(actual.listOfTaskResponseDetails.map((t) => [t.taskDetails.xId, t]));
  await settleUncertain(admf, await admf.store.listTasks({ neId }), onNe);
  const drift = computeDrift(
    neId,
    admf.clock.now(),
    await admf.store.listTasks({ neId }),
    await admf.store.listDestinations(neId),
    actual,
  );
  await fenced(admf, neId, (f) => admf.store.setMeta(DRIFT_META(neId), JSON.stringify(drift), f));
  await admf.audit({
    actor: 'system',
    action: 'Reconcile',
    outcome: 'ok',
    neId,
    detail: drift.inSync
      ? 'in sync'
      : JSON.stringify({ tasks: drift.tasks, destinations: drift.destinations }),
  });
  if (!drift.inSync)
    admf.logger.warn({ ne: neId, tasks: drift.tasks, destinations: drift.destinations }, 'drift found');
  if (!drift.inSync && (opts.heal ?? ne.options.heal === 'auto'))
    return (await heal(admf, neId, drift)).after;
  return drift;
}

/** The drift found by the last reconciliation of an NE. */
export async function lastDrift(admf: Admf, neId: string): Promise<Drift | undefined> {
  const raw = await admf.store.getMeta(DRIFT_META(neId));
  return raw === undefined ? undefined : (JSON.parse(raw) as Drift);
}

/**
 * Makes the NE match the desired state: destinations first (create, modify), then tasks (activate, modify),
 * then what the NE has and the ADMF does not want (deactivate tasks, remove destinations). Returns what was
 * done and the drift found afterwards.
 */
export async function heal(admf: Admf, neId: string, drift?: Drift): Promise<HealResult> {
  const d = drift ?? (await lastDrift(admf, neId)) ?? (await reconcile(admf, neId, { heal: false }));
  const actions: { action: string; id: string; outcome: 'ok' | 'error'; detail?: string }[] = [];
  const run = async (action: string, id: string, body: Parameters<Admf['send']>[1]) => {
    try {
      const r = (await admf.send(neId, body)).response;
      const ok = r.type !== 'ErrorResponse';
      actions.push({
        action,
        id,
        outcome: ok ? 'ok' : 'error',
        ...(!ok && { detail: r.errorInformation.errorDescription }),
      });
    } catch (err) {
      actions.push({
        action,
        id,
        outcome: 'error',
        detail: err instanceof Error ? err.message : String(err),
      });
    }
  };
  for (const did of [...d.destinations.missingFromNe, ...d.destinations.different]) {
    const rec = await admf.store.getDestination(neId, did);
    if (!rec) continue;
    const create = d.destinations.missingFromNe.includes(did);
    await run(create ? 'CreateDestination' : 'ModifyDestination', did, {
      type: create ? 'CreateDestinationRequest' : 'ModifyDestinationRequest',
      destinationDetails: rec.details,
    });
  }
  for (const xid of [...d.tasks.missingFromNe, ...d.tasks.different]) {
    const t = await admf.store.getTask(xid);
    if (!t) continue;
    const activate = d.tasks.missingFromNe.includes(xid);
    await run(activate ? 'ActivateTask' : 'ModifyTask', xid, {
      type: activate ? 'ActivateTaskRequest' : 'ModifyTaskRequest',
      taskDetails: t.details,
    });
  }
  for (const xid of d.tasks.unknownOnNe)
    await run('DeactivateTask', xid, { type: 'DeactivateTaskRequest', xId: xid });
  for (const did of d.destinations.unknownOnNe)
    await run('RemoveDestination', did, { type: 'RemoveDestinationRequest', dId: did });
  for (const a of actions)
    await admf.audit({
      actor: 'system',
      action: `Heal${a.action}`,
      outcome: a.outcome,
      neId,
      ...(a.detail !== undefined && { detail: a.detail }),
    });
  const after = await reconcile(admf, neId, { heal: false });
  return { neId, actions, after };
}
