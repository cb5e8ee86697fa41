/**
 * NE ownership among several ADMF instances on one shared store (docs/admf.md "Several instances"). Every
 * `renewMs` this instance renews the leases it holds, counts the live instances, takes free or expired leases up
 * to its share (ceil(NEs / instances)), and gives up what exceeds it so that a newcomer gets NEs too. A lease
 * not renewed is lost when its validity passes by this instance's clock (the time its last renewal was sent
 * plus the TTL: never later than the database's expiry). A takeover is audited: who took which NE from whom,
 * with the new token. Changes made on other instances arrive as notices (LISTEN/NOTIFY); after every
 * (re)connection of the listener the owner catches up on all its NEs. All lease state goes through the
 * {@link LeaseBook}.
 *
 * Bound: an NE whose owner died is taken over within `ttlMs + renewMs` (its lease runs out at most `ttlMs`
 * after the last renewal; another instance looks at most `renewMs` later).
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Fence } from '../store/admf-fence.js';
import type { LeaseStore } from '../store/admf-lease.js';
import type { AuditInput } from '../store/admf-store.js';
import { LeaseBook, type LeaseListener } from './lease-state.js';
import type { NeOwnership, OwnershipStats } from './ownership.js';

/** Lease timing defaults: takeover within 12 s, far inside TIME_P2 (60 s by default). */
export const LEASE_DEFAULTS = { ttlMs: 10_000, renewMs: 2_000 } as const;

export interface LeaseOwnershipDeps {
  readonly instanceId: string;
  readonly store: LeaseStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Appends an audit row (the takeovers). */
  readonly audit: (row: Omit<AuditInput, 'at'>) => Promise<void>;
  readonly ttlMs?: number;
  readonly renewMs?: number;
}

export class LeaseOwnership implements NeOwnership {
  readonly shared = true;
  private readonly book = new LeaseBook();
  private readonly listeners: LeaseListener[] = [];
  private readonly keepaliveAt = new Map<string, number>();
  /** Keepalive records under way, per NE: a lease is given up only after them (the next owner reads them). */
  private readonly notes = new Map<string, Promise<void>>();
  private timer: TimerHandle | undefined;
  private ticking: Promise<void> | undefined;
  private listener: { close(): Promise<void> } | undefined;
  private stopped = false;
  private counts = { takeovers: 0, lostLeases: 0, fencingRefusals: 0 };
  readonly ttlMs: number;
  readonly renewMs: number;

  constructor(private readonly d: LeaseOwnershipDeps) {
    this.ttlMs = d.ttlMs ?? LEASE_DEFAULTS.ttlMs;
    this.renewMs = d.renewMs ?? LEASE_DEFAULTS.renewMs;
    if (this.renewMs * 2 > this.ttlMs) throw new Error('lease renewal must come at most every half TTL');
    this.book.listen({
      gained: (l, c) => this.listeners.forEach((x) => x.gained(l, c)),
      lost: (l, c) => {
        this.counts.lostLeases++;
        this.listeners.forEach((x) => x.lost(l, c));
      },
    });
  }

  get instanceId(): string {
    return this.d.instanceId;
  }

  /** Told of every notice on the shared channel, owned NE or not (outcomes of changes handed to an owner). */
  heard: ((neId: string, subject: string) => void) | undefined;

  async start(): Promise<void> {
    this.stopped = false;
    this.listener = await this.d.store.listen(
      (neId, subject) => {
        this.heard?.(neId, subject);
        if (this.owns(neId)) this.listeners.forEach((x) => x.told?.(neId, subject));
      },
      () => this.catchUp(),
    );
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.ticking;
    const held = this.heldLeases();
    for (const h of held) this.drop(h.neId, 'releasing', 'instance stops');
    await this.release(held).catch((e: unknown) => this.warn(e, 'release failed'));
    await this.d.store.leave(this.instanceId).catch((e: unknown) => this.warn(e, 'leaving failed'));
    await this.listener?.close();
  }

  owns(neId: string): boolean {
    return this.book.owns(neId, this.d.clock.now());
  }

  owned(): string[] {
    return this.book.inState('held').filter((id) => this.owns(id));
  }

  /** The held lease's fence; an NE this instance does not hold gets token 0, which no store accepts. */
  fence(neId: string): Fence {
    return { neId, owner: this.instanceId, token: this.book.get(neId).token ?? 0 };
  }

  listen(l: LeaseListener): void {
    this.listeners.push(l);
  }

  /** A keepalive leaves within one renewal period of its record, or is recorded again. */
  get keepaliveLeavesWithinMs(): number {
    return this.renewMs;
  }

  /**
   * The latest time the previous owner's last keepalive to an NE just gained can have left (ms since the
   * epoch): its record plus {@link keepaliveLeavesWithinMs}, the bound the sender keeps between the two.
   */
  lastKeepalive(neId: string): number | undefined {
    const at = this.keepaliveAt.get(neId);
    return at === undefined ? undefined : at + this.renewMs;
  }

