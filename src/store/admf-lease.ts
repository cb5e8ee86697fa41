/**
 * The leases by which several ADMF instances share NEs (docs/admf.md "Several instances"), as the ADMF's lease
 * ownership (src/admf/lease-ownership.ts) needs them from a shared store: grant, renew and release with the
 * store's own clock deciding expiry, the live instances, the owner's last keepalive per NE, and change
 * notices between instances. PostgreSQL implements it (src/store/pg/leases.ts).
 */
import type { Fence } from './admf-fence.js';

/** A lease just granted. */
export interface LeaseGrant {
  readonly neId: string;
  readonly token: number;
  /** The instance that held the NE before (its lease had expired), if any. */
  readonly previousOwner?: string;
  /** When (ms since the epoch) the previous owner last sent the NE a keepalive, if it said. */
  readonly keepaliveAt?: number;
}

/** What one instance holds: an NE and the token of its lease. */
export interface HeldLease {
  readonly neId: string;
  readonly token: number;
}

/** Lease statements of a shared store. Times to live are in ms; expiry is by the store's clock. */
export interface LeaseStore {
  /** Marks `instance` alive until `ttlMs` from now; how many instances are alive (itself included). */
  heartbeat(instance: string, ttlMs: number): Promise<number>;
  /** Every NE, and those whose lease is absent or expired (with the last owner). */
  freeNes(): Promise<{ total: number; free: { neId: string; owner?: string }[] }>;
  /** Takes an NE whose lease is absent or expired, with a new token; undefined when another was quicker. */
  acquire(instance: string, neId: string, ttlMs: number): Promise<LeaseGrant | undefined>;
  /** Extends the unexpired leases held; the NEs renewed (the others are lost). */
  renew(instance: string, held: readonly HeldLease[], ttlMs: number): Promise<string[]>;
  /** Gives leases up at once. */
  release(instance: string, held: readonly HeldLease[]): Promise<void>;
  /** Records a keepalive sent under the fence; false when the fence no longer holds. */
  noteKeepalive(fence: Fence, at: number): Promise<boolean>;
  /** Removes the instance from the live ones. */
  leave(instance: string): Promise<void>;
  /** Tells the owner of `neId` that `subject` changed. */
  notify(neId: string, subject: string): Promise<void>;
  /**
   * Listens for notices; `connected` runs after every (re)connection, so the listener can catch up on what it
   * missed while away. The returned close stops listening.
   */
  listen(
    notice: (neId: string, subject: string) => void,
    connected: () => void,
  ): Promise<{ close(): Promise<void> }>;
}
