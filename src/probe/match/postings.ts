/** Posting lists: which identifier of which task a looked-up value satisfies. */

/** One indexed task: its XID and the mask of all its identifier bits. */
export interface TaskEntry {
  readonly xid: string;
  /** One bit per matchable identifier; the task matches when all are set. */
  readonly full: number;
}

/**
 * Identifier number `bit` of `task`. `xid` and `single` (the task has this one identifier) are copies, so a
 * hit on a one-identifier task, the usual case, needs no other object than the posting.
 */
export interface Posting {
  readonly task: TaskEntry;
  readonly bit: number;
  readonly xid: string;
  readonly single: boolean;
}

/**
 * What the lookups of one message found: XIDs of one-identifier tasks, and the identifier bits matched so
 * far per task with several. One instance per index, reset for every message (matching is synchronous).
 */
export class Collector {
  private readonly singles: string[] = [];
  private readonly partial = new Map<TaskEntry, number>();

  reset(): void {
    this.singles.length = 0;
    if (this.partial.size > 0) this.partial.clear();
  }

  record(p: Posting): void {
    if (p.single) this.singles.push(p.xid);
    else this.partial.set(p.task, (this.partial.get(p.task) ?? 0) | (1 << p.bit));
  }

  /** XIDs of the tasks all of whose identifiers were recorded, without repeats. */
  matched(): string[] {
    const out: string[] = [];
    for (const x of this.singles) if (!out.includes(x)) out.push(x);
    for (const [task, bits] of this.partial) if (bits === task.full) out.push(task.xid);
    return out;
  }
}

/**
 * A map from looked-up value to postings. A value named by one identifier (the usual case) maps to the
 * posting itself, not to a list of one: a hit in a large map then costs one memory access less.
 */
export class PostingMap<K> {
  private readonly map = new Map<K, Posting | Posting[]>();

  get size(): number {
    return this.map.size;
  }

  /** The keys held. */
  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  /** Adds a posting under `key`; true when the key is new. */
  add(key: K, p: Posting): boolean {
    const cur = this.map.get(key);
    if (cur === undefined) this.map.set(key, p);
    else if (Array.isArray(cur)) cur.push(p);
    else this.map.set(key, [cur, p]);
    return cur === undefined;
  }

  /** Removes every posting of `task` under `key`; true when the key is gone with them. */
  remove(key: K, task: TaskEntry): boolean {
    const cur = this.map.get(key);
    if (cur === undefined) return false;
    const kept = (Array.isArray(cur) ? cur : [cur]).filter((p) => p.task !== task);
    if (kept.length === 0) this.map.delete(key);
    else this.map.set(key, kept.length === 1 ? kept[0]! : kept);
    return kept.length === 0;
  }

  /** Records the postings under `key` in `c`. */
  collect(key: K, c: Collector): void {
    const cur = this.map.get(key);
    if (cur === undefined) return;
    if (Array.isArray(cur)) for (const p of cur) c.record(p);
    else c.record(cur);
  }
}
