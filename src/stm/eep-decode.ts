/**
 * EEP (HEPv3) decoder. Accepts the HEP3, EEP1 and EEP3 protocol IDs, IPv4 and IPv6 address chunks, binary
 * payloads and gzip/zlib-compressed payloads (chunk 0x10, gunzipped with an output limit). Unknown chunks are
 * skipped by their length and kept in `otherChunks`. Any bad input throws {@link EepDecodeError}, nothing else.
 */
import { unzipSync } from 'node:zlib';
import { copyBytes, decodeUtf8, readU16, readU32 } from './bin.js';
import { DEFAULT_SEQUENCE_CHUNK } from './eep-encode.js';
import { EepDecodeError } from './eep-errors.js';
import type { EepChunk, EepChunkId, EepMessage } from './eep-model.js';
import {
  EEP_CHUNK_HEADER_BYTES as CH,
  EEP_CHUNK_TYPES as T,
  EEP_EVENT_TYPES,
  EEP_GENERIC_VENDOR,
  EEP_HEADER_BYTES,
  EEP_MAX_MESSAGE_BYTES,
  type EepProtocolId,
} from './eep-tables.js';
import { formatIpv4, formatIpv6, IPV4_BYTES, IPV6_BYTES } from './ip.js';

export interface EepDecodeOptions {
  /** Largest message accepted, header included (default 65535). */
  readonly maxSize?: number;
  /** Largest payload a compressed chunk may expand to (default 1 MiB). */
  readonly maxPayload?: number;
  /** Where the sequence number is expected (default vendor 0, type EEP_CHUNK_TYPES.sequence). */
  readonly sequenceChunk?: EepChunkId;
}

export const DEFAULT_MAX_PAYLOAD = 1 << 20;

const H = 0x48;
const E = 0x45;
const P = 0x50;
const DIGIT_1 = 0x31;
const DIGIT_3 = 0x33;

/** The protocol ID at `buf[off]`, or undefined (compares bytes: no string is built). */
export function protocolIdAt(buf: Uint8Array, off: number): EepProtocolId | undefined {
  const a = buf[off];
  const b = buf[off + 1];
  const c = buf[off + 2];
  const d = buf[off + 3];
  if (a === H && b === E && c === P && d === DIGIT_3) return 'HEP3';
  if (a === E && b === E && c === P) return d === DIGIT_1 ? 'EEP1' : d === DIGIT_3 ? 'EEP3' : undefined;
  return undefined;
}

const EVENT_NAMES = new Map<number, string>(Object.entries(EEP_EVENT_TYPES).map(([k, v]) => [v, k]));

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Decodes one whole EEP message: `buf` must hold exactly the message's total length. */
export function decodeEep(buf: Uint8Array, opts: EepDecodeOptions = {}): EepMessage {
  if (buf.length < EEP_HEADER_BYTES) throw new EepDecodeError('truncated', `${buf.length} bytes, no header`);
  const protocolId = protocolIdAt(buf, 0);
  if (!protocolId) throw new EepDecodeError('bad-protocol-id', 'not HEP3, EEP1 or EEP3');
  const total = readU16(buf, 4);
  const maxSize = opts.maxSize ?? EEP_MAX_MESSAGE_BYTES;
  if (total < EEP_HEADER_BYTES) throw new EepDecodeError('bad-length', `total length ${total}`, 4);
  if (total > maxSize) throw new EepDecodeError('too-large', `total length ${total} > ${maxSize}`, 4);
  if (buf.length < total)
    throw new EepDecodeError('truncated', `${buf.length} of ${total} bytes`, buf.length);
  if (buf.length > total)
    throw new EepDecodeError('bad-length', `total length ${total} but ${buf.length} bytes`, 4);
  const seq = opts.sequenceChunk ?? DEFAULT_SEQUENCE_CHUNK;
  const m: Mutable<EepMessage> & { otherChunks: EepChunk[] } = { protocolId, otherChunks: [] };
  for (let off = EEP_HEADER_BYTES; off < total;) {
    if (total - off < CH) throw new EepDecodeError('bad-chunk-length', 'partial chunk header', off);
    const len = readU16(buf, off + 4);
    if (len < CH || off + len > total)
      throw new EepDecodeError('bad-chunk-length', `chunk length ${len}`, off);
    const vendor = readU16(buf, off);
    const type = readU16(buf, off + 2);
    if (vendor === seq.vendor && type === seq.type) {
      if (m.sequence !== undefined) dup(off);
      m.sequence = uint(buf, off, len, 4);
    } else if (vendor !== EEP_GENERIC_VENDOR || !field(m, buf, off, len, type, opts)) {
      m.otherChunks.push({ vendor, type, value: copyBytes(buf, off + CH, off + len) });
    }
    off += len;
  }
  return m;
}

