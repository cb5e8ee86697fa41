/** Posting lists: which identifier of which task a looked-up value satisfies. */

/** One indexed task: its XID and the mask of all its identifier bits. */
export interface TaskEntry {
  readonly xid: string;
  /** One bit per matchable identifier; the task matches when all are set. */
  readonly full: number;
}

/** Identifier number `bit` of `task`. */
export interface Posting {
  readonly task: TaskEntry;
  readonly bit: number;
}

/** Matched identifier bits per candidate task, filled while one message is looked up. */
export type Hits = Map<TaskEntry, number>;

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

  /** Records the postings under `key` in `hits`; returns `hits` (created on the first hit). */
  collect(key: K, hits: Hits | undefined): Hits | undefined {
    const cur = this.map.get(key);
    if (cur === undefined) return hits;
    const out = hits ?? new Map<TaskEntry, number>();
    if (Array.isArray(cur)) for (const p of cur) set(out, p);
    else set(out, cur);
    return out;
  }
}

function set(hits: Hits, p: Posting): void {
  hits.set(p.task, (hits.get(p.task) ?? 0) | (1 << p.bit));
}
