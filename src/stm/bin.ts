/** Small byte helpers shared by the STM codecs (no domain knowledge, no I/O). */

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const ASCII_LIMIT = 0x80;

/** A fresh plain Uint8Array copy of `buf[start, end)` (never a Buffer, never aliasing the input). */
export function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = allocBytes(end - start);
  out.set(buf.subarray(start, end));
  return out;
}

/** A plain Uint8Array view over any byte container (e.g. a Buffer), sharing its memory. */
export function plainView(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A DataView over exactly the bytes of `b`. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes UTF-8 in `buf[start, end)`; undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string | undefined {
  try {
    return utf8Strict.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}

/** Big-endian 16-bit value at `off` (the caller has checked the bounds). */
export function readU16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

/** Big-endian 32-bit value at `off` (the caller has checked the bounds). */
export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) >>> 0) + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

/** True when every UTF-16 unit of `s` is ASCII (so its UTF-8 form is one byte per unit). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= ASCII_LIMIT) return false;
  return true;
}

/** UTF-8 bytes of `s`. */
export function encodeUtf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Writes the ASCII string `s` at `off`; returns the offset after it. */
export function writeAscii(buf: Uint8Array, off: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[off + i] = s.charCodeAt(i);
  return off + s.length;
}

/** True when `n` is an integer in [0, max]. */
export function isUint(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

export const UINT8_MAX = 0xff;
export const UINT16_MAX = 0xffff;
export const UINT32_MAX = 0xffffffff;

/** Allocations up to this size come from a shared slab, as Node's Buffer pool does. */
const SLAB_LIMIT = 4096;
const SLAB_BYTES = 64 * 1024;
const SLAB_ALIGN = 8;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/**
 * A zero-filled plain Uint8Array of `n` bytes. Small arrays are views into a shared 64 KiB slab (never handed
 * out twice), so their `.buffer` is larger than they are: always honour `byteOffset`/`byteLength`.
 */
export function allocBytes(n: number): Uint8Array {
  if (n > SLAB_LIMIT) return new Uint8Array(n);
  if (slabUsed + n > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed += n + ((SLAB_ALIGN - (n % SLAB_ALIGN)) % SLAB_ALIGN);
  return out;
}
