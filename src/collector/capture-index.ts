/**
 * An index of the packet blocks of one capture file, for the collector's read-only API
 * (docs/collector.md "HTTP API"): where each Enhanced Packet Block starts, how long it is, its time, and what
 * a classifier handed in says of it (protocol, Call-ID). The index lives in memory and grows from where it
 * stopped: {@link FileIndex.refresh} reads only the bytes appended since the last call, whole blocks only,
 * so a file that is still being written is indexed up to its last whole block and the rest on a later call.
 * A file never has to be read whole: it is read in slices of {@link INDEX_LIMITS.sliceBytes}.
 */
import { open } from 'node:fs/promises';
import {
  DEFAULT_TSRESOL,
  IDB_OPTION,
  PCAPNG_BLOCK,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_SIZES as S,
} from '../stm/pcapng-tables.js';
import { toMicros } from '../stm/capture-read.js';

export const INDEX_LIMITS = {
  sliceBytes: 1 << 20,
  /** A block larger than this stops the index (the file is taken as damaged from there). */
  maxBlockBytes: 16 << 20,
  initialEntries: 1024,
} as const;

/** What the classifier says of one packet: a protocol code (0: none) and a Call-ID or other key. */
export interface PacketClass {
  readonly protocol: number;
  readonly key?: string;
}

/** Tells what one captured frame carries (the API layer hands in the signalling decoders). */
export type PacketClassifier = (linkType: number, frame: Uint8Array) => PacketClass;

/** One indexed packet block. */
export interface IndexEntry {
  readonly offset: number;
  readonly length: number;
  readonly timeMicros: number;
  readonly protocol: number;
  readonly key: string | undefined;
  readonly linkType: number;
}

interface Iface {
  readonly linkType: number;
  readonly tsresol: number;
}

/** The indexed blocks of one file, in file order. */
export class FileIndex {
  #offset = new Float64Array(INDEX_LIMITS.initialEntries);
  #length = new Uint32Array(INDEX_LIMITS.initialEntries);
  #time = new Float64Array(INDEX_LIMITS.initialEntries);
  #protocol = new Uint8Array(INDEX_LIMITS.initialEntries);
  #key = new Int32Array(INDEX_LIMITS.initialEntries);
  #link = new Uint16Array(INDEX_LIMITS.initialEntries);
  readonly #keys: string[] = [];
  readonly #keyIds = new Map<string, number>();
  #count = 0;
  #refreshing: Promise<void> = Promise.resolve();
  /** File bytes indexed so far (the end of the last whole block). */
  #scanned = 0;
  #le = true;
  #ifaces: Iface[] = [];
  /** Why indexing stopped for good (a damaged block), if it did. */
  damaged: string | undefined;
  /** Earliest and latest packet time (µs since the epoch); NaN while there is none. */
  minTime = NaN;
  maxTime = NaN;

  constructor(
    readonly path: string,
    /**
     * The file's inode and birth time when it was first indexed: another file under the same name starts a
     * new index (an inode number is reused at once after an unlink; the birth time tells them apart).
     */
    readonly identity: string,
    private readonly classify: PacketClassifier,
  ) {}

  get count(): number {
    return this.#count;
  }

  /** File bytes indexed so far. */
  get scanned(): number {
    return this.#scanned;
  }

  /** The entry at position `i` (0 ≤ i < count). */
  entry(i: number): IndexEntry {
    const k = this.#key[i]!;
    return {
      offset: this.#offset[i]!,
      length: this.#length[i]!,
      timeMicros: this.#time[i]!,
      protocol: this.#protocol[i]!,
      key: k < 0 ? undefined : this.#keys[k],
      linkType: this.#link[i]!,
    };
  }

  timeAt(i: number): number {
    return this.#time[i]!;
  }

  protocolAt(i: number): number {
    return this.#protocol[i]!;
  }

  /** The interned id of `key` in this file, or -2 when no packet has it (never equal to an entry's). */
  keyId(key: string): number {
    return this.#keyIds.get(key) ?? -2;
  }

  keyIdAt(i: number): number {
    return this.#key[i]!;
  }

