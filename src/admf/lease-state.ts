/**
 * Which NEs this ADMF instance owns, with one owner of that state (docs/admf.md "Several instances"): the
 * owner of an NE's lease is the only instance that speaks X1 to it (tasking, keepalive, reconciliation,
 * warrant starts and ends). {@link LEASE_MOVES} is the table of legal moves of one NE's lease as this instance
 * sees it; {@link LeaseBook.move} is the one function through which every change goes: an illegal move is
 * refused (and returned false), and changes nothing. Gaining (`acquiring` → `held`) and losing (`held` →
 * `releasing` or `lost`) are told to the listeners, exactly once each and alternately per NE.
 *
 * A lease is held until `validUntil` by this instance's clock: the time the request that granted or renewed it
 * was sent plus the lease TTL, which is never later than the database's own expiry (the database took its
 * `now()` after the request was sent). Fencing tokens only grow: a grant with a token not above the last one
 * seen for that NE is refused.
 */

/** Where one NE's lease stands, as this instance sees it. */
export const LEASE_STATES = ['free', 'acquiring', 'held', 'releasing', 'lost'] as const;
export type LeaseState = (typeof LEASE_STATES)[number];

/**
 * From each state, the states a lease may move to. `held` → `held` is a renewal. `lost`: the renewal failed,
 * the lease expired, or a fenced write was refused; `releasing`: this instance gives the NE up (its share
 * shrank, or it stops). Both leave for `free` once the NE's link is dropped.
 */
export const LEASE_MOVES: Readonly<Record<LeaseState, readonly LeaseState[]>> = {
  free: ['acquiring'],
  acquiring: ['held', 'free'],
  held: ['held', 'releasing', 'lost'],
  releasing: ['free'],
  lost: ['free'],
};

/** Whether `from` → `to` is legal. */
export function isLegalLeaseMove(from: LeaseState, to: LeaseState): boolean {
  return LEASE_MOVES[from].includes(to);
}

/** One NE's lease at this instance. */
export interface Lease {
  readonly neId: string;
  readonly state: LeaseState;
  /** The fencing token of the lease held (while `held`, `releasing` or `lost`). */
  readonly token?: number;
  /** Until when (this instance's clock, ms) the lease is surely still held in the database. */
  readonly validUntil?: number;
}

/** What a move carries: a grant or renewal its token and validity; a loss its cause. */
export interface LeaseMoveInfo {
  readonly token?: number;
  readonly validUntil?: number;
  readonly cause?: string;
}

/** Told of every gain and loss. */
export interface LeaseListener {
  gained(lease: Lease, cause: string): void;
  lost(lease: Lease, cause: string): void;
  /** Another instance changed something this instance's NE must act on (a task's XID, or `report:<id>`). */
  told?(neId: string, subject: string): void;
}

/** The leases of this instance, one per NE it knows of; the single writer of lease state. */
export class LeaseBook {
  private readonly leases = new Map<string, Lease>();
  /** The highest token seen granted per NE (kept after the NE's lease is gone: tokens only grow). */
  private readonly lastToken = new Map<string, number>();
  private readonly listeners: LeaseListener[] = [];

  /** Adds a listener of gains and losses. */
  listen(l: LeaseListener): void {
    this.listeners.push(l);
  }

  /** The lease of one NE (`free` when unknown). */
  get(neId: string): Lease {
    return this.leases.get(neId) ?? { neId, state: 'free' };
  }

  /** Every NE whose lease is in `state`. */
  inState(state: LeaseState): string[] {
    return [...this.leases.values()].filter((l) => l.state === state).map((l) => l.neId);
  }

  /** True when this instance holds the NE's lease and it is valid at `now`. */
  owns(neId: string, now: number): boolean {
    const l = this.leases.get(neId);
    return l?.state === 'held' && (l.validUntil ?? 0) > now;
  }

  /** Forgets a `free` NE (removed from the registry). */
  forget(neId: string): void {
    if (this.get(neId).state === 'free') this.leases.delete(neId);
  }

  /**
   * Moves one NE's lease to `to` when the table allows it (and, for a grant, its token is newer than every
   * token seen for the NE); otherwise changes nothing and returns false.
   */
  move(neId: string, to: LeaseState, info: LeaseMoveInfo = {}): boolean {
    const from = this.get(neId);
    if (!isLegalLeaseMove(from.state, to)) return false;
    const cause = info.cause ?? to;
    let next: Lease;
    switch (to) {
      case 'held': {
        const token = info.token ?? from.token;
        if (token === undefined || info.validUntil === undefined) return false;
        if (from.state === 'acquiring' && token <= (this.lastToken.get(neId) ?? -1)) return false;
        if (from.state === 'held' && token !== from.token) return false;
        this.lastToken.set(neId, token);
        next = { neId, state: 'held', token, validUntil: info.validUntil };
        break;
      }
      case 'free':
        next = { neId, state: 'free' };
        break;
      case 'acquiring':
        next = { neId, state: 'acquiring' };
        break;
      default:
        next = { ...from, state: to };
    }
    this.leases.set(neId, next);
    if (from.state === 'acquiring' && to === 'held') for (const l of this.listeners) l.gained(next, cause);
    if (from.state === 'held' && to !== 'held') for (const l of this.listeners) l.lost(from, cause);
    return true;
  }
}
