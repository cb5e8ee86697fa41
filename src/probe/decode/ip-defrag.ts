/**
 * IPv4 and IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5). Fragments are keyed by source,
 * destination, protocol (IPv4 only) and identification; a fragment that overlaps another with a different
 * extent drops the whole datagram (RFC 5722, applied to IPv4 too), an exact duplicate is ignored. A datagram
 * is rebuilt as an unfragmented packet that `parseIpPacket` reads. Bounded by count, fragments per datagram
 * and 65535 bytes; stale datagrams are expired. Pure.
 */
import { internetChecksum } from '../../stm/gre.js';
import { PacketError } from '../../stm/packet.js';
import type { CounterSet } from './counters.js';
import type { DecodeOptions } from './options.js';

/** Header fields and limits of RFC 791 §3.1 and RFC 8200 §4. */
export const IP = {
  v4Header: 20,
  v6Header: 40,
  v4FlagMf: 0x2000,
  v4OffsetMask: 0x1fff,
  /** Fragment offsets count 8-byte units. */
  offsetUnit: 8,
  v6OffsetMask: 0xfff8,
  v6FlagM: 0x0001,
  v6FragmentHeader: 8,
  /** Largest IPv4 total length and IPv6 payload length (no jumbograms). */
  maxLength: 0xffff,
  ext: { hopByHop: 0, routing: 43, fragment: 44, destOpts: 60 },
} as const;

/** One fragment as {@link locate} found it. */
export interface FragmentInfo {
  readonly key: string;
  /** Byte offset of `data` in the original datagram's fragmentable part. */
  readonly offset: number;
  readonly more: boolean;
  readonly data: Uint8Array;
  /** The packet up to the fragmentable part (IPv4 header; IPv6 header and extensions before Fragment). */
  readonly head: Uint8Array;
  /** IPv6: where in `head` the Next Header that names the Fragment header sits; its next header value. */
  readonly v6Next?: { readonly at: number; readonly value: number };
}

/** Where the transport segment of an IP packet lies, and its fragment when it is one. */
export interface IpLayout {
  readonly l4Start: number;
  readonly l4End: number;
  readonly fragment?: FragmentInfo;
}

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function locateV4(b: Uint8Array): IpLayout {
  const ihl = (b[0]! & 0x0f) * 4;
  if (ihl < IP.v4Header || b.length < ihl) throw new PacketError('IPv4 header cut short');
  const end = Math.min(u16(b, 2), b.length);
  if (end < ihl) throw new PacketError('IPv4 total length below header length');
  const frag = u16(b, 6);
  const offset = (frag & IP.v4OffsetMask) * IP.offsetUnit;
  const more = (frag & IP.v4FlagMf) !== 0;
  if (offset === 0 && !more) return { l4Start: ihl, l4End: end };
  const key = `4 ${hex(b.subarray(12, 20))} ${b[9]} ${u16(b, 4)}`;
  const fragment = { key, offset, more, data: b.subarray(ihl, end), head: b.subarray(0, ihl) };
  return { l4Start: ihl, l4End: end, fragment };
}

function locateV6(b: Uint8Array): IpLayout {
  if (b.length < IP.v6Header) throw new PacketError('IPv6 header cut short');
  const end = Math.min(IP.v6Header + u16(b, 4), b.length);
  let nextAt = 6;
  let off = IP.v6Header;
  for (;;) {
    const next = b[nextAt]!;
    if (next === IP.ext.fragment) {
      if (off + IP.v6FragmentHeader > end) throw new PacketError('IPv6 fragment header cut short');
      const field = u16(b, off + 2);
      const key = `6 ${hex(b.subarray(8, 40))} ${hex(b.subarray(off + 4, off + 8))}`;
      const fragment: FragmentInfo = {
        key,
        offset: field & IP.v6OffsetMask,
        more: (field & IP.v6FlagM) !== 0,
        data: b.subarray(off + IP.v6FragmentHeader, end),
        head: b.subarray(0, off),
        v6Next: { at: nextAt, value: b[off]! },
      };
      return { l4Start: off + IP.v6FragmentHeader, l4End: end, fragment };
    }
    if (next !== IP.ext.hopByHop && next !== IP.ext.routing && next !== IP.ext.destOpts) break;
    if (off + 2 > end) throw new PacketError('IPv6 extension header cut short');
    nextAt = off;
    off += (b[off + 1]! + 1) * 8;
    if (off > end) throw new PacketError('IPv6 extension header cut short');
  }
  return { l4Start: off, l4End: end };
}

