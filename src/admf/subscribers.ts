/**
 * Subscribers at the ADMF (docs/admf.md "Subscribers"): one operation tasks a whole subscriber — its IMSI,
 * MSISDN, IMPUs, IMPI, IMEI — on its NEs as several X1 tasks (one per target per NE, each with its own XID,
 * subscriber-targets.ts), modifies them together (new tasks activated, removed ones deactivated, changed
 * ones modified, failed or ended ones made again) and ends them together. Each task goes through the
 * ordinary tasking (tasking.ts: intent stored first, audited, reconciled); a task that fails is reported on
 * its own and the subscriber shows it out of sync (subscriber-view.ts) until a later modify or heal fixes it.
 */
import { newUuid } from '../lib/ids.js';
import type { SubscriberPlacement, SubscriberRecord } from '../store/admf-subscriber-store.js';
import type { DeliveryType } from '../x1/model.js';
import type { Admf } from './admf.js';
import { AdmfError } from './errors.js';
import {
  expandSubscriber,
  identityKey,
  normaliseSubscriberIdentity,
  SubscriberIdentityError,
  type SubscriberIdentity,
} from './subscriber-targets.js';
import {
  applySubscriber,
  plainDetails,
  type TaskDetailsBuilder,
  type TaskOutcome,
} from './subscriber-apply.js';
import { subscriberView, type SubscriberView } from './subscriber-view.js';

export { plainDetails, type TaskDetailsBuilder, type TaskOutcome } from './subscriber-apply.js';

export interface SubscriberInput {
  readonly id?: string;
  readonly name?: string;
  readonly identities: readonly SubscriberIdentity[];
  readonly placements: readonly SubscriberPlacement[];
  readonly deliveryType?: DeliveryType;
}

/** A change: absent fields stay; `identities` replaces them all, or `add`/`remove` change some. */
export interface SubscriberChange {
  readonly name?: string;
  readonly identities?: readonly SubscriberIdentity[];
  readonly addIdentities?: readonly SubscriberIdentity[];
  readonly removeIdentities?: readonly SubscriberIdentity[];
  readonly placements?: readonly SubscriberPlacement[];
  readonly deliveryType?: DeliveryType;
}

export interface SubscriberResult {
  readonly subscriber: SubscriberView;
  readonly results: readonly TaskOutcome[];
}

/**
 * One operation at a time per subscriber (two modifies at once would make two tasks for one slot): in this
 * process by a promise chain per id, and across processes by the store's lock when it has one (PostgreSQL).
 */
const locks = new WeakMap<Admf, Map<string, Promise<unknown>>>();

async function locked<T>(admf: Admf, id: string, fn: () => Promise<T>): Promise<T> {
  let m = locks.get(admf);
  if (!m) locks.set(admf, (m = new Map()));
  const before = m.get(id) ?? Promise.resolve();
  const store = admf.store;
  const held = store.withSubscriberLock ? () => store.withSubscriberLock!(id, fn) : fn;
  const run = before.then(held, held);
  const tail = run.catch(() => undefined);
  m.set(id, tail);
  try {
    return await run;
  } finally {
    if (m.get(id) === tail) m.delete(id);
  }
}

function identities(ids: readonly SubscriberIdentity[]) {
  try {
    return expandSubscriber(ids);
  } catch (err) {
    if (err instanceof SubscriberIdentityError) throw new AdmfError('invalid', err.message);
    throw err;
  }
}

async function checkPlacements(admf: Admf, ps: readonly SubscriberPlacement[]): Promise<void> {
  if (ps.length === 0) throw new AdmfError('invalid', 'nes: a subscriber is tasked on at least one NE');
  const seen = new Set<string>();
  for (const [i, p] of ps.entries()) {
    if (seen.has(p.neId)) throw new AdmfError('invalid', `nes[${i}]: NE ${p.neId} is named twice`);
    seen.add(p.neId);
    await admf.requireNe(p.neId);
    if (p.dids.length === 0) throw new AdmfError('invalid', `nes[${i}]: at least one destination (dids)`);
    for (const did of p.dids)
      if (!(await admf.store.getDestination(p.neId, did)))
        throw new AdmfError('not-found', `nes[${i}]: no destination ${did} on ${p.neId}`);
  }
}

/** Builds every wanted task's details once, so that bad input is refused before anything changes. */
function checkDetails(s: SubscriberRecord, build: TaskDetailsBuilder): void {
  const { targets } = identities(s.identities);
  for (const p of s.placements)
    for (const t of targets) {
      try {
        build(newUuid(), t.target, p.dids, s.deliveryType);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new AdmfError('invalid', `${t.key} on ${p.neId}: ${why}`);
      }
    }
}

async function finish(
  admf: Admf,
  action: string,
  s: SubscriberRecord,
  results: readonly TaskOutcome[],
): Promise<SubscriberResult> {
  const view = await subscriberView(admf.store, s);
  const done = results.map((r) => `${r.action} ${r.target} on ${r.neId} (${r.xid}): ${r.outcome}`);
  const sync = view.inSync ? 'in sync' : `out of sync: ${view.outOfSync.length} task(s)`;
  await admf.audit({
    actor: 'operator',
    action,
    outcome: results.every((r) => r.outcome === 'ok') && view.inSync ? 'ok' : 'error',
    detail: `subscriber ${s.id}: ${[...done, sync].join('; ')}`,
  });
  return { subscriber: view, results };
}

