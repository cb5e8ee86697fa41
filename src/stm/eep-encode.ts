/**
 * EEP (HEPv3) encoder: big-endian; 4-byte protocol ID, 2-byte total length (header included), then chunks of
 * vendor(2) type(2) length(2, header included) value (HEP3 specification, "HEP3 packet structure").
 */
import { gzipSync } from 'node:zlib';
import { encodeUtf8, isAscii, isUint, UINT16_MAX, UINT32_MAX, UINT8_MAX, writeAscii } from './bin.js';
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

function checkUint(field: string, v: number | undefined, max: number): number {
  if (v === undefined) return 0;
  if (!isUint(v, max)) bad(field, `must be an integer in [0, ${max}]`);
  return 1;
}

/** A string chunk value: the string itself when ASCII (written in place), else its UTF-8 bytes. */
type Text = string | Uint8Array;
const textLen = (t: Text | undefined) => (t === undefined ? 0 : CH + t.length);
const toText = (s: string | undefined): Text | undefined =>
  s === undefined ? undefined : isAscii(s) ? s : encodeUtf8(s);

function eventTypeValue(name: string): number {
  const known = (EEP_EVENT_TYPES as Record<string, number>)[name];
  if (known !== undefined) return known;
  const n = /^\d{1,5}$/.test(name) ? Number(name) : NaN;
  if (!isUint(n, UINT16_MAX)) bad('eventType', `"${name}" is neither a known name nor a uint16`);
  return n;
}

/** Everything but the payload, validated and measured. */
interface Prepared {
  readonly src?: Uint8Array;
  readonly dst?: Uint8Array;
  readonly node?: Text;
  readonly corr?: Text;
  readonly event?: number;
  readonly size: number;
}

function prepare(m: EepMessage, seq: EepChunkId): Prepared {
  if (!EEP_PROTOCOL_IDS.includes(m.protocolId)) bad('protocolId', `"${String(m.protocolId)}" is not known`);
  let n =
    U8 * (checkUint('ipFamily', m.ipFamily, UINT8_MAX) + checkUint('ipProtocol', m.ipProtocol, UINT8_MAX));
  n += U8 * checkUint('protocolType', m.protocolType, UINT8_MAX);
  n += U16 * (checkUint('srcPort', m.srcPort, UINT16_MAX) + checkUint('dstPort', m.dstPort, UINT16_MAX));
  n +=
    U32 *
    (checkUint('timestampSec', m.timestampSec, UINT32_MAX) +
      checkUint('timestampUsec', m.timestampUsec, UINT32_MAX));
  n +=
    U32 *
    (checkUint('captureAgentId', m.captureAgentId, UINT32_MAX) +
      checkUint('sequence', m.sequence, UINT32_MAX));
  const src =
    m.srcAddress === undefined
      ? undefined
      : (parseIp(m.srcAddress) ?? bad('srcAddress', 'is not an IP address'));
  const dst =
    m.dstAddress === undefined
      ? undefined
      : (parseIp(m.dstAddress) ?? bad('dstAddress', 'is not an IP address'));
  n += (src ? CH + src.length : 0) + (dst ? CH + dst.length : 0);
  const node = toText(m.nodeName);
  const corr = toText(m.correlationId);
  const event = m.eventType === undefined ? undefined : eventTypeValue(m.eventType);
  n += textLen(node) + textLen(corr) + (event === undefined ? 0 : U16);
  for (const c of m.otherChunks) {
    if (!isUint(c.vendor, UINT16_MAX) || !isUint(c.type, UINT16_MAX))
      bad('otherChunks', 'vendor/type must be uint16');
    const owned = c.vendor === EEP_GENERIC_VENDOR && FIELD_CHUNK_TYPES.has(c.type);
    if (owned || (c.vendor === seq.vendor && c.type === seq.type))
      bad('otherChunks', `may not hold chunk type ${c.type}`);
    n += CH + c.value.length;
  }
  return {
    ...(src && { src }),
    ...(dst && { dst }),
    ...(node !== undefined && { node }),
    ...(corr !== undefined && { corr }),
    ...(event !== undefined && { event }),
    size: EEP_HEADER_BYTES + n,
  };
}