  /** Position of the block that starts at `offset`, or -1. */
  find(offset: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const o = this.#offset[mid]!;
      if (o === offset) return mid;
      if (o < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Position of the first block at or after `offset` (count when none). */
  firstFrom(offset: number): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#offset[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Indexes the blocks appended since the last call, up to `size` (the file's size now). Calls at the same
   * time (a page and an event stream) run one after the other, never over the same bytes twice.
   */
  async refresh(size: number): Promise<void> {
    const run = this.#refreshing.then(() => this.#refresh(size));
    this.#refreshing = run.catch(() => undefined);
    return run;
  }

  async #refresh(size: number): Promise<void> {
    if (this.damaged !== undefined || size <= this.#scanned) return;
    const fh = await open(this.path, 'r');
    try {
      let carry = new Uint8Array(0);
      let base = this.#scanned;
      while (base + carry.length < size && this.damaged === undefined) {
        const want = Math.min(INDEX_LIMITS.sliceBytes, size - base - carry.length);
        const buf = new Uint8Array(carry.length + want);
        buf.set(carry);
        const { bytesRead } = await fh.read(buf, carry.length, want, base + carry.length);
        if (bytesRead === 0) break;
        const filled = buf.subarray(0, carry.length + bytesRead);
        const used = this.#scan(filled, base);
        base += used;
        carry = filled.slice(used);
        this.#scanned = base;
        // A block larger than a slice: the next read brings the rest of it, unless it cannot be whole.
        if (used === 0 && carry.length >= INDEX_LIMITS.maxBlockBytes) this.damaged = 'block too large';
      }
    } finally {
      await fh.close();
    }
  }

  /** Indexes the whole blocks of `buf` (file bytes from `base`); returns how many bytes they take. */
  #scan(buf: Uint8Array, base: number): number {
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = 0;
    while (buf.length - off >= S.blockOverhead) {
      if (v.getUint32(off, true) === PCAPNG_BLOCK.sectionHeader) {
        if (buf.length - off < S.blockOverhead + S.shbFixed) return off;
        const magic = v.getUint32(off + 8, true);
        if (magic === PCAPNG_BYTE_ORDER_MAGIC) this.#le = true;
        else if (v.getUint32(off + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) this.#le = false;
        else return this.#damage('bad byte-order magic', off);
        this.#ifaces = [];
      } else if (base + off === 0) return this.#damage('not a PCAPng file', off);
      const le = this.#le;
      const len = v.getUint32(off + 4, le);
      if (len < S.blockOverhead || len % S.align !== 0 || len > INDEX_LIMITS.maxBlockBytes)
        return this.#damage(`bad block length ${len}`, off);
      if (len > buf.length - off) return off;
      if (v.getUint32(off + len - 4, le) !== len) return this.#damage('trailing length differs', off);
      const type = v.getUint32(off, le);
      if (type === PCAPNG_BLOCK.interfaceDescription) this.#idb(v, off, len, le);
      else if (type === PCAPNG_BLOCK.enhancedPacket) this.#epb(buf, v, off, len, base, le);
      off += len;
    }
    return off;
  }

  #damage(why: string, off: number): number {
    this.damaged = why;
    return off;
  }

  #idb(v: DataView, off: number, len: number, le: boolean): void {
    const body = off + 8;
    if (len < S.blockOverhead + S.idbFixed) return;
    let tsresol: number = DEFAULT_TSRESOL;
    for (let o = body + S.idbFixed; o + S.optionHeader <= off + len - 4;) {
      const code = v.getUint16(o, le);
      const olen = v.getUint16(o + 2, le);
      if (code === 0) break;
      if (code === IDB_OPTION.tsresol && olen >= 1) tsresol = v.getUint8(o + 4);
      o += S.optionHeader + olen + ((S.align - (olen % S.align)) % S.align);
    }
    this.#ifaces.push({ linkType: v.getUint16(body, le), tsresol });
  }

  #epb(buf: Uint8Array, v: DataView, off: number, len: number, base: number, le: boolean): void {
    const body = off + 8;
    if (len < S.blockOverhead + S.epbFixed) return;
    const iface = this.#ifaces[v.getUint32(body, le)];
    if (!iface) return;
    const capLen = v.getUint32(body + 12, le);
    if (capLen > len - S.blockOverhead - S.epbFixed) return;
    const raw = (BigInt(v.getUint32(body + 4, le)) << 32n) | BigInt(v.getUint32(body + 8, le));
    const data = buf.subarray(body + S.epbFixed, body + S.epbFixed + capLen);
    let c: PacketClass;
    try {
      c = this.classify(iface.linkType, data);
    } catch {
      c = { protocol: 0 };
    }
    this.#push(base + off, len, Number(toMicros(raw, iface.tsresol)), c, iface.linkType);
  }

  #push(offset: number, length: number, time: number, c: PacketClass, linkType: number): void {
    if (this.#count === this.#offset.length) this.#grow();
    const i = this.#count++;
    this.#offset[i] = offset;
    this.#length[i] = length;
    this.#time[i] = time;
    if (!(time >= this.minTime)) this.minTime = time;
    if (!(time <= this.maxTime)) this.maxTime = time;
    this.#protocol[i] = c.protocol;
    this.#link[i] = linkType;
    let k = -1;
    if (c.key !== undefined) {
      k = this.#keyIds.get(c.key) ?? -1;
      if (k < 0) {
        k = this.#keys.push(c.key) - 1;
        this.#keyIds.set(c.key, k);
      }
    }
    this.#key[i] = k;
  }

  #grow(): void {
    const n = this.#offset.length * 2;
    const grow = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array | Uint16Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(n);
      b.set(a as never);
      return b;
    };
    this.#offset = grow(this.#offset, (n) => new Float64Array(n));
    this.#length = grow(this.#length, (n) => new Uint32Array(n));
    this.#time = grow(this.#time, (n) => new Float64Array(n));
    this.#protocol = grow(this.#protocol, (n) => new Uint8Array(n));
    this.#key = grow(this.#key, (n) => new Int32Array(n));
    this.#link = grow(this.#link, (n) => new Uint16Array(n));
  }
}
