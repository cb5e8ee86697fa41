/**
 * The store's one error type. `kind` says what went wrong so that callers can answer without parsing
 * messages: a file written by a newer lix, a key that already exists, input the store will not keep, no store
 * where one was expected, or a write refused because the writer's lease on the NE is stale (`Fenced`).
 */
import { LixError } from '../lib/errors.js';
export const STORE_ERROR_KINDS = [
  'SchemaTooNew',
  'AlreadyExists',
  'InvalidInput',
  'NotFound',
  'Fenced',
] as const;
export type StoreErrorKind = (typeof STORE_ERROR_KINDS)[number];

export class StoreError extends LixError<StoreErrorKind> {}
