/**
 * PCAPng reader (draft-ietf-opsawg-pcapng §3-4): any number of sections, each in its own byte order; SHB,
 * IDB, EPB and SPB decoded with their options, other blocks returned raw. Damage throws
 * {@link PcapngDecodeError} after every good block before it has been yielded.
 */
import { copyBytes, decodeUtf8, plainView, viewOf } from './bin.js';
import {
  PCAPNG_BLOCK,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_OPTION,
  PCAPNG_SIZES as S,
  PCAPNG_VERSION,
  PcapngDecodeError,
} from './pcapng-tables.js';
import type { PcapngOptionValue } from './pcapng-write.js';

export type ByteOrder = 'le' | 'be';

export type PcapngBlock =
  | {
      readonly kind: 'shb';
      readonly offset: number;
      readonly byteOrder: ByteOrder;
      readonly majorVersion: number;
      readonly minorVersion: number;
      readonly sectionLength: bigint;
      readonly options: readonly PcapngOptionValue[];
    }
  | {
      readonly kind: 'idb';
      readonly offset: number;
      readonly linkType: number;
      readonly snapLen: number;
      readonly options: readonly PcapngOptionValue[];
    }
  | {
      readonly kind: 'epb';
      readonly offset: number;
      readonly interfaceId: number;
      /** Raw timestamp in the interface's if_tsresol units. */
      readonly timestamp: bigint;
      readonly data: Uint8Array;
      readonly originalLength: number;
      readonly options: readonly PcapngOptionValue[];
      readonly comments: readonly string[];
    }
  | {
      readonly kind: 'spb';
      readonly offset: number;
      readonly data: Uint8Array;
      readonly originalLength: number;
    }
  | {
      readonly kind: 'other';
      readonly offset: number;
      readonly blockType: number;
      readonly body: Uint8Array;
    };

/** `n` rounded up to 32 bits (arithmetic, not bitwise: lengths may exceed 2^31). */
const pad4 = (n: number) => n + ((S.align - (n % S.align)) % S.align);
const MIN_SHB = S.blockOverhead + S.shbFixed;

/** Parses an options list `buf[start, end)`; stops at opt_endofopt or at the end. */
export function parseOptions(
  v: DataView,
  buf: Uint8Array,
  start: number,
  end: number,
  le: boolean,
): PcapngOptionValue[] {
  const out: PcapngOptionValue[] = [];
  let off = start;
  while (off + S.optionHeader <= end) {
    const code = v.getUint16(off, le);
    const len = v.getUint16(off + 2, le);
    if (code === PCAPNG_OPTION.endOfOpt) return out;
    const valueEnd = off + S.optionHeader + len;
    if (valueEnd > end)
      throw new PcapngDecodeError('bad-option', `option ${code} of ${len} bytes overruns its block`, off);
    out.push({ code, value: copyBytes(buf, off + S.optionHeader, valueEnd) });
    off += S.optionHeader + pad4(len);
  }
  return out;
}

/** The opt_comment values among `options`, as text (invalid UTF-8 is replaced, never fatal). */
export function commentsOf(options: readonly PcapngOptionValue[]): string[] {
  return options
    .filter((o) => o.code === PCAPNG_OPTION.comment)
    .map((o) => decodeUtf8(o.value, 0, o.value.length) ?? new TextDecoder().decode(o.value));
}

interface Section {
  le: boolean;
  interfaces: number;
  /** Snap length of interface 0, which Simple Packet Blocks belong to (0 = none). */
  snap0: number;
}

