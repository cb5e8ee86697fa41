/**
 * Operator changes handed from the instance that took them on its REST API to the NE's owner (docs/admf.md
 * "Several instances"). Only a shared store has them: on the embedded store one instance owns every NE.
 */
import type { Fence } from './admf-fence.js';

/** A handed change as stored: what to run (opaque JSON to the store), for which NE, asked by whom. */
export interface HandedOp {
  readonly id: number;
  readonly neId: string;
  readonly op: unknown;
  /** The operator (named API credential) the asker acted for. */
  readonly operator?: string;
  readonly askedBy: string;
}

/** The outcome the owner stores for the asker. */
export type HandedResult =
  | { readonly ok: true; readonly value?: unknown }
  | { readonly ok: false; readonly kind: string; readonly message: string; readonly info?: unknown };

export interface HandedOpStore {
  /** Queues a change for `neId`'s owner and tells it (in the same transaction); resolves with its id. */
  enqueue(neId: string, op: unknown, askedBy: string, operator?: string): Promise<number>;
  /** The ids of the changes queued for an NE, oldest first. */
  queued(neId: string): Promise<number[]>;
  /** Takes a queued change to run under the owner's fence; undefined when taken, withdrawn or not owned. */
  claim(id: number, fence: Fence): Promise<HandedOp | undefined>;
  /** Stores the outcome of a claimed change and tells the asker. */
  finish(id: number, result: HandedResult): Promise<void>;
  /**
   * Changes another instance claimed for `neId` and never finished (it died or lost the NE): finished with
   * `result` so that their askers hear of it. Returns how many.
   */
  orphaned(neId: string, owner: string, result: HandedResult): Promise<number>;
  /** The outcome, once finished. */
  result(id: number): Promise<HandedResult | undefined>;
  /** Withdraws a change nobody claimed yet; false when it was claimed already. */
  withdraw(id: number): Promise<boolean>;
}
