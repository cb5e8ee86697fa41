/**
 * The store's one error type. `kind` says what went wrong so that callers can answer without parsing
 * messages: a file written by a newer lix, a key that already exists, input the store will not keep, or no store
 * where one was expected.
 */
import { LixError } from '../lib/errors.js';
export const STORE_ERROR_KINDS = ['SchemaTooNew', 'AlreadyExists', 'InvalidInput', 'NotFound'] as const;
export type StoreErrorKind = (typeof STORE_ERROR_KINDS)[number];

export class StoreError extends LixError<StoreErrorKind> {}
