/**
 * Splits an EEP byte stream (TCP, TLS, SCTP) into whole messages using the header's total length. Copes with
 * any split or coalescing. A frame is accepted only when its chunk headers tile it exactly and no chunk
 * header spells a protocol ID (no vendor ID is assigned that would), which catches lying lengths in both
 * directions; on garbage or a bad header it reports one malformed result for the bytes it drops and
 * resynchronises on the next protocol ID. It never holds more than `maxMessage` bytes between pushes.
 */
import { copyBytes } from './bin.js';
import { EepDecodeError, type EepDecodeReason } from './eep-errors.js';
import { protocolIdAt } from './eep-decode.js';
import { EEP_CHUNK_HEADER_BYTES as CH, EEP_HEADER_BYTES, EEP_MAX_MESSAGE_BYTES } from './eep-tables.js';

export type EepFrameResult =
  | { readonly ok: true; readonly frame: Uint8Array }
  | { readonly ok: false; readonly error: EepDecodeError; readonly skipped: number };

export interface EepDeframerOptions {
  /** Largest message accepted (default 65535); a header claiming more is malformed. */
  readonly maxMessage?: number;
}

const ID_BYTES = 4;
const H = 0x48;
const E = 0x45;
const INITIAL_CAPACITY = 4096;

/** True when `buf[off, end)` (shorter than an ID) could still become a protocol ID. */
function couldBeId(buf: Uint8Array, off: number, end: number): boolean {
  const pad = new Uint8Array(ID_BYTES);
  pad.set(buf.subarray(off, end));
  for (const id of ['HEP3', 'EEP1', 'EEP3']) {
    let ok = true;
    for (let i = 0; i < end - off && ok; i++) ok = pad[i] === id.charCodeAt(i);
    if (ok) return true;
  }
  return false;
}

/** Outcome of checking the chunk tiling of the bytes available so far of a frame of `total` bytes. */
type Tiling = 'ok' | 'incomplete' | 'bad';

function tiling(buf: Uint8Array, start: number, avail: number, total: number): Tiling {
  let off = EEP_HEADER_BYTES;
  const end = Math.min(avail, total);
  while (off + CH <= end) {
    // A chunk "vendor + type" spelling a protocol ID is the next message: the header's length lied.
    if (protocolIdAt(buf, start + off)) return 'bad';
    const len = (buf[start + off + 4]! << 8) | buf[start + off + 5]!;
    if (len < CH || off + len > total) return 'bad';
    off += len;
  }
  if (avail < total) return 'incomplete';
  return off === total ? 'ok' : 'bad';
}

export class EepDeframer {
  readonly #max: number;
  #buf = new Uint8Array(INITIAL_CAPACITY);
  #len = 0;
  /** Bytes dropped since the last malformed report, and why the dropping began. */
  #skipped = 0;
  #reason: EepDecodeReason = 'bad-protocol-id';

  constructor(opts: EepDeframerOptions = {}) {
    this.#max = Math.min(opts.maxMessage ?? EEP_MAX_MESSAGE_BYTES, EEP_MAX_MESSAGE_BYTES);
    if (this.#max < EEP_HEADER_BYTES) throw new RangeError(`maxMessage must be at least ${EEP_HEADER_BYTES}`);
  }

  /** Bytes held while waiting for the rest of a message. */
  get pending(): number {
    return this.#len;
  }

  /** Feeds stream bytes; returns the whole frames (fresh copies) and malformed reports found so far, in order. */
  push(data: Uint8Array): EepFrameResult[] {
    this.#append(data);
    const out: EepFrameResult[] = [];
    let pos = 0;
    while (pos < this.#len) {
      const step = this.#step(pos, out);
      if (step === 0) break;
      pos += step;
    }
    this.#consume(pos);
    if (this.#skipped >= this.#max) this.#report(out);
    return out;
  }

  /** End of stream: whatever is held (a partial message or garbage) is reported as malformed. */
  flush(): EepFrameResult[] {
    const out: EepFrameResult[] = [];
    if (this.#len > 0) {
      if (this.#skipped === 0) this.#reason = 'truncated';
      this.#skipped += this.#len;
      this.#len = 0;
    }
    this.#report(out);
    return out;
  }

  /** Examines the bytes at `pos`: returns how many were consumed (0 = wait for more). */
  #step(pos: number, out: EepFrameResult[]): number {
    const buf = this.#buf;
    const avail = this.#len - pos;
    if (avail < ID_BYTES) return couldBeId(buf, pos, this.#len) ? 0 : this.#drop(pos, 'bad-protocol-id');
    if (!protocolIdAt(buf, pos)) return this.#drop(pos, 'bad-protocol-id');
    if (avail < EEP_HEADER_BYTES) return 0;
    const total = (buf[pos + 4]! << 8) | buf[pos + 5]!;
    if (total < EEP_HEADER_BYTES || total > this.#max)
      return this.#drop(pos, total > this.#max ? 'too-large' : 'bad-length');
    const t = tiling(buf, pos, avail, total);
    if (t === 'bad') return this.#drop(pos, 'bad-chunk-length');
    if (t === 'incomplete') return 0;
    this.#report(out);
    // A copy from the shared slab: an ArrayBuffer of its own per frame is an allocation the GC must track.
    out.push({ ok: true, frame: copyBytes(buf, pos, pos + total) });
    return total;
  }

  /** Drops the byte at `pos` and every following byte that cannot start a protocol ID. */
  #drop(pos: number, reason: EepDecodeReason): number {
    if (this.#skipped === 0) this.#reason = reason;
    const buf = this.#buf;
    let p = pos + 1;
    for (; p < this.#len; p++) {
      const b = buf[p];
      if (
        (b === H || b === E) &&
        (this.#len - p >= ID_BYTES ? protocolIdAt(buf, p) : couldBeId(buf, p, this.#len))
      )
        break;
    }
    this.#skipped += p - pos;
    return p - pos;
  }

  #report(out: EepFrameResult[]): void {
    if (this.#skipped === 0) return;
    const error = new EepDecodeError(this.#reason, `${this.#skipped} bytes dropped while resynchronising`);
    out.push({ ok: false, error, skipped: this.#skipped });
    this.#skipped = 0;
  }

  #append(data: Uint8Array): void {
    const need = this.#len + data.length;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(data, this.#len);
    this.#len = need;
  }

  #consume(n: number): void {
    if (n === 0) return;
    this.#buf.copyWithin(0, n, this.#len);
    this.#len -= n;
    if (this.#buf.length > 4 * this.#max && this.#len < this.#max)
      this.#buf = this.#buf.slice(0, Math.max(this.#max, INITIAL_CAPACITY));
  }
}
