/**
 * The fast path of the EEP report encoder: byte-identical to `encodeEep(reportToEep(r, ...))` (HEP3 "HEP3
 * packet structure"; chunk order as in src/stm/eep-encode.ts), for the reports the probe sends all the time.
 *
 * Per (XID, NE ID, address families) the generic encoder runs once, on the report with an empty payload, and
 * its output is kept as a template: the header and every chunk header, plus the constant chunks (capture
 * agent, node name = NE ID, correlation ID = XID, event type "interception"). Each report then costs one copy
 * of the template, a few patched values (IP family and protocol, addresses, ports, seconds and microseconds,
 * protocol type, sequence, lengths) and a copy of the payload. Anything unusual — a field out of range, an
 * unparsable address, a message larger than `maxSize` (the gzip path) — is declined, for the generic encoder
 * to handle (and reject) exactly as before.
 */
import { allocBytes } from './bin.js';
import {
  EEP_CHUNK_HEADER_BYTES as CH,
  EEP_HEADER_BYTES,
  EEP_IP_FAMILY,
  EEP_MAX_MESSAGE_BYTES,
  EEP_PROTOCOL_IDS,
  encodeEep,
  type EepProtocolId,
} from './eep.js';
import { IPV6_BYTES, parseIp } from './ip.js';
import { reportToEep, type StmReport } from './report.js';
import { Generations } from '../lib/generations.js';

/**
 * Entries per generation of each cache (src/lib/generations.ts): XIDs (a few hundred bytes of templates each,
 * so at most about 20 MB per sender) and addresses. A sender's XIDs in use stay cached; the XIDs of an NE with
 * more tasks than that, all busy, are encoded by the generic encoder part of the time (about 2 µs more each).
 */
export const EEP_TEMPLATE_CACHE_LIMIT = { xids: 32_768, addresses: 4_096 } as const;

const MICROS_PER_SECOND = 1_000_000;
/** First timestamp (µs) whose seconds no longer fit the uint32 chunk; below 2^53, so Number() is exact. */
const MICROS_LIMIT = 2 ** 32 * MICROS_PER_SECOND;
const UINT8 = 0xff;
const UINT16 = 0xffff;
const BYTE_BITS = 8;
const EMPTY = new Uint8Array(0);

/**
 * Value offsets in a message, fixed by the chunk order: each chunk is a 6-byte header then its value.
 * `tail` offsets count from the end of the two address chunks; `end` offsets back from the template end.
 */
const AT = {
  totalLength: 4,
  ipFamily: EEP_HEADER_BYTES + CH,
  ipProtocol: EEP_HEADER_BYTES + CH + 1 + CH,
  srcAddressChunk: EEP_HEADER_BYTES + 2 * (CH + 1),
  tail: {
    srcPort: CH,
    dstPort: 2 * CH + 2,
    timestampSec: 3 * CH + 4,
    timestampUsec: 4 * CH + 8,
    protocolType: 5 * CH + 12,
  },
  end: {
    /** Sequence value (uint32), then the payload chunk header. */
    sequence: 4 + CH,
    payloadLength: 2,
  },
} as const;

/** Templates of one XID, per (source, destination) address family pair (bit 0 = IPv6 source, bit 1 = IPv6 destination). */
interface XidEntry {
  readonly neId: string;
  readonly templates: (Uint8Array | undefined)[];
}

const isUint8 = (x: number) => (x & UINT8) === x;
const isUint16 = (x: number) => (x & UINT16) === x;

function put16(out: Uint8Array, o: number, x: number): void {
  out[o] = x >>> BYTE_BITS;
  out[o + 1] = x;
}

function put32(out: Uint8Array, o: number, x: number): void {
  out[o] = x >>> (3 * BYTE_BITS);
  out[o + 1] = x >>> (2 * BYTE_BITS);
  out[o + 2] = x >>> BYTE_BITS;
  out[o + 3] = x;
}

/** Copies a few bytes (an address) at `o`, cheaper than `set` at this size; returns the offset after them. */
function copySmall(out: Uint8Array, o: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) out[o + i] = b[i]!;
  return o + b.length;
}

/**
 * Encodes STM reports as EEP messages from cached templates; {@link EepReportTemplates.encode} returns
 * undefined for a report it leaves to the generic encoder. One instance per sender (its caches are bounded by
 * {@link EEP_TEMPLATE_CACHE_LIMIT}: clearing them whole when full made every report of an NE with more busy
 * tasks than the limit rebuild its template).
 */
