/**
 * A counting Bloom filter in front of the identity maps. With 100,000 tasks the maps hold tens of thousands
 * of keys each and a lookup of a value nobody targets (most values in real traffic) costs a few cache misses;
 * the filter's bit array (128 KiB) stays in cache, so such a lookup ends after two bit tests. Counts make
 * removal possible; a false positive only costs the map lookup it would have cost anyway.
 */

const FILTER = {
  /** 2^20 bits: about 3 % false positives at 100,000 keys with two probes. */
  log2Bits: 20,
  wordBits: 32,
  log2WordBits: 5,
  fnvOffset: 0x811c9dc5,
  fnvPrime: 0x01000193,
  mix: 0x2c1b3c6d,
  mixShift: 15,
  countMax: 0xffff,
} as const;

const SIZE = 1 << FILTER.log2Bits;
const MASK = SIZE - 1;

/** FNV-1a over `seed` (one step) and the UTF-16 code units of `value`. */
function hash(seed: number, value: string): number {
  let h = Math.imul(FILTER.fnvOffset ^ seed, FILTER.fnvPrime);
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), FILTER.fnvPrime);
  return h;
}

function probes(h: number): [number, number] {
  const h2 = Math.imul(h ^ (h >>> FILTER.mixShift), FILTER.mix);
  return [h & MASK, (h2 >>> (FILTER.wordBits - FILTER.log2Bits)) & MASK];
}

/** Counting Bloom filter over (seed, value) pairs (the seed tells apart kinds): two probes into 2^20 bits. */
export class Prefilter {
  private readonly bits = new Uint32Array(SIZE / FILTER.wordBits);
  private readonly counts = new Uint16Array(SIZE);

  add(seed: number, value: string): void {
    for (const p of probes(hash(seed, value))) {
      if (this.counts[p]! < FILTER.countMax) this.counts[p]!++;
      this.bits[p >>> FILTER.log2WordBits]! |= 1 << (p & (FILTER.wordBits - 1));
    }
  }

  remove(seed: number, value: string): void {
    for (const p of probes(hash(seed, value))) {
      const c = this.counts[p]!;
      // A saturated count is never decremented (it may stand for more keys than it can count).
      if (c === 0 || c === FILTER.countMax) continue;
      this.counts[p] = c - 1;
      if (c === 1) this.bits[p >>> FILTER.log2WordBits]! &= ~(1 << (p & (FILTER.wordBits - 1)));
    }
  }

  /** False when (seed, value) was certainly never added (or was removed). */
  mayContain(seed: number, value: string): boolean {
    const h = hash(seed, value);
    const a = h & MASK;
    if ((this.bits[a >>> FILTER.log2WordBits]! & (1 << (a & (FILTER.wordBits - 1)))) === 0) return false;
    const b =
      (Math.imul(h ^ (h >>> FILTER.mixShift), FILTER.mix) >>> (FILTER.wordBits - FILTER.log2Bits)) & MASK;
    return (this.bits[b >>> FILTER.log2WordBits]! & (1 << (b & (FILTER.wordBits - 1)))) !== 0;
  }
}
