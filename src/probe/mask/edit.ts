/**
 * What every masker shares: the filler, the outcome of masking one message, and {@link MaskEdit}, which copies
 * the message on its first masked field only (a message without keys is passed on as it came, without a copy).
 */
import { LixError } from '../../lib/errors.js';

/**
 * The filler that replaces key material (TS 33.501 asks for "a string of the same length"): zero
 * bits, written in each field's own encoding so that the message stays well-formed — octet 0x00 in binary
 * fields (Diameter OctetString AVPs, GTPv2-C MM Context), `0` in hexadecimal text (SIP digest `response`,
 * `ck`, `ik`), `A` in base64 text (the AKA `nonce`, RFC 3310 §3.2, whose base64 `=` padding is kept).
 */
export const MASK_FILLER = {
  binary: 0x00,
  hex: 0x30, // '0'
  base64: 0x41, // 'A'
} as const;

/** How a masked field is written. */
export type FillerKind = keyof typeof MASK_FILLER;

/**
 * The result of masking one message: `ok` with the payload to send (the same array when nothing was masked)
 * and the number of fields masked, or `unsafe` when a part that may carry keys could not be read, so that
 * the keys cannot be located: such a message must not leave the NE.
 */
export type MaskOutcome =
  | { readonly kind: 'ok'; readonly payload: Uint8Array; readonly fields: number }
  | { readonly kind: 'unsafe'; readonly reason: string };

/** Thrown inside a masker when a key-bearing part cannot be read; the masker's entry point turns it into `unsafe`. */
export class UnsafeToMask extends LixError<'UnsafeToMask'> {
  constructor(reason: string) {
    super('UnsafeToMask', reason);
  }
}

/** Fails the message: the keys of a part that cannot be read cannot be located. */
export function unsafe(reason: string): never {
  throw new UnsafeToMask(reason);
}

const BASE64_PAD = 0x3d; // '='
const WHITESPACE: ReadonlySet<number> = new Set([0x20, 0x09, 0x0d, 0x0a]);

/** The masked copy of one message, made on the first masked field. */
export class MaskEdit {
  private out: Uint8Array | undefined;
  /** Fields masked so far. */
  fields = 0;

  constructor(readonly source: Uint8Array) {}

  /** Replaces octets `[start, end)` of the message (one field) with the filler of `kind`. */
  fill(start: number, end: number, kind: FillerKind = 'binary'): void {
    if (end < start || start < 0 || end > this.source.length) unsafe(`field [${start}, ${end}) out of range`);
    // A copy whatever the input is (Buffer.prototype.slice would be a view of the captured bytes).
    this.out ??= new Uint8Array(this.source);
    const out = this.out;
    const filler = MASK_FILLER[kind];
    // Plain loops: fields are short, and TypedArray.prototype.fill costs more per call than it saves.
    if (kind === 'binary') for (let i = start; i < end; i++) out[i] = filler;
    else {
      // Text: whitespace (a folded line inside a quoted string) and base64 padding keep their place.
      for (let i = start; i < end; i++) {
        const c = out[i]!;
        if (WHITESPACE.has(c) || (kind === 'base64' && c === BASE64_PAD)) continue;
        out[i] = filler;
      }
    }
    this.fields++;
  }

  /** The outcome: the masked copy, or the message itself when nothing was masked. */
  result(): MaskOutcome {
    return { kind: 'ok', payload: this.out ?? this.source, fields: this.fields };
  }
}

/** Runs a masker, turning {@link UnsafeToMask} into an `unsafe` outcome (other errors are bugs and escape). */
export function runMasker(payload: Uint8Array, mask: (e: MaskEdit) => void): MaskOutcome {
  const e = new MaskEdit(payload);
  try {
    mask(e);
  } catch (err) {
    if (err instanceof UnsafeToMask) return { kind: 'unsafe', reason: err.message };
    throw err;
  }
  return e.result();
}
