/** Byte helpers with bounds checks; no domain knowledge. */
import { LixError } from './errors.js';

/** Thrown when a read runs past the end of a buffer. */
export class ShortBufferError extends LixError<'short-buffer'> {
  constructor(
    readonly wanted: number,
    readonly available: number,
  ) {
    super('short-buffer', `short buffer: wanted ${wanted} bytes, ${available} available`);
  }
}

/** Hex dump without separators, lower case. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Parses a hex string (whitespace allowed) into bytes; throws on an odd count or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`invalid hex string`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}
