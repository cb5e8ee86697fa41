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

/** A map from looked-up value to postings. */
export class PostingMap<K> {
  private readonly map = new Map<K, Posting[]>();

  get size(): number {
    return this.map.size;
  }

  add(key: K, p: Posting): void {
    const list = this.map.get(key);
    if (list) list.push(p);
    else this.map.set(key, [p]);
  }

  /** Removes every posting of `task` under `key`. */
  remove(key: K, task: TaskEntry): void {
    const list = this.map.get(key);
    if (!list) return;
    const kept = list.filter((p) => p.task !== task);
    if (kept.length === 0) this.map.delete(key);
    else this.map.set(key, kept);
  }

  /** Records the postings under `key` in `hits`; returns `hits` (created on the first hit). */
  collect(key: K, hits: Hits | undefined): Hits | undefined {
    const list = this.map.get(key);
    return list === undefined ? hits : record(list, hits);
  }
}

/** Sets each posting's bit on its task in `hits` (created when undefined). */
export function record(list: readonly Posting[], hits: Hits | undefined): Hits {
  const out = hits ?? new Map<TaskEntry, number>();
  for (const p of list) out.set(p.task, (out.get(p.task) ?? 0) | (1 << p.bit));
  return out;
}
