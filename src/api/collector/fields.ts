/** Shared helpers of the message describers: big-endian reads, hex, and the decoded-field shape. */

/** One decoded field of a binary message, as the API shows it. */
export interface Field {
  readonly name: string;
  readonly value: string;
}

export const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
export const u24 = (b: Uint8Array, o: number): number => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
export const u32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** Octets shown in full before a hex value is cut. */
const HEX_MAX = 64;

/** `b` as lower-case hex, cut after {@link HEX_MAX} octets with the full length said. */
export function hex(b: Uint8Array): string {
  const shown = Buffer.from(b.subarray(0, HEX_MAX)).toString('hex');
  return b.length > HEX_MAX ? `${shown}… (${b.length} octets)` : shown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `b` as UTF-8 text when it is valid and printable, else hex. */
export function textOrHex(b: Uint8Array): string {
  try {
    const t = utf8.decode(b);
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u001f\u007f]/.test(t) ? hex(b) : t;
  } catch {
    return hex(b);
  }
}