async function refusedAudit<T>(admf: Admf, action: string, id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const detail = `subscriber ${id}: ${err instanceof Error ? err.message : String(err)}`;
    await admf.audit({ actor: 'operator', action, outcome: 'error', detail });
    throw err;
  }
}

/** Creates a subscriber and activates its tasks. Bad input or an unknown NE/destination changes nothing. */
export async function createSubscriber(
  admf: Admf,
  input: SubscriberInput,
  build: TaskDetailsBuilder = plainDetails,
): Promise<SubscriberResult> {
  const id = input.id ?? newUuid();
  return refusedAudit(admf, 'CreateSubscriber', id, () =>
    locked(admf, id, async () => {
      const { identities: ids } = identities(input.identities);
      await checkPlacements(admf, input.placements);
      if (await admf.store.getSubscriber(id)) throw new AdmfError('conflict', `subscriber ${id} exists`);
      const now = admf.clock.now();
      const s: SubscriberRecord = {
        id,
        ...(input.name !== undefined && { name: input.name }),
        identities: ids,
        placements: input.placements.map((p) => ({ neId: p.neId, dids: [...new Set(p.dids)] })),
        deliveryType: input.deliveryType ?? 'X2Only',
        state: 'active',
        createdAt: now,
        updatedAt: now,
      };
      checkDetails(s, build);
      await admf.store.putSubscriber(s);
      return finish(admf, 'CreateSubscriber', s, await applySubscriber(admf, s, build));
    }),
  );
}

function changedIdentities(old: readonly SubscriberIdentity[], c: SubscriberChange): SubscriberIdentity[] {
  let ids = [...(c.identities ?? old)];
  const norm = (list: readonly SubscriberIdentity[] | undefined, what: string) =>
    (list ?? []).map((x, i) => normaliseSubscriberIdentity(x, `${what}[${i}]`));
  try {
    const remove = norm(c.removeIdentities, 'removeIdentities');
    const have = new Set(ids.map((x) => identityKey(normaliseSubscriberIdentity(x, 'identities'))));
    remove.forEach((x, i) => {
      if (!have.has(identityKey(x)))
        throw new SubscriberIdentityError(
          `removeIdentities[${i}]: ${x.kind} ${x.value} is not an identity of it`,
        );
    });
    const gone = new Set(remove.map(identityKey));
    ids = ids.filter((x) => !gone.has(identityKey(normaliseSubscriberIdentity(x, 'identities'))));
    return [...ids, ...norm(c.addIdentities, 'addIdentities')];
  } catch (err) {
    if (err instanceof SubscriberIdentityError) throw new AdmfError('invalid', err.message);
    throw err;
  }
}

async function storedSubscriber(admf: Admf, id: string): Promise<SubscriberRecord> {
  const s = await admf.store.getSubscriber(id);
  if (!s) throw new AdmfError('not-found', `no subscriber ${id}`);
  return s;
}

/**
 * Changes a subscriber and brings its tasks along; with no change it retries what is out of sync (failed
 * or ended tasks made again, leftovers deactivated).
 */
export async function modifySubscriber(
  admf: Admf,
  id: string,
  c: SubscriberChange,
  build: TaskDetailsBuilder = plainDetails,
): Promise<SubscriberResult> {
  return refusedAudit(admf, 'ModifySubscriber', id, () =>
    locked(admf, id, async () => {
      const old = await storedSubscriber(admf, id);
      if (old.state === 'ended') throw new AdmfError('conflict', `subscriber ${id} is ended`);
      const { identities: ids } = identities(changedIdentities(old.identities, c));
      const placements = c.placements?.map((p) => ({ neId: p.neId, dids: [...new Set(p.dids)] }));
      if (placements) await checkPlacements(admf, placements);
      const s: SubscriberRecord = {
        ...old,
        ...(c.name !== undefined && { name: c.name }),
        identities: ids,
        ...(placements && { placements }),
        ...(c.deliveryType !== undefined && { deliveryType: c.deliveryType }),
        updatedAt: admf.clock.now(),
      };
      checkDetails(s, build);
      await admf.store.putSubscriber(s);
      return finish(admf, 'ModifySubscriber', s, await applySubscriber(admf, s, build));
    }),
  );
}

/** Ends a subscriber: every task of it is deactivated. Again on an ended one retries what is still live. */
export async function endSubscriber(admf: Admf, id: string): Promise<SubscriberResult> {
  return refusedAudit(admf, 'EndSubscriber', id, () =>
    locked(admf, id, async () => {
      const old = await storedSubscriber(admf, id);
      const s: SubscriberRecord =
        old.state === 'ended' ? old : { ...old, state: 'ended', updatedAt: admf.clock.now() };
      if (s !== old) await admf.store.putSubscriber(s);
      return finish(admf, 'EndSubscriber', s, await applySubscriber(admf, s, plainDetails));
    }),
  );
}

/** One subscriber as it stands. */
export async function getSubscriber(admf: Admf, id: string): Promise<SubscriberView> {
  return subscriberView(admf.store, await storedSubscriber(admf, id));
}

/** Every subscriber as it stands. */
export async function listSubscribers(admf: Admf): Promise<SubscriberView[]> {
  const out: SubscriberView[] = [];
  for (const s of await admf.store.listSubscribers()) out.push(await subscriberView(admf.store, s));
  return out;
}
