/**
 * The fence a write about an NE's state carries (docs/admf.md "Several instances"): the instance that owns
 * the NE's lease and the lease's fencing token. A store shared by several ADMF instances (PostgreSQL) commits
 * the write only while that lease is the NE's current one and unexpired, in the same transaction, and throws
 * a `StoreError` of kind `Fenced` otherwise; the embedded store (one instance) has nothing to check.
 */
export interface Fence {
  readonly neId: string;
  /** The owning instance. */
  readonly owner: string;
  /** The fencing token of its lease; a takeover always grants a larger one. */
  readonly token: number;
}