/** The layout of an IPv4/IPv6 packet; throws {@link PacketError} when its headers are cut short. */
export function locate(ip: Uint8Array): IpLayout {
  const version = (ip[0] ?? 0) >> 4;
  if (version === 4) return locateV4(ip);
  if (version === 6) return locateV6(ip);
  throw new PacketError(`IP version ${version}`);
}

/** The unfragmented packet made of `head` (fixed up) and the whole fragmentable part. */
export function rebuild(f: FragmentInfo, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(f.head.length + data.length);
  out.set(f.head, 0);
  out.set(data, f.head.length);
  const v = new DataView(out.buffer);
  if (f.v6Next) {
    out[f.v6Next.at] = f.v6Next.value;
    v.setUint16(4, out.length - IP.v6Header);
  } else {
    v.setUint16(2, out.length);
    v.setUint16(6, 0);
    v.setUint16(10, 0);
    v.setUint16(10, internetChecksum(out.subarray(0, f.head.length)));
  }
  return out;
}

interface Piece {
  readonly offset: number;
  readonly data: Uint8Array;
}

interface Datagram {
  readonly pieces: Piece[];
  bytes: number;
  /** Length of the fragmentable part, known once the last fragment (MF/M clear) came. */
  total?: number;
  first?: FragmentInfo;
  readonly since: bigint;
}

/** Holds fragments until their datagram is whole. */
export class IpDefragmenter {
  private readonly held = new Map<string, Datagram>();

  constructor(
    private readonly options: DecodeOptions,
    private readonly counters: CounterSet,
  ) {}

  /** Datagrams under reassembly. */
  get size(): number {
    return this.held.size;
  }

  /** Takes one fragment; returns the rebuilt packet when it completes its datagram. */
  push(f: FragmentInfo, now: bigint): Uint8Array | undefined {
    this.counters.add('fragments');
    if (f.offset === 0 && !f.more) return rebuild(f, f.data); // an atomic fragment (RFC 6946)
    let d = this.held.get(f.key);
    if (!d) {
      d = { pieces: [], bytes: 0, since: now };
      this.held.set(f.key, d);
      this.bound();
    }
    const verdict = this.add(d, f);
    if (verdict === 'duplicate') return undefined;
    if (verdict !== 'ok') {
      this.held.delete(f.key);
      this.counters.countMalformed(verdict);
      return undefined;
    }
    if (d.total === undefined || !d.first || d.bytes !== d.total) return undefined;
    this.held.delete(f.key);
    this.counters.add('reassembled');
    const whole = new Uint8Array(d.total);
    for (const p of d.pieces) whole.set(p.data, p.offset);
    return rebuild(d.first, whole);
  }

  private add(d: Datagram, f: FragmentInfo): 'ok' | 'duplicate' | 'fragment-overlap' | 'fragment-too-large' {
    const end = f.offset + f.data.length;
    const headRoom = f.v6Next ? f.head.length - IP.v6Header : f.head.length;
    if (end + headRoom > IP.maxLength || d.pieces.length >= this.options.maxFragmentsPerDatagram)
      return 'fragment-too-large';
    if (!f.more) {
      if ((d.total !== undefined && d.total !== end) || d.pieces.some((p) => p.offset + p.data.length > end))
        return 'fragment-overlap';
    } else if (d.total !== undefined && end > d.total) return 'fragment-overlap';
    for (const p of d.pieces) {
      const pEnd = p.offset + p.data.length;
      if (f.offset >= pEnd || end <= p.offset) continue;
      if (p.offset === f.offset && pEnd === end) return 'duplicate';
      return 'fragment-overlap';
    }
    if (!f.more) d.total = end;
    if (f.offset === 0) d.first = { ...f, head: f.head.slice(), data: new Uint8Array(0) };
    d.pieces.push({ offset: f.offset, data: f.data.slice() });
    d.bytes += f.data.length;
    return 'ok';
  }

  private bound(): void {
    while (this.held.size > this.options.maxReassemblies) {
      const oldest = this.held.keys().next().value as string;
      this.held.delete(oldest);
      this.counters.add('fragmentEvictions');
    }
  }

  /** Drops datagrams older than the fragment timeout. */
  expire(now: bigint): void {
    for (const [key, d] of this.held) {
      if (now - d.since <= this.options.fragmentTimeoutMicros) continue;
      this.held.delete(key);
      this.counters.add('fragmentTimeouts');
    }
  }
}