function dup(off: number): never {
  throw new EepDecodeError('duplicate-chunk', 'chunk repeated', off);
}

/** Reads a big-endian unsigned value that must be exactly `width` bytes long. */
function uint(buf: Uint8Array, off: number, len: number, width: 1 | 2 | 4): number {
  if (len - CH !== width)
    throw new EepDecodeError('bad-chunk-value', `expected ${width} bytes, got ${len - CH}`, off);
  const at = off + CH;
  return width === 1 ? buf[at]! : width === 2 ? readU16(buf, at) : readU32(buf, at);
}

function text(buf: Uint8Array, off: number, len: number): string {
  const s = decodeUtf8(buf, off + CH, off + len);
  if (s === undefined) throw new EepDecodeError('bad-chunk-value', 'not UTF-8', off);
  return s;
}

function address(buf: Uint8Array, off: number, len: number, width: number): string {
  if (len - CH !== width) throw new EepDecodeError('bad-chunk-value', `address of ${len - CH} bytes`, off);
  return width === IPV4_BYTES ? formatIpv4(buf, off + CH) : formatIpv6(buf, off + CH);
}

function inflate(buf: Uint8Array, off: number, len: number, limit: number): Uint8Array {
  try {
    const out = unzipSync(buf.subarray(off + CH, off + len), { maxOutputLength: limit });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE')
      throw new EepDecodeError('too-large', `payload expands past ${limit}`, off);
    throw new EepDecodeError('bad-compression', 'compressed payload does not gunzip', off);
  }
}

/** Sets the field of a generic chunk; false when the type has no field (the chunk is kept as is). */
function field(
  m: Mutable<EepMessage>,
  buf: Uint8Array,
  off: number,
  len: number,
  type: number,
  opts: EepDecodeOptions,
): boolean {
  switch (type) {
    case T.ipFamily:
      if (m.ipFamily !== undefined) dup(off);
      m.ipFamily = uint(buf, off, len, 1);
      return true;
    case T.ipProtocol:
      if (m.ipProtocol !== undefined) dup(off);
      m.ipProtocol = uint(buf, off, len, 1);
      return true;
    case T.srcIpv4:
    case T.srcIpv6:
      if (m.srcAddress !== undefined) dup(off);
      m.srcAddress = address(buf, off, len, type === T.srcIpv4 ? IPV4_BYTES : IPV6_BYTES);
      return true;
    case T.dstIpv4:
    case T.dstIpv6:
      if (m.dstAddress !== undefined) dup(off);
      m.dstAddress = address(buf, off, len, type === T.dstIpv4 ? IPV4_BYTES : IPV6_BYTES);
      return true;
    case T.srcPort:
      if (m.srcPort !== undefined) dup(off);
      m.srcPort = uint(buf, off, len, 2);
      return true;
    case T.dstPort:
      if (m.dstPort !== undefined) dup(off);
      m.dstPort = uint(buf, off, len, 2);
      return true;
    case T.timestampSec:
      if (m.timestampSec !== undefined) dup(off);
      m.timestampSec = uint(buf, off, len, 4);
      return true;
    case T.timestampUsec:
      if (m.timestampUsec !== undefined) dup(off);
      m.timestampUsec = uint(buf, off, len, 4);
      return true;
    case T.protocolType:
      if (m.protocolType !== undefined) dup(off);
      m.protocolType = uint(buf, off, len, 1);
      return true;
    case T.captureAgentId:
      if (m.captureAgentId !== undefined) dup(off);
      m.captureAgentId = uint(buf, off, len, 4);
      return true;
    case T.nodeName:
      if (m.nodeName !== undefined) dup(off);
      m.nodeName = text(buf, off, len);
      return true;
    case T.correlationId:
      if (m.correlationId !== undefined) dup(off);
      m.correlationId = text(buf, off, len);
      return true;
    case T.eventType: {
      if (m.eventType !== undefined) dup(off);
      const n = uint(buf, off, len, 2);
      m.eventType = EVENT_NAMES.get(n) ?? String(n);
      return true;
    }
    case T.payload:
      if (m.payload !== undefined) dup(off);
      m.payload = copyBytes(buf, off + CH, off + len);
      return true;
    case T.compressedPayload:
      if (m.payload !== undefined) dup(off);
      m.payload = inflate(buf, off, len, opts.maxPayload ?? DEFAULT_MAX_PAYLOAD);
      return true;
    default:
      return false;
  }
}
