/**
 * The changes one instance hands to an NE's owner (handover.ts), by kind: each runs on the owner exactly as a
 * REST call made there would. The kinds that speak X1 to the NE without changing the desired state (ping, live
 * status, reconciliation, healing) go the same way, because only the owner holds the NE's X1 link.
 */
import type { Admf } from './admf.js';
import { AdmfError } from './errors.js';
import { onOwner } from './handover.js';
import { heal, reconcile, type Drift, type HealResult } from './reconcile.js';
import {
  createDestination,
  deactivateAllTasks,
  deactivateTask,
  modifyDestination,
  modifyTask,
  removeAllDestinations,
  removeDestination,
  taskStatus,
} from './tasking.js';
import type { NeStatusDetails } from '../x1/model.js';

type Run = (admf: Admf, ...args: never[]) => Promise<unknown>;

/** Every kind a handed change may name, with what the owner runs for it. */
const CHANGES: Readonly<Record<string, Run>> = {
  CreateDestination: createDestination,
  ModifyDestination: modifyDestination,
  RemoveDestination: removeDestination,
  RemoveAllDestinations: removeAllDestinations,
  ModifyTask: modifyTask,
  DeactivateTask: deactivateTask,
  DeactivateAllTasks: deactivateAllTasks,
  TaskStatus: taskStatus,
  PingNe: pingNe,
  NeStatus: neStatus,
  ReconcileNe: reconcileNe,
  HealNe: healNe,
};

/** Runs a handed change on this instance (the owner); an unknown kind is refused. */
export function runHanded(admf: Admf, change: unknown): Promise<unknown> {
  const c = change as { kind?: unknown; args?: unknown };
  const run = typeof c.kind === 'string' ? CHANGES[c.kind] : undefined;
  if (!run || !Array.isArray(c.args))
    return Promise.reject(new AdmfError('invalid', `unknown handed change ${JSON.stringify(c.kind)}`));
  return run(admf, ...(c.args as never[]));
}

/** X1 Ping to an NE, from its owner. */
export async function pingNe(
  admf: Admf,
  neId: string,
): Promise<{ response: string; latencyMs: number; transactionId: string }> {
  await admf.requireNe(neId);
  return onOwner(admf, neId, { kind: 'PingNe', args: [neId] }, async () => {
    const a = await admf.send(neId, { type: 'PingRequest' });
    return { response: a.response.type, latencyMs: a.latencyMs, transactionId: a.transactionId };
  });
}

/** The NE's live status (GetNEStatus), from its owner. */
export async function neStatus(admf: Admf, neId: string): Promise<NeStatusDetails> {
  await admf.requireNe(neId);
  return onOwner(admf, neId, { kind: 'NeStatus', args: [neId] }, async () => {
    const r = (await admf.send(neId, { type: 'GetNEStatusRequest' })).response;
    if (r.type === 'ErrorResponse')
      throw new AdmfError('refused', r.errorInformation.errorDescription, r.errorInformation);
    if (r.type !== 'GetNEStatusResponse') throw new AdmfError('refused', `unexpected ${r.type}`);
    return r.neStatusDetails;
  });
}

/** Reconciles an NE now (heals it when its policy is auto), on its owner. */
export async function reconcileNe(admf: Admf, neId: string): Promise<Drift> {
  return onOwner(admf, neId, { kind: 'ReconcileNe', args: [neId] }, () => reconcile(admf, neId));
}

/** Reconciles and heals an NE now, on its owner. */
export async function healNe(admf: Admf, neId: string): Promise<HealResult> {
  return onOwner(admf, neId, { kind: 'HealNe', args: [neId] }, async () =>
    heal(admf, neId, await reconcile(admf, neId, { heal: false })),
  );
}
