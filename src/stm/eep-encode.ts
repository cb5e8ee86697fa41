/**
 * EEP (HEPv3) encoder: big-endian; 4-byte protocol ID, 2-byte total length (header included), then chunks of
 * vendor(2) type(2) length(2, header included) value (HEP3 specification, "HEP3 packet structure").
 */
import { gzipSync } from 'node:zlib';
import {
  allocBytes,
  encodeUtf8,
  isAscii,
  isUint,
  UINT16_MAX,
  UINT32_MAX,
  UINT8_MAX,
  writeAscii,
} from './bin.js';
import { EepEncodeError, EepTooLargeError } from './eep-errors.js';
import type { EepChunkId, EepMessage } from './eep-model.js';
import {
  EEP_CHUNK_HEADER_BYTES as CH,
  EEP_CHUNK_TYPES as T,
  EEP_EVENT_TYPES,
  EEP_GENERIC_VENDOR,
  EEP_HEADER_BYTES,
  EEP_MAX_MESSAGE_BYTES,
  EEP_PROTOCOL_IDS,
} from './eep-tables.js';
import { parseIp, IPV4_BYTES } from './ip.js';

export interface EepEncodeOptions {
  /** Largest message to produce, header included (default and maximum 65535). */
  readonly maxSize?: number;
  /** 'auto' (default): gzip the payload into chunk 0x10 when that makes the message fit. */
  readonly compress?: 'auto' | 'never';
  /** Where the sequence number goes (default vendor 0, type EEP_CHUNK_TYPES.sequence). */
  readonly sequenceChunk?: EepChunkId;
}

export const DEFAULT_SEQUENCE_CHUNK: EepChunkId = { vendor: EEP_GENERIC_VENDOR, type: T.sequence };

/** Generic chunk types that belong to a field of EepMessage and so may not appear in `otherChunks`. */
export const FIELD_CHUNK_TYPES: ReadonlySet<number> = new Set([
  T.ipFamily,
  T.ipProtocol,
  T.srcIpv4,
  T.dstIpv4,
  T.srcIpv6,
  T.dstIpv6,
  T.srcPort,
  T.dstPort,
  T.timestampSec,
  T.timestampUsec,
  T.protocolType,
  T.captureAgentId,
  T.payload,
  T.compressedPayload,
  T.correlationId,
  T.nodeName,
  T.eventType,
]);

const U8 = CH + 1;
const U16 = CH + 2;
const U32 = CH + 4;

function bad(field: string, why: string): never {
  throw new EepEncodeError('bad-field', `${field} ${why}`);
}

/** Size of a numeric chunk when the field is present (0 when absent); throws when out of range. */
function uintChunk(field: string, v: number | undefined, max: number, size: number): number {
  if (v === undefined) return 0;
  if (!isUint(v, max)) bad(field, `must be an integer in [0, ${max}]`);
  return size;
}

/** A string chunk value: the string itself when ASCII (written in place), else its UTF-8 bytes. */
type Text = string | Uint8Array;
const toText = (s: string | undefined): Text | undefined =>
  s === undefined ? undefined : isAscii(s) ? s : encodeUtf8(s);
const textChunk = (t: Text | undefined) => (t === undefined ? 0 : CH + t.length);

function addressBytes(field: string, text: string | undefined): Uint8Array | undefined {
  if (text === undefined) return undefined;
  return parseIp(text) ?? bad(field, 'is not an IP address');
}

function eventTypeValue(name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  const known = (EEP_EVENT_TYPES as Record<string, number>)[name];
  if (known !== undefined) return known;
  const n = /^\d{1,5}$/.test(name) ? Number(name) : NaN;
  if (!isUint(n, UINT16_MAX)) bad('eventType', `"${name}" is neither a known name nor a uint16`);
  return n;
}

/** Size of the numeric chunks, validating each value. */
function numericSize(m: EepMessage): number {
  return (
    uintChunk('ipFamily', m.ipFamily, UINT8_MAX, U8) +
    uintChunk('ipProtocol', m.ipProtocol, UINT8_MAX, U8) +
    uintChunk('protocolType', m.protocolType, UINT8_MAX, U8) +
    uintChunk('srcPort', m.srcPort, UINT16_MAX, U16) +
    uintChunk('dstPort', m.dstPort, UINT16_MAX, U16) +
    uintChunk('timestampSec', m.timestampSec, UINT32_MAX, U32) +
    uintChunk('timestampUsec', m.timestampUsec, UINT32_MAX, U32) +
    uintChunk('captureAgentId', m.captureAgentId, UINT32_MAX, U32) +
    uintChunk('sequence', m.sequence, UINT32_MAX, U32)
  );
}

function otherSize(chunks: EepMessage['otherChunks'], seq: EepChunkId): number {
  let n = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (!isUint(c.vendor, UINT16_MAX) || !isUint(c.type, UINT16_MAX))
      bad('otherChunks', 'vendor/type must be uint16');
    const owned = c.vendor === EEP_GENERIC_VENDOR && FIELD_CHUNK_TYPES.has(c.type);
    if (owned || (c.vendor === seq.vendor && c.type === seq.type))
      bad('otherChunks', `may not hold chunk type ${c.type}`);
    n += CH + c.value.length;
  }
  return n;
}

/** Everything but the payload, validated and measured. */
interface Prepared {
  readonly src: Uint8Array | undefined;
  readonly dst: Uint8Array | undefined;
  readonly node: Text | undefined;
  readonly corr: Text | undefined;
  readonly event: number | undefined;
  /** Header and every chunk but the payload. */
  readonly size: number;
}

