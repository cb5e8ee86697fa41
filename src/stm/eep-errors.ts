/** Typed errors of the EEP codec: the only exceptions its decoders throw. */
import { LixError } from '../lib/errors.js';

/** Why an EEP message or stream was rejected. */
export const EEP_DECODE_REASONS = [
  'truncated',
  'bad-protocol-id',
  'bad-length',
  'bad-chunk-length',
  'bad-chunk-value',
  'duplicate-chunk',
  'too-large',
  'bad-compression',
] as const;
export type EepDecodeReason = (typeof EEP_DECODE_REASONS)[number];

/** A malformed EEP message; `offset` is where in the input the problem was found. */
export class EepDecodeError extends LixError<EepDecodeReason> {
  constructor(
    readonly reason: EepDecodeReason,
    message: string,
    readonly offset = 0,
  ) {
    super(reason, `EEP ${reason}: ${message}`);
  }
}

/** Why a message could not be encoded. */
export const EEP_ENCODE_REASONS = ['bad-field', 'too-large'] as const;
export type EepEncodeReason = (typeof EEP_ENCODE_REASONS)[number];

/** A message that cannot be encoded: a field out of range (a caller bug) or a message too large. */
export class EepEncodeError extends LixError<EepEncodeReason> {
  constructor(
    readonly reason: EepEncodeReason,
    message: string,
  ) {
    super(reason, `EEP ${reason}: ${message}`);
  }
}

/**
 * The message does not fit in `maxSize` bytes, even with a gzip-compressed payload. The caller counts it
 * and reports it (a task warning); it is never dropped silently.
 */
export class EepTooLargeError extends EepEncodeError {
  constructor(
    /** Size the message would have with the plain payload. */
    readonly size: number,
    /** Size with the compressed payload, when compression was tried. */
    readonly compressedSize: number | undefined,
    readonly maxSize: number,
  ) {
    const tried = compressedSize === undefined ? '' : `, ${compressedSize} compressed`;
    super('too-large', `message of ${size} bytes${tried} exceeds the limit of ${maxSize}`);
    this.name = 'EepTooLargeError';
  }
}
