/**
 * Packets out of a capture file held in memory, pcapng or classic pcap (draft-ietf-opsawg-pcap §4-5; magic
 * a1b2c3d4 microseconds or a1b23c4d nanoseconds, in either byte order). A damaged or truncated file yields
 * every good packet before the damage and then throws {@link PcapngDecodeError}: callers count it.
 */
import { copyBytes, plainView, viewOf } from './bin.js';
import { readPcapngBlocks } from './pcapng-read.js';
import {
  DEFAULT_TSRESOL,
  IDB_OPTION,
  PCAP_LINKTYPE_MASK,
  PCAP_MAGIC,
  PCAP_SIZES,
  PCAPNG_BLOCK,
  PcapngDecodeError,
} from './pcapng-tables.js';
import type { PcapngOptionValue } from './pcapng-write.js';

export interface CapturedPacket {
  readonly linkType: number;
  readonly timestampMicros: bigint;
  readonly data: Uint8Array;
  readonly originalLength: number;
  readonly comments: string[];
}

const MICROS_PER_SECOND = 1_000_000n;
const TSRESOL_BASE2 = 0x80;
const NANOS_PER_MICRO = 1000;

/** Converts raw timestamp units to microseconds given if_tsresol (pcapng §4.2) and if_tsoffset seconds. */
export function toMicros(raw: bigint, tsresol: number, tsoffset = 0n): bigint {
  const exp = BigInt(tsresol & ~TSRESOL_BASE2);
  const micros =
    tsresol & TSRESOL_BASE2 ? (raw * MICROS_PER_SECOND) >> exp : (raw * MICROS_PER_SECOND) / 10n ** exp;
  return micros + tsoffset * MICROS_PER_SECOND;
}

interface Iface {
  readonly linkType: number;
  readonly tsresol: number;
  readonly tsoffset: bigint;
}

function ifaceOf(linkType: number, options: readonly PcapngOptionValue[], le: boolean): Iface {
  let tsresol = DEFAULT_TSRESOL;
  let tsoffset = 0n;
  for (const o of options) {
    if (o.code === IDB_OPTION.tsresol && o.value.length >= 1) tsresol = o.value[0]!;
    if (o.code === IDB_OPTION.tsoffset && o.value.length === 8) tsoffset = viewOf(o.value).getBigInt64(0, le);
  }
  return { linkType, tsresol, tsoffset };
}

function* pcapngPackets(buf: Uint8Array): Generator<CapturedPacket> {
  let ifaces: Iface[] = [];
  let le = true;
  for (const b of readPcapngBlocks(buf)) {
    if (b.kind === 'shb') {
      ifaces = [];
      le = b.byteOrder === 'le';
    } else if (b.kind === 'idb') ifaces.push(ifaceOf(b.linkType, b.options, le));
    else if (b.kind === 'epb') {
      const i = ifaces[b.interfaceId]!;
      const ts = toMicros(b.timestamp, i.tsresol, i.tsoffset);
      yield {
        linkType: i.linkType,
        timestampMicros: ts,
        data: b.data,
        originalLength: b.originalLength,
        comments: [...b.comments],
      };
    } else if (b.kind === 'spb') {
      yield {
        linkType: ifaces[0]!.linkType,
        timestampMicros: 0n,
        data: b.data,
        originalLength: b.originalLength,
        comments: [],
      };
    }
  }
}

/** Byte order and resolution from a classic pcap magic, or undefined when it is not one. */
function classicFormat(v: DataView): { le: boolean; nanos: boolean } | undefined {
  const be = v.getUint32(0, false);
  const le = v.getUint32(0, true);
  if (be === PCAP_MAGIC.micro || be === PCAP_MAGIC.nano) return { le: false, nanos: be === PCAP_MAGIC.nano };
  if (le === PCAP_MAGIC.micro || le === PCAP_MAGIC.nano) return { le: true, nanos: le === PCAP_MAGIC.nano };
  return undefined;
}

function* classicPackets(
  buf: Uint8Array,
  v: DataView,
  f: { le: boolean; nanos: boolean },
): Generator<CapturedPacket> {
  if (buf.length < PCAP_SIZES.fileHeader)
    throw new PcapngDecodeError('truncated', 'pcap file header cut short', 0);
  const linkType = v.getUint32(20, f.le) & PCAP_LINKTYPE_MASK;
  for (let off = PCAP_SIZES.fileHeader; off < buf.length;) {
    if (buf.length - off < PCAP_SIZES.recordHeader)
      throw new PcapngDecodeError('truncated', 'record header cut short', off);
    const sec = v.getUint32(off, f.le);
    const frac = v.getUint32(off + 4, f.le);
    const capLen = v.getUint32(off + 8, f.le);
    const originalLength = v.getUint32(off + 12, f.le);
    const start = off + PCAP_SIZES.recordHeader;
    if (capLen > buf.length - start)
      throw new PcapngDecodeError('truncated', `record of ${capLen} bytes cut short`, off);
    const micros = f.nanos ? Math.floor(frac / NANOS_PER_MICRO) : frac;
    const timestampMicros = BigInt(sec) * MICROS_PER_SECOND + BigInt(micros);
    yield {
      linkType,
      timestampMicros,
      data: copyBytes(buf, start, start + capLen),
      originalLength,
      comments: [],
    };
    off = start + capLen;
  }
}

/**
 * Every packet of a pcapng or classic pcap file, with its link type, timestamp in microseconds and (pcapng)
 * its comments. Throws {@link PcapngDecodeError} ('unknown-format' for neither format) after the good packets.
 */
export function* readPackets(input: Uint8Array): Generator<CapturedPacket> {
  const buf = plainView(input);
  if (buf.length < 4) throw new PcapngDecodeError('unknown-format', `${buf.length} bytes`, 0);
  const v = viewOf(buf);
  if (v.getUint32(0, true) === PCAPNG_BLOCK.sectionHeader) return yield* pcapngPackets(buf);
  const classic = classicFormat(v);
  if (!classic) throw new PcapngDecodeError('unknown-format', 'neither pcapng nor pcap magic', 0);
  yield* classicPackets(buf, v, classic);
}
