/**
 * NE ownership (docs/admf.md "Several instances"): exactly one ADMF instance at a time owns each NE's X1 link
 * (tasking, keepalive, reconciliation, warrant starts and ends for that NE). The ADMF depends on
 * {@link NeOwnership} only; {@link SoleOwnership} is the single-instance case (the embedded SQLite store: this
 * instance owns every NE, for good), and the PostgreSQL store brings a lease-based one (pg-ownership.ts).
 * Lease state itself has one owner, the {@link LeaseBook} (lease-state.ts).
 */
import type { Clock } from '../lib/clock.js';
import type { Fence } from '../store/admf-fence.js';
import { LeaseBook, type Lease, type LeaseListener } from './lease-state.js';

/** Counters shown on `/api/health` and in the metrics. */
export interface OwnershipStats {
  readonly instanceId: string;
  readonly owned: readonly string[];
  /** NEs gained from another instance whose lease had expired. */
  readonly takeovers: number;
  /** Leases this instance held and lost (renewal failed, expired, or fenced out). */
  readonly lostLeases: number;
  /** Writes the store refused because this instance's lease was stale. */
  readonly fencingRefusals: number;
}

/** Ownership of NE links, as the ADMF sees it. */
export interface NeOwnership {
  readonly instanceId: string;
  /** True when several instances share the NEs (a gain is then a takeover the new owner reconciles). */
  readonly shared: boolean;
  /** Takes this instance's share of NEs (gains are told to the listeners) and keeps it renewed. */
  start(): Promise<void>;
  /** Gives every lease up (losses are told) and stops renewing. */
  stop(): Promise<void>;
  /** True while this instance surely owns the NE. */
  owns(neId: string): boolean;
  /** The NEs this instance owns now. */
  owned(): string[];
  /** The fence for writes about an NE this instance owns (undefined when it does not). */
  fence(neId: string): Fence | undefined;
  /** Adds a listener of gains and losses. */
  listen(l: LeaseListener): void;
  /** An NE was added: take it now when it is this instance's to take. */
  offer(neId: string): Promise<void>;
  /** An NE was removed: its lease is given up (a loss is told when it was held). */
  forget(neId: string): Promise<void>;
  /**
   * Tells the NE's owner that `subject` changed (a task's XID, or `report:<id>`): a task stored pending here, or
   * a report received here, for the owner to act on. Without another owner, nothing to do.
   */
  tell(neId: string, subject: string): Promise<void>;
  /** The store refused a write under this fence: the NE is dropped at once. */
  refused(fence: Fence, cause: string): void;
  stats(): OwnershipStats;
  /** When the NE's previous owner last sent it a keepalive (ms since the epoch), for the first gap. */
  lastKeepalive?(neId: string): number | undefined;
  /** Records a keepalive sent, under the fence (a refusal drops the NE). */
  keepaliveSent?(neId: string, at: number): Promise<void>;
  /**
   * With `keepaliveSent`: a keepalive leaves at most this long after its record, or not at all, so that the next
   * owner may take `record + this` as the latest the previous one left ({@link lastKeepalive}).
   */
  readonly keepaliveLeavesWithinMs?: number;
}

/** The single-instance case: every NE is owned by this instance from the moment it is known. */
export class SoleOwnership implements NeOwnership {
  private readonly book = new LeaseBook();
  private refusals = 0;
  readonly shared = false;

  constructor(
    readonly instanceId: string,
    private readonly clock: Clock,
    /** The NEs known at start. */
    private readonly listNes: () => Promise<readonly { id: string }[]>,
  ) {}

  async start(): Promise<void> {
    for (const ne of await this.listNes()) this.take(ne.id);
  }

  stop(): Promise<void> {
    for (const id of this.book.inState('held')) {
      this.book.move(id, 'releasing', { cause: 'stop' });
      this.book.move(id, 'free');
    }
    return Promise.resolve();
  }

  owns(neId: string): boolean {
    return this.book.owns(neId, this.clock.now());
  }

  owned(): string[] {
    return this.book.inState('held');
  }

  fence(neId: string): Fence | undefined {
    const l = this.book.get(neId);
    return l.state === 'held' ? { neId, owner: this.instanceId, token: l.token! } : undefined;
  }

  listen(l: LeaseListener): void {
    this.book.listen(l);
  }

  offer(neId: string): Promise<void> {
    this.take(neId);
    return Promise.resolve();
  }

  forget(neId: string): Promise<void> {
    if (this.book.move(neId, 'releasing', { cause: 'NE removed' })) this.book.move(neId, 'free');
    this.book.forget(neId);
    return Promise.resolve();
  }

  tell(_neId: string, _subject: string): Promise<void> {
    return Promise.resolve();
  }

  /** Cannot happen with one instance (the embedded store has no fence); counted all the same. */
  refused(_fence: Fence, _cause: string): void {
    this.refusals++;
  }

  stats(): OwnershipStats {
    return {
      instanceId: this.instanceId,
      owned: this.owned(),
      takeovers: 0,
      lostLeases: 0,
      fencingRefusals: this.refusals,
    };
  }

  private take(neId: string): void {
    if (this.book.get(neId).state !== 'free') return;
    this.book.move(neId, 'acquiring');
    this.book.move(neId, 'held', { token: 1, validUntil: Infinity, cause: 'sole instance' });
  }
}

export type { Fence, Lease, LeaseListener };
