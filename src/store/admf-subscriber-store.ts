/**
 * Subscribers in the ADMF's desired state (docs/admf.md "Subscribers"): a subscriber is a set of identities
 * tasked on some NEs, towards some destinations, as several X1 tasks that are created, modified and ended
 * together. The store keeps the subscriber and which tasks (XIDs) were made for it; the tasks themselves are
 * ordinary task records. Part of {@link AdmfStore}; every call that resolves has committed.
 */
import type { DeliveryType } from '../x1/model.js';

/** One identity of a subscriber (kinds in src/admf/subscriber-targets.ts), normalised. */
export interface SubscriberIdentityRecord {
  readonly kind: 'imsi' | 'msisdn' | 'impu' | 'impi' | 'imei';
  readonly value: string;
}

/** Where a subscriber is tasked: one NE and the destinations (DIDs on that NE) its tasks deliver to. */
export interface SubscriberPlacement {
  readonly neId: string;
  readonly dids: readonly string[];
}

/** `active` until the operator ends the subscriber; an ended subscriber keeps its record and history. */
export type SubscriberState = 'active' | 'ended';

export interface SubscriberRecord {
  /** Chosen by the operator (or a UUID), unique at this ADMF. */
  readonly id: string;
  readonly name?: string;
  readonly identities: readonly SubscriberIdentityRecord[];
  readonly placements: readonly SubscriberPlacement[];
  readonly deliveryType: DeliveryType;
  readonly state: SubscriberState;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * One task made for a subscriber: the slot it fills (an NE and a target `kind:value`) and its XID. A slot can
 * have had several tasks (one failed, then made again); the latest one is the slot's task.
 */
export interface SubscriberTaskLink {
  readonly subscriberId: string;
  readonly xid: string;
  readonly neId: string;
  /** `kind:value` of the task's one target identifier, e.g. `e164Number:447900000000`. */
  readonly targetKey: string;
  readonly createdAt: number;
}

/** The subscriber part of the ADMF store. */
export interface SubscriberStore {
  /** Inserts or replaces a subscriber (by id); the creation time of an existing one is kept. */
  putSubscriber(s: SubscriberRecord): Promise<void>;
  getSubscriber(id: string): Promise<SubscriberRecord | undefined>;
  /** All subscribers, by id. */
  listSubscribers(): Promise<SubscriberRecord[]>;
  /** Records that a task was made for a subscriber (before its ActivateTask leaves). */
  addSubscriberTask(link: SubscriberTaskLink): Promise<void>;
  /** The tasks made for a subscriber, in the order they were added (oldest first). */
  listSubscriberTasks(subscriberId: string): Promise<SubscriberTaskLink[]>;
  /** The subscriber a task was made for, if any. */
  subscriberOfTask(xid: string): Promise<string | undefined>;
  /**
   * Runs `fn` holding the subscriber's lock across every process on this store (PostgreSQL: several ADMF
   * instances). Absent where one process owns the store (SQLite): the ADMF's own per-process lock suffices.
   */
  withSubscriberLock?<T>(id: string, fn: () => Promise<T>): Promise<T>;
}