/**
 * Encodes an EEP message. Chunks go out in a fixed order (addressing, time, protocol type, agent, node,
 * correlation, event, sequence, `otherChunks`, payload). A message larger than `maxSize` gets its payload
 * gzipped into chunk 0x10 when that fits; otherwise {@link EepTooLargeError}. Field values out of range throw
 * {@link EepEncodeError} ('bad-field').
 */
export function encodeEep(msg: EepMessage, opts: EepEncodeOptions = {}): Uint8Array {
  const maxSize = opts.maxSize ?? EEP_MAX_MESSAGE_BYTES;
  if (!isUint(maxSize, EEP_MAX_MESSAGE_BYTES) || maxSize < EEP_HEADER_BYTES) {
    throw new RangeError(`maxSize must be in [${EEP_HEADER_BYTES}, ${EEP_MAX_MESSAGE_BYTES}]`);
  }
  const seq = opts.sequenceChunk ?? DEFAULT_SEQUENCE_CHUNK;
  const p = prepare(msg, seq);
  const payload = msg.payload;
  const size = p.size + (payload ? CH + payload.length : 0);
  if (size <= maxSize) return write(msg, p, seq, payload, T.payload, size);
  if (!payload || opts.compress === 'never') throw new EepTooLargeError(size, undefined, maxSize);
  const gz = gzipSync(payload);
  const zsize = p.size + CH + gz.length;
  if (zsize > maxSize) throw new EepTooLargeError(size, zsize, maxSize);
  return write(msg, p, seq, gz, T.compressedPayload, zsize);
}

function write(
  m: EepMessage,
  p: Prepared,
  seq: EepChunkId,
  body: Uint8Array | undefined,
  bodyType: number,
  size: number,
): Uint8Array {
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  writeAscii(out, 0, m.protocolId);
  v.setUint16(4, size);
  let o = EEP_HEADER_BYTES;
  const head = (vendor: number, type: number, len: number) => {
    v.setUint16(o, vendor);
    v.setUint16(o + 2, type);
    v.setUint16(o + 4, len);
    o += CH;
  };
  const u8 = (type: number, x: number | undefined) => {
    if (x === undefined) return;
    head(0, type, U8);
    out[o++] = x;
  };
  const u16 = (type: number, x: number | undefined) => {
    if (x === undefined) return;
    head(0, type, U16);
    v.setUint16(o, x);
    o += 2;
  };
  const u32 = (vendor: number, type: number, x: number | undefined) => {
    if (x === undefined) return;
    head(vendor, type, U32);
    v.setUint32(o, x);
    o += 4;
  };
  const bytes = (vendor: number, type: number, b: Text | undefined) => {
    if (b === undefined) return;
    head(vendor, type, CH + b.length);
    if (typeof b === 'string') o = writeAscii(out, o, b);
    else {
      out.set(b, o);
      o += b.length;
    }
  };
  u8(T.ipFamily, m.ipFamily);
  u8(T.ipProtocol, m.ipProtocol);
  if (p.src) bytes(0, p.src.length === IPV4_BYTES ? T.srcIpv4 : T.srcIpv6, p.src);
  if (p.dst) bytes(0, p.dst.length === IPV4_BYTES ? T.dstIpv4 : T.dstIpv6, p.dst);
  u16(T.srcPort, m.srcPort);
  u16(T.dstPort, m.dstPort);
  u32(0, T.timestampSec, m.timestampSec);
  u32(0, T.timestampUsec, m.timestampUsec);
  u8(T.protocolType, m.protocolType);
  u32(0, T.captureAgentId, m.captureAgentId);
  bytes(0, T.nodeName, p.node);
  bytes(0, T.correlationId, p.corr);
  u16(T.eventType, p.event);
  u32(seq.vendor, seq.type, m.sequence);
  for (const c of m.otherChunks) bytes(c.vendor, c.type, c.value);
  bytes(0, bodyType, body);
  return out;
}
