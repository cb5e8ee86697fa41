/**
 * Operator changes taken on an instance that does not own the NE (docs/admf.md "Several instances"): modifying
 * or deactivating a task, creating, modifying or removing a destination. Only the owner may speak X1 to the NE
 * and write its state, so the instance that took the REST call queues the change in the shared store for the
 * owner (who is told at once, LISTEN/NOTIFY) and waits for its outcome, which it answers as if it had run the
 * change itself. The owner claims each change under its fence, runs it as the operator who asked (the audit
 * names them), one at a time per NE in the order queued, and stores the outcome.
 *
 * Nothing is lost to a dying owner: changes still queued are run by the next owner when it takes the NE over,
 * and a change an owner claimed but never finished is answered `unreachable` (the task's stored state and the
 * next reconciliation settle what reached the NE). An asker that hears nothing within `waitMs` withdraws the
 * change if nobody claimed it (nothing changed), or answers that it is still running.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { HandedOpStore, HandedResult } from '../store/admf-ops.js';
import type { Fence } from '../store/admf-fence.js';
import { AdmfError, ADMF_ERROR_KINDS, type AdmfErrorKind } from './errors.js';
import { actingAs, currentOperator } from './operator-context.js';

export interface HandoverDeps {
  readonly store: HandedOpStore;
  readonly instanceId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This instance's fence for an NE (undefined when it does not own it). */
  readonly fence: (neId: string) => Fence | undefined;
  /** Runs one change here, as the owner. */
  readonly execute: (op: unknown) => Promise<unknown>;
  /** How long an asker waits for the owner (ms). */
  readonly waitMs?: number;
  /** Backstop poll of an awaited outcome, should its notice be lost with the listening connection (ms). */
  readonly pollMs?: number;
}

export const HANDOVER_DEFAULTS = { waitMs: 30_000, pollMs: 1_000 } as const;

interface Waiter {
  readonly wake: () => void;
}

export class Handover {
  private readonly waiters = new Map<number, Waiter>();
  /** Per NE, the chain of changes this owner runs, so that they run one at a time in the order queued. */
  private readonly chains = new Map<string, Promise<void>>();
  readonly counts = { asked: 0, served: 0, withdrawn: 0, orphaned: 0 };

  constructor(private readonly d: HandoverDeps) {}

  /** Hands a change for `neId` to its owner and resolves (or throws) with the outcome it stored. */
  async ask(neId: string, op: unknown): Promise<unknown> {
    const { store, instanceId } = this.d;
    const id = await store.enqueue(neId, op, instanceId, currentOperator());
    this.counts.asked++;
    const waitMs = this.d.waitMs ?? HANDOVER_DEFAULTS.waitMs;
    let result = await this.await(id, waitMs);
    if (!result && (await store.withdraw(id))) {
      this.counts.withdrawn++;
      throw new AdmfError(
        'unreachable',
        `no instance owning ${neId} took the change within ${waitMs / 1000} s; nothing was changed`,
      );
    }
    result ??= await this.await(id, waitMs);
    if (!result)
      throw new AdmfError(
        'unreachable',
        `${neId}'s owner is still running the change after ${(2 * waitMs) / 1000} s; ` +
          'the stored state and the audit log will show its outcome',
      );
    if (result.ok) return result.value;
    const kind = (ADMF_ERROR_KINDS as readonly string[]).includes(result.kind)
      ? (result.kind as AdmfErrorKind)
      : 'unreachable';
    throw new AdmfError(kind, result.message, result.info as AdmfError['x1']);
  }

  /** A notice heard on the shared channel: the outcome of a change this instance waits for. */
  heard(subject: string): void {
    const done = /^done:(\d+)$/.exec(subject);
    if (done) this.waiters.get(Number(done[1]))?.wake();
  }

