/**
 * Incremental reader of a capture byte stream, classic pcap (draft-ietf-opsawg-pcap §4-5: magic a1b2c3d4
 * microseconds or a1b23c4d nanoseconds, either byte order) or pcapng (draft-ietf-opsawg-pcapng §3-4: any
 * number of sections, each with its own byte order and interfaces, if_tsresol / if_tsoffset honoured).
 * Bytes come in chunks of any size (a file read piece by piece, tcpdump's standard output), so a capture of
 * any length streams through in bounded memory. Pure: no I/O. The one capture reader of lix: the probe's file
 * and live sources feed it chunks, {@link readPackets} (capture-read.ts) a file held in memory.
 *
 * Damage never throws: {@link CaptureStreamParser.push} returns the good frames before it and records a
 * {@link PcapngDecodeError} in {@link CaptureStreamParser.error}; later bytes are ignored.
 */
import { copyBytes, viewOf } from './bin.js';
import { commentsOf, parseOptions } from './pcapng-read.js';
import {
  DEFAULT_TSRESOL,
  IDB_OPTION,
  PCAP_LINKTYPE_MASK,
  PCAP_MAGIC,
  PCAP_SIZES,
  PCAPNG_BLOCK,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_SIZES as S,
  PCAPNG_VERSION,
  PcapngDecodeError,
} from './pcapng-tables.js';

/** Limits on one record, so that a damaged length cannot make the reader buffer the rest of a file. */
export const CAPTURE_LIMITS = {
  /** Largest classic pcap record (Wireshark's standard maximum packet size). */
  maxPcapRecord: 262_144,
  /** Largest pcapng block (Wireshark's limit). */
  maxPcapngBlock: 16 * 1024 * 1024,
} as const;

/** One packet of a capture: link type, time, bytes, length on the wire and (pcapng) its comments. */
export interface CapturedPacket {
  /** pcap/pcapng LINKTYPE of `data`. */
  readonly linkType: number;
  /** Capture time, microseconds since the epoch. */
  readonly timestampMicros: bigint;
  readonly data: Uint8Array;
  /** Length on the wire (≥ `data.length` when the capture was cut at a snap length). */
  readonly originalLength: number;
  /** opt_comment values of a pcapng EPB; empty otherwise. */
  readonly comments: readonly string[];
}

const MICROS_PER_SECOND = 1_000_000n;
const NANOS_PER_MICRO = 1000n;
const TSRESOL_BASE2 = 0x80;
const NO_COMMENTS: readonly string[] = Object.freeze([]);
/** The high 32 bits of a 64-bit timestamp below which high × 2^32 + low is exact as a Number (2^53). */
const SAFE_HIGH = 2 ** 21;

/** Converts raw timestamp units to microseconds given if_tsresol (pcapng §4.2) and if_tsoffset seconds. */
export function toMicros(raw: bigint, tsresol: number, tsoffset = 0n): bigint {
  if (tsresol === DEFAULT_TSRESOL && tsoffset === 0n) return raw;
  const exp = BigInt(tsresol & ~TSRESOL_BASE2);
  const micros =
    tsresol & TSRESOL_BASE2 ? (raw * MICROS_PER_SECOND) >> exp : (raw * MICROS_PER_SECOND) / 10n ** exp;
  return micros + tsoffset * MICROS_PER_SECOND;
}
/** Block type + total length: enough to size a pcapng block (its byte order known). */
const BLOCK_PREFIX = 8;
/** Through the byte-order magic of an SHB. */
const SHB_PREFIX = 12;
/** Bytes taken at a time to complete a header whose record length is not known yet (any header fits). */
const HEADER_STEP = 64;
const EMPTY = new Uint8Array(0);

