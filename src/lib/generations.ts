/**
 * A map bounded by two generations, for caches and routing tables on the hot path: entries go into the current
 * generation; when it holds `cap` entries it becomes the older one and the previous older one is dropped. An
 * entry read from the older generation moves to the current one, so what is in use stays and what was not used
 * for a generation goes: between `cap` and `2 × cap` entries, O(1) per operation, no timer, no per-entry
 * bookkeeping.
 */
export class Generations<K, V> {
  #cur = new Map<K, V>();
  #old = new Map<K, V>();
  #forgotten = 0;

  constructor(private readonly cap: number) {
    if (!(Number.isInteger(cap) && cap > 0))
      throw new RangeError(`generation size must be a positive integer: ${cap}`);
  }

  /** Entries dropped with an older generation, in total. */
  get forgotten(): number {
    return this.#forgotten;
  }

  get size(): number {
    return this.#cur.size + this.#old.size;
  }

  get(k: K): V | undefined {
    const v = this.#cur.get(k);
    if (v !== undefined) return v;
    const o = this.#old.get(k);
    if (o !== undefined) {
      this.#old.delete(k);
      this.set(k, o);
    }
    return o;
  }

  set(k: K, v: V): void {
    this.#cur.set(k, v);
    if (this.#cur.size < this.cap) return;
    this.#forgotten += this.#old.size;
    this.#old = this.#cur;
    this.#cur = new Map();
  }
}
