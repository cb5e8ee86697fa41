/**
 * Whole messages packed into one ArrayBuffer for the hand-off to a worker (docs/probe.md "Threads"): the
 * buffer is transferred, not copied, and no object is cloned per message. Layout of a record, big-endian:
 *
 * | octets | field |
 * |---|---|
 * | 1 | protocol (index in {@link PROTOCOLS}) |
 * | 1 | IP version |
 * | 1 | IP protocol |
 * | 1 | 1 when an SCTP PPID follows, else 0 |
 * | 4 | SCTP PPID (0 when absent) |
 * | 8 | timestamp, microseconds (signed) |
 * | 2, 2 | source port, destination port |
 * | 1 + n, 1 + n | source address, destination address (text, one octet per character) |
 * | 4 + n | payload |
 */
import type { AppProtocol, ProbeMessage } from '../messages.js';
import { LixError } from '../../lib/errors.js';

const PROTOCOLS: readonly AppProtocol[] = ['sip', 'diameter', 'gtpv2'];
const PROTOCOL_CODE: Readonly<Record<AppProtocol, number>> = { sip: 0, diameter: 1, gtpv2: 2 };

/** Fixed octets of a record before its addresses and payload, and the most an address may take. */
const RECORD = { fixed: 20, lengthBytes: 1, payloadLength: 4, maxAddress: 255 } as const;

/** The octets a message takes in a batch. */
export function recordSize(m: ProbeMessage): number {
  return (
    RECORD.fixed +
    2 * RECORD.lengthBytes +
    m.srcAddress.length +
    m.dstAddress.length +
    RECORD.payloadLength +
    m.payload.length
  );
}

/** Packs messages into a buffer of `capacity` octets (more when one message alone is larger). */
export class BatchWriter {
  private buf: ArrayBuffer;
  private bytes: Uint8Array;
  private view: DataView;
  private at = 0;
  private n = 0;

  constructor(private readonly capacity: number) {
    this.buf = new ArrayBuffer(capacity);
    this.bytes = new Uint8Array(this.buf);
    this.view = new DataView(this.buf);
  }

  /** Messages packed since the last {@link take}. */
  get count(): number {
    return this.n;
  }

  /** Whether `m` fits in what is left (an empty batch takes any message). */
  fits(m: ProbeMessage): boolean {
    return this.n === 0 || this.at + recordSize(m) <= this.buf.byteLength;
  }

  /** Packs `m`; call {@link fits} first. */
  add(m: ProbeMessage): void {
    const size = recordSize(m);
    if (this.n === 0 && size > this.buf.byteLength) this.reset(size);
    const v = this.view;
    let o = this.at;
    v.setUint8(o, PROTOCOL_CODE[m.protocol]);
    v.setUint8(o + 1, m.ipVersion);
    v.setUint8(o + 2, m.ipProtocol);
    v.setUint8(o + 3, m.sctpPpid === undefined ? 0 : 1);
    v.setUint32(o + 4, m.sctpPpid ?? 0);
    v.setBigInt64(o + 8, m.timestampMicros);
    v.setUint16(o + 16, m.srcPort);
    v.setUint16(o + 18, m.dstPort);
    o = this.text(o + RECORD.fixed, m.srcAddress);
    o = this.text(o, m.dstAddress);
    v.setUint32(o, m.payload.length);
    this.bytes.set(m.payload, o + RECORD.payloadLength);
    this.at = o + RECORD.payloadLength + m.payload.length;
    this.n++;
  }

  /**
   * The packed buffer and its message count, to be transferred; the writer starts a new buffer. A buffer less
   * than half full is cut to its length (a small copy) rather than handing over the unused part.
   */
  take(): { readonly buffer: ArrayBuffer; readonly count: number } {
    const count = this.n;
    const cut = this.at * 2 < this.buf.byteLength && this.buf.byteLength === this.capacity;
    const buffer = cut ? this.buf.slice(0, this.at) : this.buf;
    if (cut) {
      this.at = 0;
      this.n = 0;
    } else this.reset(this.capacity);
    return { buffer, count };
  }

  private reset(size: number): void {
    this.buf = new ArrayBuffer(size);
    this.bytes = new Uint8Array(this.buf);
    this.view = new DataView(this.buf);
    this.at = 0;
    this.n = 0;
  }

  private text(o: number, s: string): number {
    const n = Math.min(s.length, RECORD.maxAddress);
    this.bytes[o] = n;
    for (let i = 0; i < n; i++) this.bytes[o + 1 + i] = s.charCodeAt(i);
    return o + RECORD.lengthBytes + n;
  }
}

/** Thrown by {@link readBatch} on a buffer that is not a batch (a bug; the worker counts it). */
export class BatchError extends LixError<'batch'> {
  constructor(message: string) {
    super('batch', message);
  }
}

/** Address texts a worker keeps (few peers, many messages), cleared when full: a miss costs one string. */
const ADDRESS_TEXTS = 4096;
const addressTexts = new Map<number, string>();

/**
 * The text of the address at `bytes[start, start + n)`: the same string object for the same bytes, so that a
 * worker makes no string per message for its addresses and the maps keyed by them hash each once.
 */
function addressText(bytes: Uint8Array, start: number, n: number): string {
  let h = 0x811c9dc5 ^ n;
  for (let i = start; i < start + n; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  const known = addressTexts.get(h);
  if (known !== undefined && known.length === n) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = known.charCodeAt(i) === bytes[start + i];
    if (same) return known;
  }
  const made = String.fromCharCode(...bytes.subarray(start, start + n));
  if (addressTexts.size >= ADDRESS_TEXTS) addressTexts.clear();
  addressTexts.set(h, made);
  return made;
}

/** Unpacks `count` messages; payloads are views into `buffer` (no copy). */
export function readBatch(buffer: ArrayBuffer, count: number): ProbeMessage[] {
  const bytes = new Uint8Array(buffer);
  const v = new DataView(buffer);
  const out: ProbeMessage[] = [];
  let o = 0;
  const text = (): string => {
    const n = bytes[o];
    if (n === undefined || o + 1 + n > bytes.length) throw new BatchError('address runs past the batch');
    const s = addressText(bytes, o + 1, n);
    o += 1 + n;
    return s;
  };
  for (let i = 0; i < count; i++) {
    if (o + RECORD.fixed > bytes.length) throw new BatchError('record runs past the batch');
    const protocol = PROTOCOLS[v.getUint8(o)];
    const ipVersion = v.getUint8(o + 1);
    if (protocol === undefined || (ipVersion !== 4 && ipVersion !== 6))
      throw new BatchError('not a message record');
    const hasPpid = v.getUint8(o + 3) === 1;
    const ipProtocol = v.getUint8(o + 2);
    const sctpPpid = v.getUint32(o + 4);
    const timestampMicros = v.getBigInt64(o + 8);
    const srcPort = v.getUint16(o + 16);
    const dstPort = v.getUint16(o + 18);
    o += RECORD.fixed;
    const srcAddress = text();
    const dstAddress = text();
    if (o + RECORD.payloadLength > bytes.length) throw new BatchError('payload length runs past the batch');
    const len = v.getUint32(o);
    o += RECORD.payloadLength;
    if (o + len > bytes.length) throw new BatchError('payload runs past the batch');
    out.push({
      timestampMicros,
      ipVersion,
      ipProtocol,
      srcAddress,
      dstAddress,
      srcPort,
      dstPort,
      protocol,
      payload: bytes.subarray(o, o + len),
      ...(hasPpid && { sctpPpid }),
    });
    o += len;
  }
  return out;
}
