/** Small byte helpers shared by the STM codecs (no domain knowledge, no I/O). */

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const ASCII_LIMIT = 0x80;
/** Strings up to this length take the char-code fast path. */
const SHORT_STRING = 64;

/** A fresh plain Uint8Array copy of `buf[start, end)` (never a Buffer, never aliasing the input). */
export function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
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
  if (end - start <= SHORT_STRING) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i]! >= ASCII_LIMIT) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  try {
    return utf8Strict.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
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