function prepare(m: EepMessage, seq: EepChunkId): Prepared {
  if (m.protocolId !== 'HEP3' && !EEP_PROTOCOL_IDS.includes(m.protocolId))
    bad('protocolId', `"${String(m.protocolId)}" is not known`);
  const src = addressBytes('srcAddress', m.srcAddress);
  const dst = addressBytes('dstAddress', m.dstAddress);
  const node = toText(m.nodeName);
  const corr = toText(m.correlationId);
  const event = eventTypeValue(m.eventType);
  let size = EEP_HEADER_BYTES + numericSize(m) + otherSize(m.otherChunks, seq);
  size += (src ? CH + src.length : 0) + (dst ? CH + dst.length : 0) + textChunk(node) + textChunk(corr);
  size += event === undefined ? 0 : U16;
  return { src, dst, node, corr, event, size };
}

/**
 * Encodes an EEP message. Chunks go out in a fixed order (addressing, time, protocol type, agent, node,
 * correlation, event, sequence, `otherChunks`, payload). A message larger than `maxSize` gets its payload
 * gzipped into chunk 0x10 when that fits; otherwise {@link EepTooLargeError}. Field values out of range throw
 * {@link EepEncodeError} ('bad-field'). Small results are views into a shared slab (see `allocBytes`).
 */
export function encodeEep(msg: EepMessage, opts?: EepEncodeOptions): Uint8Array {
  const maxSize = opts?.maxSize ?? EEP_MAX_MESSAGE_BYTES;
  if (!isUint(maxSize, EEP_MAX_MESSAGE_BYTES) || maxSize < EEP_HEADER_BYTES) {
    throw new RangeError(`maxSize must be in [${EEP_HEADER_BYTES}, ${EEP_MAX_MESSAGE_BYTES}]`);
  }
  const seq = opts?.sequenceChunk ?? DEFAULT_SEQUENCE_CHUNK;
  const p = prepare(msg, seq);
  const payload = msg.payload;
  const size = p.size + (payload ? CH + payload.length : 0);
  if (size <= maxSize) return write(msg, p, seq, payload, T.payload, size);
  if (!payload || opts?.compress === 'never') throw new EepTooLargeError(size, undefined, maxSize);
  const gz = gzipSync(payload);
  const zsize = p.size + CH + gz.length;
  if (zsize > maxSize) throw new EepTooLargeError(size, zsize, maxSize);
  return write(msg, p, seq, gz, T.compressedPayload, zsize);
}

/** Writes a chunk header at `o`; returns the offset of the value. */
function head(out: Uint8Array, o: number, vendor: number, type: number, len: number): number {
  out[o] = vendor >>> 8;
  out[o + 1] = vendor & 0xff;
  out[o + 2] = type >>> 8;
  out[o + 3] = type & 0xff;
  out[o + 4] = len >>> 8;
  out[o + 5] = len & 0xff;
  return o + CH;
}

function putU8(out: Uint8Array, o: number, type: number, x: number | undefined): number {
  if (x === undefined) return o;
  o = head(out, o, 0, type, U8);
  out[o] = x;
  return o + 1;
}

function putU16(out: Uint8Array, o: number, type: number, x: number | undefined): number {
  if (x === undefined) return o;
  o = head(out, o, 0, type, U16);
  out[o] = x >>> 8;
  out[o + 1] = x & 0xff;
  return o + 2;
}

function putU32(out: Uint8Array, o: number, vendor: number, type: number, x: number | undefined): number {
  if (x === undefined) return o;
  o = head(out, o, vendor, type, U32);
  out[o] = x >>> 24;
  out[o + 1] = (x >>> 16) & 0xff;
  out[o + 2] = (x >>> 8) & 0xff;
  out[o + 3] = x & 0xff;
  return o + 4;
}

function putBytes(out: Uint8Array, o: number, vendor: number, type: number, b: Text | undefined): number {
  if (b === undefined) return o;
  o = head(out, o, vendor, type, CH + b.length);
  if (typeof b === 'string') return writeAscii(out, o, b);
  out.set(b, o);
  return o + b.length;
}

function write(
  m: EepMessage,
  p: Prepared,
  seq: EepChunkId,
  body: Uint8Array | undefined,
  bodyType: number,
  size: number,
): Uint8Array {
  const out = allocBytes(size);
  writeAscii(out, 0, m.protocolId);
  out[4] = size >>> 8;
  out[5] = size & 0xff;
  let o = EEP_HEADER_BYTES;
  o = putU8(out, o, T.ipFamily, m.ipFamily);
  o = putU8(out, o, T.ipProtocol, m.ipProtocol);
  if (p.src) o = putBytes(out, o, 0, p.src.length === IPV4_BYTES ? T.srcIpv4 : T.srcIpv6, p.src);
  if (p.dst) o = putBytes(out, o, 0, p.dst.length === IPV4_BYTES ? T.dstIpv4 : T.dstIpv6, p.dst);
  o = putU16(out, o, T.srcPort, m.srcPort);
  o = putU16(out, o, T.dstPort, m.dstPort);
  o = putU32(out, o, 0, T.timestampSec, m.timestampSec);
  o = putU32(out, o, 0, T.timestampUsec, m.timestampUsec);
  o = putU8(out, o, T.protocolType, m.protocolType);
  o = putU32(out, o, 0, T.captureAgentId, m.captureAgentId);
  o = putBytes(out, o, 0, T.nodeName, p.node);
  o = putBytes(out, o, 0, T.correlationId, p.corr);
  o = putU16(out, o, T.eventType, p.event);
  o = putU32(out, o, seq.vendor, seq.type, m.sequence);
  for (let i = 0; i < m.otherChunks.length; i++) {
    const c = m.otherChunks[i]!;
    o = putBytes(out, o, c.vendor, c.type, c.value);
  }
  putBytes(out, o, 0, bodyType, body);
  return out;
}
