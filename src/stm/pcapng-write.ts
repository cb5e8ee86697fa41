/**
 * PCAPng writer (draft-ietf-opsawg-pcapng): little-endian blocks, each padded to 32 bits, with options.
 * Everything returns bytes to append; nothing here touches a file.
 */
import {
  allocBytes,
  encodeUtf8,
  isAscii,
  isUint,
  UINT16_MAX,
  UINT32_MAX,
  viewOf,
  writeAscii,
} from './bin.js';
import type { DEFAULT_TSRESOL } from './pcapng-tables.js';
import {
  IDB_OPTION,
  PCAPNG_BLOCK,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_OPTION,
  PCAPNG_SIZES as S,
  PCAPNG_VERSION,
  SECTION_LENGTH_UNSPECIFIED,
  SHB_OPTION,
} from './pcapng-tables.js';

export interface PcapngOptionValue {
  readonly code: number;
  readonly value: Uint8Array;
}

/** `n` rounded up to 32 bits (arithmetic, not bitwise: lengths may exceed 2^31). */
const pad4 = (n: number) => n + ((S.align - (n % S.align)) % S.align);
const LE = true;

/** An option to write: its value as bytes, or as an ASCII string copied in place. */
interface OptionOut {
  readonly code: number;
  readonly value: Uint8Array | string;
}

/** Bytes an options list takes with its opt_endofopt (pcapng §3.5); 0 when there are no options. */
function optionsLength(options: readonly OptionOut[]): number {
  if (options.length === 0) return 0;
  let size = S.optionHeader;
  for (const o of options) {
    if (o.value.length > UINT16_MAX) throw new RangeError(`pcapng option ${o.code} longer than 65535 bytes`);
    size += S.optionHeader + pad4(o.value.length);
  }
  return size;
}

/** Writes an options list (see {@link optionsLength}) at `off` of `out`, whose padding is already zero. */
function writeOptions(out: Uint8Array, v: DataView, off: number, options: readonly OptionOut[]): void {
  if (options.length === 0) return;
  for (const o of options) {
    v.setUint16(off, o.code, LE);
    v.setUint16(off + 2, o.value.length, LE);
    if (typeof o.value === 'string') writeAscii(out, off + S.optionHeader, o.value);
    else out.set(o.value, off + S.optionHeader);
    off += S.optionHeader + pad4(o.value.length);
  }
  v.setUint16(off, PCAPNG_OPTION.endOfOpt, LE);
}

/** Options list with opt_endofopt (pcapng §3.5); empty when there are no options. */
export function encodeOptions(options: readonly PcapngOptionValue[]): Uint8Array {
  const size = optionsLength(options);
  if (size === 0) return new Uint8Array(0);
  const out = allocBytes(size);
  writeOptions(out, viewOf(out), 0, options);
  return out;
}

/** One block: type, total length, `fixed` body, data padded to 32 bits, options, total length again. */
function block(
  type: number,
  fixed: Uint8Array,
  data: Uint8Array,
  options: readonly PcapngOptionValue[],
): Uint8Array {
  const opts = encodeOptions(options);
  const total = S.blockOverhead + fixed.length + pad4(data.length) + opts.length;
  const out = allocBytes(total);
  const v = viewOf(out);
  v.setUint32(0, type, LE);
  v.setUint32(4, total, LE);
  out.set(fixed, 8);
  out.set(data, 8 + fixed.length);
  out.set(opts, 8 + fixed.length + pad4(data.length));
  v.setUint32(total - 4, total, LE);
  return out;
}

/** UTF-8 of `s`; ASCII (the usual comment) straight into the slab, without an ArrayBuffer of its own. */
function utf8Of(s: string): Uint8Array {
  if (!isAscii(s)) return encodeUtf8(s);
  const out = allocBytes(s.length);
  writeAscii(out, 0, s);
  return out;
}

const textOption = (code: number, s: string | undefined): PcapngOptionValue[] =>
  s === undefined ? [] : [{ code, value: utf8Of(s) }];

export interface SectionHeaderOptions {
  readonly shbHardware?: string;
  readonly shbOs?: string;
  readonly shbUserAppl?: string;
}

/** Section Header Block (pcapng §4.1): version 1.0, section length unspecified. */
export function encodeSectionHeader(opts: SectionHeaderOptions = {}): Uint8Array {
  const fixed = new Uint8Array(S.shbFixed);
  const v = new DataView(fixed.buffer);
  v.setUint32(0, PCAPNG_BYTE_ORDER_MAGIC, LE);
  v.setUint16(4, PCAPNG_VERSION.major, LE);
  v.setUint16(6, PCAPNG_VERSION.minor, LE);
  v.setBigInt64(8, SECTION_LENGTH_UNSPECIFIED, LE);
  const options = [
    ...textOption(SHB_OPTION.hardware, opts.shbHardware),
    ...textOption(SHB_OPTION.os, opts.shbOs),
    ...textOption(SHB_OPTION.userAppl, opts.shbUserAppl),
  ];
  return block(PCAPNG_BLOCK.sectionHeader, fixed, new Uint8Array(0), options);
}

