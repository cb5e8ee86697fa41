/**
 * Failures of ADMF operations, by family, so that the REST layer can map each to an HTTP status and the CLI
 * to a message. An NE's X1 refusal keeps its code and description.
 */
import { LixError } from '../lib/errors.js';
import type { ErrorInformation } from '../x1/model.js';

export const ADMF_ERROR_KINDS = [
  /** No such NE, destination or task. */
  'not-found',
  /** It exists already, or is in a state that forbids the operation. */
  'conflict',
  /** The NE answered with an X1 ErrorResponse. */
  'refused',
  /** The NE gave no usable answer (TIME2 and resends, connection failures). */
  'unreachable',
  /** The input does not make a valid X1 message. */
  'invalid',
] as const;
export type AdmfErrorKind = (typeof ADMF_ERROR_KINDS)[number];

export class AdmfError extends LixError<AdmfErrorKind> {
  constructor(
    kind: AdmfErrorKind,
    message: string,
    readonly x1?: ErrorInformation,
    options?: { readonly cause?: unknown },
  ) {
    super(kind, message, options);
  }
}
