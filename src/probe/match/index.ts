/** The probe's matcher: target index (per identifier kind) and session tracking. */
export {
  PREFILTER_MIN_KEYS,
  TargetIndex,
  type TargetIndexCounters,
  type TargetIndexOptions,
} from './target-index.js';
export {
  MAX_IDENTIFIERS_PER_TASK,
  TARGET_INDEX_ERROR_KINDS,
  TargetIndexError,
  type TargetIndexErrorKind,
} from './targets.js';
export { SESSION_DEFAULTS, SessionTable, type SessionCounters, type SessionOptions } from './sessions.js';