export interface InterfaceOptions {
  /** 0 (the default) means no limit (pcapng §4.2). */
  readonly snapLen?: number;
  readonly name?: string;
  /** Written as if_tsresol when given; 6 (microseconds) is also the default meaning when absent. */
  readonly tsresol?: typeof DEFAULT_TSRESOL;
}

/** Interface Description Block (pcapng §4.2). */
export function encodeInterfaceDescription(linkType: number, opts: InterfaceOptions = {}): Uint8Array {
  if (!isUint(linkType, UINT16_MAX)) throw new RangeError('link type must be a uint16');
  const fixed = new Uint8Array(S.idbFixed);
  const v = new DataView(fixed.buffer);
  v.setUint16(0, linkType, LE);
  v.setUint32(4, opts.snapLen ?? 0, LE);
  const options = [...textOption(IDB_OPTION.name, opts.name)];
  if (opts.tsresol !== undefined)
    options.push({ code: IDB_OPTION.tsresol, value: Uint8Array.of(opts.tsresol) });
  return block(PCAPNG_BLOCK.interfaceDescription, fixed, new Uint8Array(0), options);
}

export interface EnhancedPacket {
  readonly interfaceId: number;
  /** Microseconds since the epoch (the interface's default resolution). */
  readonly timestampMicros: bigint;
  readonly data: Uint8Array;
  /** Length on the wire; defaults to the captured length. */
  readonly originalLength?: number | undefined;
  /** opt_comment values, in order. */
  readonly comments?: readonly string[] | undefined;
}

const TS_HIGH_SHIFT = 32n;
const TS_LOW_MASK = 0xffffffffn;

/** Timestamps below this are exact as a Number: split into 32-bit halves without BigInt arithmetic. */
const TS_SAFE = 2n ** 53n;
const TWO_32 = 2 ** 32;

/**
 * Enhanced Packet Block (pcapng §4.3). Written straight into one slab allocation (the collector writes one per
 * report): no separate fixed part, options list or ArrayBuffer; ASCII comments are copied as they are.
 */
export function encodeEnhancedPacket(p: EnhancedPacket): Uint8Array {
  if (!isUint(p.interfaceId, UINT32_MAX)) throw new RangeError('interface ID must be a uint32');
  const ts = p.timestampMicros;
  if (ts < 0n || ts >> 64n !== 0n) throw new RangeError('timestamp out of range');
  const { data } = p;
  const orig = p.originalLength ?? data.length;
  if (!isUint(orig, UINT32_MAX) || orig < data.length)
    throw new RangeError('original length below captured length');
  // Each comment as ASCII written in place, or as its UTF-8 bytes.
  const options = (p.comments ?? []).map((c) => ({
    code: PCAPNG_OPTION.comment,
    value: isAscii(c) ? c : encodeUtf8(c),
  }));
  const total = S.blockOverhead + S.epbFixed + pad4(data.length) + optionsLength(options);
  const out = allocBytes(total);
  const v = viewOf(out);
  v.setUint32(0, PCAPNG_BLOCK.enhancedPacket, LE);
  v.setUint32(4, total, LE);
  v.setUint32(8, p.interfaceId, LE);
  if (ts < TS_SAFE) {
    const n = Number(ts);
    const high = Math.floor(n / TWO_32);
    v.setUint32(12, high, LE);
    v.setUint32(16, n - high * TWO_32, LE);
  } else {
    v.setUint32(12, Number(ts >> TS_HIGH_SHIFT), LE);
    v.setUint32(16, Number(ts & TS_LOW_MASK), LE);
  }
  v.setUint32(20, data.length, LE);
  v.setUint32(24, orig, LE);
  out.set(data, 28);
  writeOptions(out, v, 28 + pad4(data.length), options);
  v.setUint32(total - 4, total, LE);
  return out;
}

/** Simple Packet Block (pcapng §4.4): no timestamp, interface 0. */
export function encodeSimplePacket(data: Uint8Array, originalLength = data.length): Uint8Array {
  const fixed = new Uint8Array(S.spbFixed);
  new DataView(fixed.buffer).setUint32(0, originalLength, LE);
  return block(PCAPNG_BLOCK.simplePacket, fixed, data, []);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