  /** Records a keepalive sent; a refusal means the lease is gone: the NE is dropped. */
  async keepaliveSent(neId: string, at: number): Promise<void> {
    const f = this.fence(neId);
    const note = this.d.store.noteKeepalive(f, at).then((ok) => {
      if (!ok) this.refused(f, 'keepalive record refused');
    });
    this.notes.set(neId, note);
    try {
      await note;
    } finally {
      if (this.notes.get(neId) === note) this.notes.delete(neId);
    }
  }

  /** Gives leases up once their keepalive records are in. */
  private async release(held: readonly { neId: string; token: number }[]): Promise<void> {
    await Promise.allSettled(held.map((h) => this.notes.get(h.neId)));
    await this.d.store.release(this.instanceId, held);
  }

  async offer(): Promise<void> {
    await this.tick();
  }

  async forget(neId: string): Promise<void> {
    const l = this.book.get(neId);
    if (l.state === 'held') this.drop(neId, 'releasing', 'NE removed');
    this.book.forget(neId);
    return Promise.resolve();
  }

  async tell(neId: string, subject: string): Promise<void> {
    // A task stored `activating` notifies its owner in the writing transaction (a trigger); reports need this.
    if (subject.startsWith('report:')) await this.d.store.notify(neId, subject);
  }

  refused(fence: Fence, cause: string): void {
    this.counts.fencingRefusals++;
    const l = this.book.get(fence.neId);
    if (l.state === 'held' && l.token === fence.token) this.drop(fence.neId, 'lost', cause);
  }

  stats(): OwnershipStats {
    return { instanceId: this.instanceId, owned: this.owned(), ...this.counts };
  }

  /** One round (serialised): renew, count instances, take up to the share, give up the excess; then rearm. */
  tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch((err: unknown) => this.warn(err, 'lease round failed'))
      .finally(() => {
        this.ticking = undefined;
        this.expire();
        this.timer?.cancel();
        if (!this.stopped) this.timer = this.d.clock.setTimer(this.renewMs, () => void this.tick());
      });
    return this.ticking;
  }

  private async round(): Promise<void> {
    const { store, clock } = this.d;
    const sentAt = clock.now();
    const held = this.heldLeases();
    const renewed = new Set(await store.renew(this.instanceId, held, this.ttlMs));
    for (const h of held) {
      if (renewed.has(h.neId)) this.book.move(h.neId, 'held', { validUntil: sentAt + this.ttlMs });
      else this.drop(h.neId, 'lost', 'renewal refused: the lease expired or was taken');
    }
    if (this.stopped) return;
    const instances = await store.heartbeat(this.instanceId, this.ttlMs);
    const { total, free } = await store.freeNes();
    const share = Math.ceil(total / Math.max(1, instances));
    let mine = this.book.inState('held').length;
    for (const f of free) {
      if (mine >= share || this.stopped) break;
      if (!this.book.move(f.neId, 'acquiring')) continue;
      const at = clock.now();
      const g = await store.acquire(this.instanceId, f.neId, this.ttlMs).catch(() => undefined);
      if (!g) {
        this.book.move(f.neId, 'free');
        continue;
      }
      if (g.keepaliveAt !== undefined) this.keepaliveAt.set(f.neId, g.keepaliveAt);
      const from = f.owner !== undefined && f.owner !== this.instanceId ? f.owner : undefined;
      if (from) this.counts.takeovers++;
      mine++;
      this.book.move(f.neId, 'held', {
        token: g.token,
        validUntil: at + this.ttlMs,
        cause: from ? `taken over from ${from}` : 'acquired',
      });
      await this.d.audit({
        actor: 'system',
        action: from ? 'TakeOverNe' : 'AcquireNe',
        outcome: 'ok',
        neId: f.neId,
        detail: `${this.instanceId} took ${f.neId}${from ? ` from ${from}` : ''} with token ${g.token}`,
      });
    }
    const excess = this.heldLeases().slice(share);
    for (const h of excess) this.drop(h.neId, 'releasing', `share is ${share} NEs`);
    await this.release(excess);
  }

  /** Leases past their validity by this instance's clock are lost (the database may already have moved on). */
  private expire(): void {
    const now = this.d.clock.now();
    for (const id of this.book.inState('held'))
      if (!this.book.owns(id, now)) this.drop(id, 'lost', 'lease expired before it was renewed');
  }

  /** A held lease ends: told to the listeners (the ADMF drops the link), then free. */
  private drop(neId: string, how: 'lost' | 'releasing', cause: string): void {
    if (this.book.move(neId, how, { cause })) this.book.move(neId, 'free');
    this.keepaliveAt.delete(neId);
  }

  private heldLeases(): { neId: string; token: number }[] {
    return this.book.inState('held').map((neId) => ({ neId, token: this.book.get(neId).token! }));
  }

  /** After the listener (re)connects: everything pending on the owned NEs is looked at again. */
  private catchUp(): void {
    for (const neId of this.owned()) this.listeners.forEach((x) => x.told?.(neId, '*'));
  }

  private warn(err: unknown, msg: string): void {
    this.d.logger.warn({ err: err instanceof Error ? err.message : String(err) }, msg);
  }
}