/** Byte order of the SHB at `off` (from its byte-order magic). */
function sectionOrder(v: DataView, off: number, avail: number): boolean {
  if (avail < MIN_SHB) throw new PcapngDecodeError('truncated', 'section header block cut short', off);
  const magic = v.getUint32(off + 8, true);
  if (magic === PCAPNG_BYTE_ORDER_MAGIC) return true;
  if (v.getUint32(off + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) return false;
  throw new PcapngDecodeError('bad-byte-order', `byte-order magic 0x${magic.toString(16)}`, off + 8);
}

/** Length of the block at `off`, checked against the buffer and the trailing copy. */
function blockLength(v: DataView, off: number, le: boolean): number {
  const avail = v.byteLength - off;
  if (avail < S.blockOverhead) throw new PcapngDecodeError('truncated', `${avail} bytes left, no block`, off);
  const len = v.getUint32(off + 4, le);
  if (len < S.blockOverhead || len % S.align !== 0)
    throw new PcapngDecodeError('bad-block-length', `block length ${len}`, off + 4);
  if (len > avail) throw new PcapngDecodeError('truncated', `block of ${len} bytes, ${avail} left`, off);
  if (v.getUint32(off + len - 4, le) !== len) {
    throw new PcapngDecodeError(
      'trailing-length-mismatch',
      `trailing length differs from ${len}`,
      off + len - 4,
    );
  }
  return len;
}

/** Walks the blocks of a pcapng file held in memory. */
export function* readPcapngBlocks(input: Uint8Array): Generator<PcapngBlock> {
  const buf = plainView(input);
  const v = viewOf(buf);
  let section: Section | undefined;
  for (let off = 0; off < buf.length;) {
    const avail = buf.length - off;
    if (avail >= 4 && v.getUint32(off, true) === PCAPNG_BLOCK.sectionHeader) {
      section = { le: sectionOrder(v, off, avail), interfaces: 0, snap0: 0 };
    } else if (!section) {
      throw new PcapngDecodeError('no-section', 'data before the first section header block', off);
    }
    const le = section.le;
    const len = blockLength(v, off, le);
    yield decodeBlock(v, buf, off, len, section);
    off += len;
  }
}

function decodeBlock(v: DataView, buf: Uint8Array, off: number, len: number, sec: Section): PcapngBlock {
  const le = sec.le;
  const type = v.getUint32(off, le);
  const body = off + 8;
  const end = off + len - 4;
  const need = (n: number) => {
    if (end - body < n) throw new PcapngDecodeError('bad-block-length', `block type ${type} too short`, off);
  };
  switch (type) {
    case PCAPNG_BLOCK.sectionHeader: {
      need(S.shbFixed);
      const majorVersion = v.getUint16(body + 4, le);
      if (majorVersion !== PCAPNG_VERSION.major)
        throw new PcapngDecodeError('bad-version', `major version ${majorVersion}`, body + 4);
      const options = parseOptions(v, buf, body + S.shbFixed, end, le);
      const sectionLength = v.getBigInt64(body + 8, le);
      return {
        kind: 'shb',
        offset: off,
        byteOrder: le ? 'le' : 'be',
        majorVersion,
        minorVersion: v.getUint16(body + 6, le),
        sectionLength,
        options,
      };
    }
    case PCAPNG_BLOCK.interfaceDescription: {
      need(S.idbFixed);
      const snapLen = v.getUint32(body + 4, le);
      if (sec.interfaces++ === 0) sec.snap0 = snapLen;
      const options = parseOptions(v, buf, body + S.idbFixed, end, le);
      return { kind: 'idb', offset: off, linkType: v.getUint16(body, le), snapLen, options };
    }
    case PCAPNG_BLOCK.enhancedPacket: {
      need(S.epbFixed);
      const interfaceId = v.getUint32(body, le);
      if (interfaceId >= sec.interfaces)
        throw new PcapngDecodeError('bad-interface', `interface ${interfaceId} not declared`, body);
      const capLen = v.getUint32(body + 12, le);
      const dataStart = body + S.epbFixed;
      if (pad4(capLen) > end - dataStart)
        throw new PcapngDecodeError(
          'bad-block-length',
          `captured length ${capLen} overruns the block`,
          body + 12,
        );
      const timestamp = (BigInt(v.getUint32(body + 4, le)) << 32n) | BigInt(v.getUint32(body + 8, le));
      const options = parseOptions(v, buf, dataStart + pad4(capLen), end, le);
      const data = copyBytes(buf, dataStart, dataStart + capLen);
      return {
        kind: 'epb',
        offset: off,
        interfaceId,
        timestamp,
        data,
        originalLength: v.getUint32(body + 16, le),
        options,
        comments: commentsOf(options),
      };
    }
    case PCAPNG_BLOCK.simplePacket: {
      need(S.spbFixed);
      if (sec.interfaces === 0)
        throw new PcapngDecodeError('bad-interface', 'simple packet without an interface', off);
      const originalLength = v.getUint32(body, le);
      const room = end - body - S.spbFixed;
      const capLen = Math.min(originalLength, room, sec.snap0 === 0 ? room : sec.snap0);
      return {
        kind: 'spb',
        offset: off,
        data: copyBytes(buf, body + S.spbFixed, body + S.spbFixed + capLen),
        originalLength,
      };
    }
    default:
      return { kind: 'other', offset: off, blockType: type, body: copyBytes(buf, body, end) };
  }
}