/** Throws when a block of `type` at `at` has fewer than `n` bytes of body (a function, not a closure per block). */
function need(body: number, n: number, type: number, at: number): void {
  if (body < n) throw new PcapngDecodeError('bad-block-length', `block type ${type} too short`, at);
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const pad4 = (n: number) => n + ((S.align - (n % S.align)) % S.align);

interface Iface {
  readonly linkType: number;
  readonly tsresol: number;
  readonly tsoffset: bigint;
  readonly snapLen: number;
}

type State =
  | { readonly format: 'unknown' }
  | { readonly format: 'pcap'; readonly le: boolean; readonly nanos: boolean; readonly linkType: number }
  | { readonly format: 'pcapng'; le: boolean; ifaces: Iface[] };

/** How a {@link CaptureStreamParser} hands out frame bytes. */
export interface CaptureStreamOptions {
  /**
   * Frame data as views into the chunk pushed (no copy per packet), for a feeder that never writes into a
   * chunk after pushing it (Node's stream chunks are fresh allocations). A frame kept then keeps its whole
   * chunk in memory. Default false: data copied, so that `chunk` may be reused.
   */
  readonly views?: boolean;
}

/** Reads frames out of a pcap or pcapng byte stream fed in chunks. */
export class CaptureStreamParser {
  private readonly views: boolean;
  private buf: Uint8Array = new Uint8Array(0);
  /** Stream offset of `buf[0]`, for error messages. */
  private base = 0;
  private state: State = { format: 'unknown' };
  private lastTs = 0n;
  /** A DataView of {@link buf}, made again only when the buffer changes (not per record). */
  private dv: DataView | undefined;
  private dvOf: Uint8Array | undefined;
  /** The damage that stopped the reader, if any. */
  error: PcapngDecodeError | undefined;

  constructor(opts: CaptureStreamOptions = {}) {
    this.views = opts.views ?? false;
  }

  /** 'pcap' or 'pcapng' once the first bytes are in. */
  get format(): 'unknown' | 'pcap' | 'pcapng' {
    return this.state.format;
  }

  /**
   * Feeds the next chunk; returns the frames it completes (data copied unless `views`). A record cut by the
   * chunk boundary is completed by copying it alone (the part left over and as much of `chunk` as it
   * lacks); the rest of the chunk is read where it lies, never copied whole.
   */
  push(chunk: Uint8Array): CapturedPacket[] {
    const out: CapturedPacket[] = [];
    let rest = chunk;
    while (!this.error) {
      if (this.buf.length === 0) {
        this.buf = rest;
        rest = EMPTY;
      } else if (rest.length > 0) {
        const len = this.pendingLength();
        const want = len > this.buf.length ? len - this.buf.length : HEADER_STEP;
        const take = Math.min(want, rest.length);
        this.buf = joined(this.buf, rest.subarray(0, take));
        rest = rest.subarray(take);
      }
      this.consume(out);
      if (rest.length === 0) break;
    }
    return out;
  }

  /** Reads every whole record at the start of the buffer and keeps what is left. */
  private consume(out: CapturedPacket[]): void {
    let off = 0;
    try {
      for (;;) {
        const used = this.step(off, out);
        if (used === 0) break;
        off += used;
      }
    } catch (e) {
      if (!(e instanceof PcapngDecodeError)) throw e;
      this.error = e;
    }
    this.buf = this.buf.subarray(off);
    this.base += off;
  }

  /** Length of the record the buffer starts with, or 0 while its header is not all in (or at an SHB). */
  private pendingLength(): number {
    const st = this.state;
    const v = this.view();
    if (st.format === 'pcap' && this.buf.length >= PCAP_SIZES.recordHeader)
      return PCAP_SIZES.recordHeader + v.getUint32(8, st.le);
    if (st.format === 'pcapng' && this.buf.length >= BLOCK_PREFIX) {
      if (v.getUint32(0, true) === PCAPNG_BLOCK.sectionHeader) return 0;
      return v.getUint32(4, st.le);
    }
    return 0;
  }

  /** The end of the stream: bytes left over are a truncated record (recorded in {@link error}). */
  end(): PcapngDecodeError | undefined {
    if (!this.error && this.buf.length > 0) {
      const what = this.state.format === 'unknown' ? 'file header' : 'record';
      this.error = new PcapngDecodeError(
        'truncated',
        `${what} cut short (${this.buf.length} bytes)`,
        this.base,
      );
    }
    if (!this.error && this.state.format === 'unknown')
      this.error = new PcapngDecodeError('unknown-format', 'empty stream', 0);
    return this.error;
  }

  private view(): DataView {
    if (this.dvOf !== this.buf || this.dv === undefined) {
      this.dvOf = this.buf;
      this.dv = viewOf(this.buf);
    }
    return this.dv;
  }

  /** Frame bytes `start..end` of the buffer: a view or a copy (see {@link CaptureStreamOptions}). */
  private bytes(start: number, end: number): Uint8Array {
    return this.views ? this.buf.subarray(start, end) : copyBytes(this.buf, start, end);
  }

  /** Consumes one header, record or block at `off`; returns its length, or 0 when more bytes are needed. */
  private step(off: number, out: CapturedPacket[]): number {
    const st = this.state;
    if (st.format === 'unknown') return this.detect(off);
    if (st.format === 'pcap') return this.pcapRecord(off, st, out);
    return this.pcapngBlock(off, st, out);
  }

  private detect(off: number): number {
    const avail = this.buf.length - off;
    if (avail < 4) return 0;
    const v = this.view();
    if (v.getUint32(off, true) === PCAPNG_BLOCK.sectionHeader) {
      const st: State & { format: 'pcapng' } = { format: 'pcapng', le: true, ifaces: [] };
      this.state = st;
      return this.pcapngBlock(off, st, []);
    }
    const be = v.getUint32(off, false);
    const le = v.getUint32(off, true);
    const isMagic = (m: number) => m === PCAP_MAGIC.micro || m === PCAP_MAGIC.nano;
    if (!isMagic(be) && !isMagic(le))
      throw new PcapngDecodeError('unknown-format', 'neither pcapng nor pcap magic', this.base + off);
    if (avail < PCAP_SIZES.fileHeader) return 0;
    const little = !isMagic(be);
    const linkType = v.getUint32(off + 20, little) & PCAP_LINKTYPE_MASK;
    this.state = { format: 'pcap', le: little, nanos: (little ? le : be) === PCAP_MAGIC.nano, linkType };
    return PCAP_SIZES.fileHeader;
  }

  private pcapRecord(off: number, st: State & { format: 'pcap' }, out: CapturedPacket[]): number {
    const avail = this.buf.length - off;
    if (avail < PCAP_SIZES.recordHeader) return 0;
    const v = this.view();
    const capLen = v.getUint32(off + 8, st.le);
    if (capLen > CAPTURE_LIMITS.maxPcapRecord)
      throw new PcapngDecodeError('bad-block-length', `record of ${capLen} bytes`, this.base + off + 8);
    const total = PCAP_SIZES.recordHeader + capLen;
    if (avail < total) return 0;
    const sec = BigInt(v.getUint32(off, st.le));
    const frac = BigInt(v.getUint32(off + 4, st.le));
    const timestampMicros = sec * MICROS_PER_SECOND + (st.nanos ? frac / NANOS_PER_MICRO : frac);
    const start = off + PCAP_SIZES.recordHeader;
    out.push({
      linkType: st.linkType,
      timestampMicros,
      data: this.bytes(start, start + capLen),
      originalLength: v.getUint32(off + 12, st.le),
      comments: NO_COMMENTS,
    });
    this.lastTs = timestampMicros;
    return total;
  }

  /** Length of the pcapng block at `off` (0 when its prefix is not in yet), switching sections at an SHB. */
  private blockLength(off: number, st: State & { format: 'pcapng' }): number {
    const avail = this.buf.length - off;
    const v = this.view();
    if (avail < BLOCK_PREFIX) return 0;
    if (v.getUint32(off, true) === PCAPNG_BLOCK.sectionHeader) {
      if (avail < SHB_PREFIX) return 0;
      const magic = v.getUint32(off + 8, true);
      if (magic !== PCAPNG_BYTE_ORDER_MAGIC && v.getUint32(off + 8, false) !== PCAPNG_BYTE_ORDER_MAGIC)
        throw new PcapngDecodeError('bad-byte-order', `magic 0x${magic.toString(16)}`, this.base + off + 8);
      st.le = magic === PCAPNG_BYTE_ORDER_MAGIC;
      st.ifaces = [];
    }
    const len = v.getUint32(off + 4, st.le);
    if (len < S.blockOverhead || len % S.align !== 0 || len > CAPTURE_LIMITS.maxPcapngBlock)
      throw new PcapngDecodeError('bad-block-length', `block length ${len}`, this.base + off + 4);
    return len;
  }

  private pcapngBlock(off: number, st: State & { format: 'pcapng' }, out: CapturedPacket[]): number {
    const len = this.blockLength(off, st);
    if (len === 0 || this.buf.length - off < len) return 0;
    const v = this.view();
    const at = this.base + off;
    if (v.getUint32(off + len - 4, st.le) !== len)
      throw new PcapngDecodeError('trailing-length-mismatch', `trailing length differs from ${len}`, at);
    const type = v.getUint32(off, st.le);
    const body = off + BLOCK_PREFIX;
    const end = off + len - 4;
    if (type === PCAPNG_BLOCK.sectionHeader) {
      need(end - body, S.shbFixed, type, at);
      const major = v.getUint16(body + 4, st.le);
      if (major !== PCAPNG_VERSION.major) throw new PcapngDecodeError('bad-version', `major ${major}`, at);
    } else if (type === PCAPNG_BLOCK.interfaceDescription) {
      need(end - body, S.idbFixed, type, at);
      st.ifaces.push(this.iface(v, body, end, st.le));
    } else if (type === PCAPNG_BLOCK.enhancedPacket) {
      need(end - body, S.epbFixed, type, at);
      out.push(this.enhancedPacket(v, body, end, st, at));
    } else if (type === PCAPNG_BLOCK.simplePacket) {
      need(end - body, S.spbFixed, type, at);
      out.push(this.simplePacket(v, body, end, st, at));
    }
    return len;
  }

  private iface(v: DataView, body: number, end: number, le: boolean): Iface {
    let tsresol: number = DEFAULT_TSRESOL;
    let tsoffset = 0n;
    for (const o of parseOptions(v, this.buf, body + S.idbFixed, end, le)) {
      if (o.code === IDB_OPTION.tsresol && o.value.length >= 1) tsresol = o.value[0]!;
      if (o.code === IDB_OPTION.tsoffset && o.value.length === 8)
        tsoffset = viewOf(o.value).getBigInt64(0, le);
    }
    return { linkType: v.getUint16(body, le), tsresol, tsoffset, snapLen: v.getUint32(body + 4, le) };
  }

  private enhancedPacket(
    v: DataView,
    body: number,
    end: number,
    st: State & { format: 'pcapng' },
    at: number,
  ): CapturedPacket {
    const i = st.ifaces[v.getUint32(body, st.le)];
    if (!i)
      throw new PcapngDecodeError('bad-interface', `interface ${v.getUint32(body, st.le)} not declared`, at);
    const capLen = v.getUint32(body + 12, st.le);
    const dataStart = body + S.epbFixed;
    if (pad4(capLen) > end - dataStart)
      throw new PcapngDecodeError('bad-block-length', `captured length ${capLen} overruns the block`, at);
    const high = v.getUint32(body + 4, st.le);
    const low = v.getUint32(body + 8, st.le);
    // One BigInt rather than four while the value is exact as a Number (any µs or ns time before 2255).
    const raw = high < SAFE_HIGH ? BigInt(high * 2 ** 32 + low) : (BigInt(high) << 32n) | BigInt(low);
    const timestampMicros = toMicros(raw, i.tsresol, i.tsoffset);
    this.lastTs = timestampMicros;
    // Options (comments) only when the block has room for them: tcpdump writes none.
    const optStart = dataStart + pad4(capLen);
    const comments =
      optStart < end ? commentsOf(parseOptions(v, this.buf, optStart, end, st.le)) : NO_COMMENTS;
    return {
      linkType: i.linkType,
      timestampMicros,
      data: this.bytes(dataStart, dataStart + capLen),
      originalLength: v.getUint32(body + 16, st.le),
      comments,
    };
  }

  /** A Simple Packet Block (pcapng §4.4) has no timestamp: it takes the previous frame's. */
  private simplePacket(
    v: DataView,
    body: number,
    end: number,
    st: State & { format: 'pcapng' },
    at: number,
  ): CapturedPacket {
    const i = st.ifaces[0];
    if (!i) throw new PcapngDecodeError('bad-interface', 'simple packet without an interface', at);
    const room = end - body - S.spbFixed;
    const originalLength = v.getUint32(body, st.le);
    const capLen = Math.min(originalLength, room, i.snapLen === 0 ? room : i.snapLen);
    const start = body + S.spbFixed;
    return {
      linkType: i.linkType,
      timestampMicros: this.lastTs,
      data: this.bytes(start, start + capLen),
      originalLength,
      comments: NO_COMMENTS,
    };
  }
}