export class EepReportTemplates {
  readonly #xids = new Generations<string, XidEntry>(EEP_TEMPLATE_CACHE_LIMIT.xids);
  readonly #addresses = new Generations<string, Uint8Array>(EEP_TEMPLATE_CACHE_LIMIT.addresses);
  /** False when the configuration itself is one the generic encoder rejects (it then rejects every report). */
  readonly #enabled: boolean;

  constructor(
    private readonly protocolId: EepProtocolId,
    private readonly captureAgentId: number,
    private readonly maxSize: number,
  ) {
    this.#enabled =
      EEP_PROTOCOL_IDS.includes(protocolId) &&
      captureAgentId >>> 0 === captureAgentId &&
      Number.isInteger(maxSize) &&
      maxSize >= EEP_HEADER_BYTES &&
      maxSize <= EEP_MAX_MESSAGE_BYTES;
  }

  /** The message bytes, or undefined when the generic encoder must take this report. */
  encode(r: StmReport, sequence: number): Uint8Array | undefined {
    const t = r.timestampMicros;
    const { ipProtocol, protocolType, srcPort, dstPort, payload } = r;
    if (!this.#enabled || typeof t !== 'bigint' || sequence >>> 0 !== sequence) return undefined;
    // A warrant's LIID adds a chunk after the sequence: the generic encoder takes those reports.
    if (r.liid !== undefined) return undefined;
    if (!isUint8(ipProtocol) || !isUint8(protocolType) || !isUint16(srcPort) || !isUint16(dstPort))
      return undefined;
    if (!(payload instanceof Uint8Array)) return undefined;
    const micros = Number(t);
    if (!(micros >= 0 && micros < MICROS_LIMIT)) return undefined;
    const src = this.#address(r.srcAddress);
    const dst = this.#address(r.dstAddress);
    if (src === undefined || dst === undefined) return undefined;
    const template = this.#template(r, src, dst);
    if (template === undefined) return undefined;
    const size = template.length + payload.length;
    if (size > this.maxSize) return undefined;

    const out = allocBytes(size);
    out.set(template);
    put16(out, AT.totalLength, size);
    out[AT.ipFamily] = r.ipVersion === 6 ? EEP_IP_FAMILY.ipv6 : EEP_IP_FAMILY.ipv4;
    out[AT.ipProtocol] = ipProtocol;
    let o = copySmall(out, AT.srcAddressChunk + CH, src);
    o = copySmall(out, o + CH, dst);
    // Float division is exact enough below 2^53; the checks only guard the last-ulp rounding.
    let sec = Math.floor(micros / MICROS_PER_SECOND);
    let usec = micros - sec * MICROS_PER_SECOND;
    if (usec < 0) {
      sec -= 1;
      usec += MICROS_PER_SECOND;
    } else if (usec >= MICROS_PER_SECOND) {
      sec += 1;
      usec -= MICROS_PER_SECOND;
    }
    put16(out, o + AT.tail.srcPort, srcPort);
    put16(out, o + AT.tail.dstPort, dstPort);
    put32(out, o + AT.tail.timestampSec, sec);
    put32(out, o + AT.tail.timestampUsec, usec);
    out[o + AT.tail.protocolType] = protocolType;
    const end = template.length;
    put32(out, end - AT.end.sequence, sequence);
    put16(out, end - AT.end.payloadLength, CH + payload.length);
    out.set(payload, end);
    return out;
  }

  /** Network-order bytes of an address (cached), undefined when it is not one. */
  #address(text: string): Uint8Array | undefined {
    if (typeof text !== 'string') return undefined;
    let b = this.#addresses.get(text);
    if (b !== undefined) return b;
    b = parseIp(text);
    if (b === undefined) return undefined;
    this.#addresses.set(text, b);
    return b;
  }

  /** The template of this report's XID, NE ID and address families: the generic encoding of an empty payload. */
  #template(r: StmReport, src: Uint8Array, dst: Uint8Array): Uint8Array | undefined {
    const { xid, neId } = r;
    if (typeof xid !== 'string' || typeof neId !== 'string') return undefined;
    let entry = this.#xids.get(xid);
    if (entry === undefined || entry.neId !== neId) {
      entry = { neId, templates: [] };
      this.#xids.set(xid, entry);
    }
    const kind = (src.length === IPV6_BYTES ? 1 : 0) | (dst.length === IPV6_BYTES ? 2 : 0);
    return (entry.templates[kind] ??= this.#build(r));
  }

  #build(r: StmReport): Uint8Array | undefined {
    try {
      const m = reportToEep({ ...r, payload: EMPTY }, 0, this.protocolId, this.captureAgentId);
      return encodeEep(m, { compress: 'never' });
    } catch {
      return undefined; // e.g. an XID longer than a message: the generic encoder reports it
    }
  }
}