  /** Owner: runs one queued change (`op:<id>` told), after those queued before it for the same NE. */
  serve(neId: string, id: number): Promise<void> {
    return this.chain(neId, () => this.runOne(neId, id));
  }

  /**
   * Owner, on gaining an NE or catching up: answers the changes a previous owner claimed and never finished,
   * then runs every change still queued for it.
   */
  drain(neId: string): Promise<void> {
    return this.chain(neId, async () => {
      const n = await this.d.store.orphaned(neId, this.d.instanceId, {
        ok: false,
        kind: 'unreachable',
        message: `${neId} changed owner while the change ran; its stored state and the next reconciliation settle it`,
      });
      this.counts.orphaned += n;
      for (const id of await this.d.store.queued(neId)) await this.runOne(neId, id);
    });
  }

  private chain(neId: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(neId) ?? Promise.resolve())
      .then(fn)
      .catch((err: unknown) =>
        this.d.logger.warn(
          { ne: neId, err: err instanceof Error ? err.message : String(err) },
          'handed change',
        ),
      );
    this.chains.set(neId, next);
    void next.then(() => {
      if (this.chains.get(neId) === next) this.chains.delete(neId);
    });
    return next;
  }

  private async runOne(neId: string, id: number): Promise<void> {
    const fence = this.d.fence(neId);
    if (!fence) return;
    const op = await this.d.store.claim(id, fence);
    if (!op) return;
    const run = () => this.d.execute(op.op);
    let result: HandedResult;
    try {
      const value = await (op.operator !== undefined ? actingAs(op.operator, run) : run());
      result = { ok: true, ...(value !== undefined && { value }) };
    } catch (err) {
      result =
        err instanceof AdmfError
          ? { ok: false, kind: err.kind, message: err.message, ...(err.x1 && { info: err.x1 }) }
          : { ok: false, kind: 'unreachable', message: err instanceof Error ? err.message : String(err) };
    }
    this.counts.served++;
    await this.d.store.finish(id, result);
  }

  /** The outcome of change `id`, once stored, or undefined after `ms`. */
  private async await(id: number, ms: number): Promise<HandedResult | undefined> {
    const { clock, store } = this.d;
    const until = clock.now() + ms;
    const poll = this.d.pollMs ?? HANDOVER_DEFAULTS.pollMs;
    // The waiter is in place before each look, so that a notice arriving in between is not missed.
    let woken = false;
    let wake = () => void (woken = true);
    this.waiters.set(id, { wake: () => wake() });
    try {
      for (;;) {
        woken = false;
        const r = await store.result(id);
        if (r) return r;
        const left = until - clock.now();
        if (left <= 0) return undefined;
        if (woken) continue;
        await new Promise<void>((resolve) => {
          const timer = clock.setTimer(Math.min(poll, left), () => resolve());
          wake = () => {
            timer.cancel();
            resolve();
          };
        });
        wake = () => void (woken = true);
      }
    } finally {
      this.waiters.delete(id);
    }
  }
}

/** What {@link handedTo} needs of the ADMF. */
export interface HandingAdmf {
  readonly handover: Handover | undefined;
  owns(neId: string): boolean;
  /** Throws `not-found` for an unknown NE. */
  requireNe(neId: string): Promise<unknown>;
}

/** A change that names its kind and its arguments after the ADMF (JSON). */
export interface HandedChange {
  readonly kind: string;
  readonly args: readonly unknown[];
}

/**
 * Runs `here` when this instance owns `neId` (or owns every NE, on the embedded store); otherwise hands
 * `change` to the owner and resolves with its outcome (an unknown NE is refused at once).
 */
export async function onOwner<T>(
  admf: HandingAdmf,
  neId: string,
  change: HandedChange,
  here: () => Promise<T>,
): Promise<T> {
  if (!admf.handover || admf.owns(neId)) return here();
  // An unknown NE has no owner to wait for.
  await admf.requireNe(neId);
  return (await admf.handover.ask(neId, change)) as T;
}
