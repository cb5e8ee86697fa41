/**
 * How a subscriber stands (docs/admf.md "Subscribers"): the slots it wants filled (each NE × each target of
 * its identities), the task that fills each, and what is out of sync — a task missing, failed, ended,
 * pending, awaiting its report or holding other details, or a task the subscriber no longer wants that is
 * still live. Pure apart from reading the store.
 */
import type { AdmfStore, TaskRecord, TaskState } from '../store/admf-store.js';
import { LIVE_TASK_STATES } from '../store/admf-store.js';
import type {
  SubscriberPlacement,
  SubscriberRecord,
  SubscriberTaskLink,
} from '../store/admf-subscriber-store.js';
import type { DeliveryType } from '../x1/model.js';
import { expandSubscriber, type SubscriberTarget } from './subscriber-targets.js';

/** One task slot of a subscriber: an NE and one target, and the task that fills it. */
export interface SubscriberSlot {
  readonly neId: string;
  /** `kind:value` of the target. */
  readonly target: string;
  /** Whether the subscriber wants this slot (false: left over from an identity or NE taken away). */
  readonly wanted: boolean;
  readonly xid?: string;
  readonly state?: TaskState;
  readonly inSync: boolean;
  /** Why it is out of sync. */
  readonly why?: string;
}

export interface SubscriberView extends SubscriberRecord {
  /** The X1 targets its identities give (one task per NE each) and the identities each covers. */
  readonly targets: readonly SubscriberTarget[];
  readonly tasks: readonly SubscriberSlot[];
  /** Every wanted task active with the wanted details, and no other task of it live. */
  readonly inSync: boolean;
  /** The slots that are not in sync (the same objects as in `tasks`). */
  readonly outOfSync: readonly SubscriberSlot[];
}

/** The slot key: NE and target. */
export const slotKey = (neId: string, target: string): string => `${neId} ${target}`;

/** The latest task made for each slot, by slot key. */
export function latestBySlot(links: readonly SubscriberTaskLink[]): Map<string, SubscriberTaskLink> {
  const out = new Map<string, SubscriberTaskLink>();
  for (const l of links) out.set(slotKey(l.neId, l.targetKey), l);
  return out;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** Whether a live task holds the details a placement wants (its destinations and delivery type). */
export function holdsWanted(t: TaskRecord, p: SubscriberPlacement, deliveryType: DeliveryType): boolean {
  return t.details.deliveryType === deliveryType && sameSet(t.details.listOfDIDs.dIds, p.dids);
}

function wantedSlot(
  neId: string,
  target: string,
  t: TaskRecord | undefined,
  p: SubscriberPlacement,
  dt: DeliveryType,
): SubscriberSlot {
  const base = { neId, target, wanted: true, ...(t && { xid: t.xid, state: t.state }) };
  const out = (why: string): SubscriberSlot => ({ ...base, inSync: false, why });
  if (!t) return out('no task');
  if (t.state === 'failed' || t.state === 'ended')
    return out(`task ${t.state}${t.reason ? `: ${t.reason}` : ''}`);
  if (t.state === 'activating')
    return out(
      `pending: not installed yet${t.reason ? ` (${t.reason})` : ''}; installed when the NE is healed`,
    );
  if (t.state === 'deactivating') return out('being deactivated');
  if (!holdsWanted(t, p, dt)) return out('the task holds other destinations or delivery type');
  if (t.state !== 'active') return out(`${t.state}: awaiting the NE's report`);
  return { ...base, inSync: true };
}

/** The view of a subscriber from its record, its task links and the tasks. */
export async function subscriberView(store: AdmfStore, s: SubscriberRecord): Promise<SubscriberView> {
  const { targets } = expandSubscriber(s.identities);
  const links = await store.listSubscriberTasks(s.id);
  const latest = latestBySlot(links);
  const tasks = new Map<string, TaskRecord | undefined>();
  for (const l of links) tasks.set(l.xid, await store.getTask(l.xid));
  const slots: SubscriberSlot[] = [];
  const wanted = new Set<string>();
  if (s.state === 'active') {
    for (const p of s.placements) {
      for (const t of targets) {
        const key = slotKey(p.neId, t.key);
        wanted.add(key);
        const link = latest.get(key);
        slots.push(wantedSlot(p.neId, t.key, link && tasks.get(link.xid), p, s.deliveryType));
      }
    }
  }
  // Tasks not wanted (any task of an ended subscriber) must not stay live.
  for (const l of links) {
    const t = tasks.get(l.xid);
    const key = slotKey(l.neId, l.targetKey);
    if (wanted.has(key) && latest.get(key)?.xid === l.xid) continue;
    if (!t || !LIVE_TASK_STATES.includes(t.state)) continue;
    slots.push({
      neId: l.neId,
      target: l.targetKey,
      wanted: false,
      xid: t.xid,
      state: t.state,
      inSync: false,
      why: t.state === 'deactivating' ? 'being deactivated' : 'no longer wanted, still live',
    });
  }
  const outOfSync = slots.filter((x) => !x.inSync);
  return { ...s, targets, tasks: slots, inSync: outOfSync.length === 0, outOfSync };
}
