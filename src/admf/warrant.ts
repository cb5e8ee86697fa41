/**
 * A task's warrant (docs/admf.md "Warrant validity"): an optional validity window (`validFrom`, `validUntil`)
 * and an optional reference, the LIID (TS 103 280 pattern). Input is checked here once (ISO-8601 times, the
 * end after the start and not past, the LIID pattern); the reference travels to the NE in the task's
 * MediationDetails (TS 103 221-1 clause 6.2.1.2) with the window as StartTime/EndTime.
 */
import { formatTimestamp, PATTERNS } from '../x1/simple-types.js';
import type { DeliveryType, MediationDeliveryType, MediationDetails, TaskDetails } from '../x1/model.js';
import type { TaskRecord, TaskState } from '../store/admf-store.js';
import { AdmfError } from './errors.js';

/** A task's warrant: its validity window (ms since the epoch) and reference, as stored with the task. */
export type TaskWarrant = Pick<TaskRecord, 'validFrom' | 'validUntil' | 'warrantRef'>;

/** A warrant as the REST API and the CLI take it: ISO-8601 times with a zone, the LIID as a string. */
export interface WarrantInput {
  readonly validFrom?: string;
  readonly validUntil?: string;
  readonly warrantRef?: string;
}

/** The default lead time of the expiry warning (ADMF config `warrantExpiryWarning`). */
export const DEFAULT_EXPIRY_WARNING_MS = 24 * 3600 * 1000;

/** An ISO-8601 date-time with seconds and a zone (`Z` or `±hh:mm`); fractions allowed. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The text every refusal of a LIID gives. */
export const LIID_FORM =
  'a LIID (TS 103 280) is 1 to 25 printable ASCII characters without spaces, or 26 to 50 lower-case hex digits';

function time(field: string, v: string): number {
  const ms = ISO_DATE_TIME.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms))
    throw new AdmfError('invalid', `${field}: "${v}" is not an ISO-8601 time such as 2026-12-04T09:00:00Z`);
  return ms;
}

/**
 * Checks warrant input at `now` (ms): the times parse, `validUntil` is after `validFrom` and not in the past,
 * the reference matches the LIID pattern. Throws AdmfError `invalid` naming the field.
 */
export function parseWarrant(input: WarrantInput, now: number): TaskWarrant {
  const from = input.validFrom === undefined ? undefined : time('validFrom', input.validFrom);
  const until = input.validUntil === undefined ? undefined : time('validUntil', input.validUntil);
  if (from !== undefined && until !== undefined && until <= from)
    throw new AdmfError(
      'invalid',
      `validUntil (${input.validUntil}) must be after validFrom (${input.validFrom})`,
    );
  if (until !== undefined && until <= now)
    throw new AdmfError(
      'invalid',
      `validUntil (${input.validUntil}) is in the past: the warrant has expired (now ${iso(now)})`,
    );
  const ref = input.warrantRef;
  if (ref !== undefined && !PATTERNS.LIID.test(ref))
    throw new AdmfError('invalid', `warrantRef: "${ref}" is not a LIID: ${LIID_FORM}`);
  return {
    ...(from !== undefined && { validFrom: from }),
    ...(until !== undefined && { validUntil: until }),
    ...(ref !== undefined && { warrantRef: ref }),
  };
}

/** ISO-8601 UTC with milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const MEDIATION_DELIVERY: Record<DeliveryType, MediationDeliveryType> = {
  X2Only: 'HI2Only',
  X3Only: 'HI3Only',
  X2andX3: 'HI2andHI3',
};

/**
 * The task details with the warrant's MediationDetails (LIID, StartTime, EndTime) in place of any given
 * before; without a reference, the details carry none (MediationDetails requires a LIID).
 */
export function withMediation(details: TaskDetails, w: TaskWarrant): TaskDetails {
  const { listOfMediationDetails: _old, ...rest } = details;
  if (w.warrantRef === undefined) return rest;
  const m: MediationDetails = {
    LIID: w.warrantRef,
    deliveryType: MEDIATION_DELIVERY[details.deliveryType],
    ...(w.validFrom !== undefined && { StartTime: formatTimestamp(BigInt(w.validFrom) * 1000n) }),
    ...(w.validUntil !== undefined && { EndTime: formatTimestamp(BigInt(w.validUntil) * 1000n) }),
    mediationDetailsExtensions: [],
  };
  return { ...rest, listOfMediationDetails: [m] };
}

/** "warrant valid from …" / "warrant valid until …": the reason of the scheduler's moves and audit rows. */
export function warrantReason(edge: 'from' | 'until', at: number | undefined): string {
  return `warrant valid ${edge} ${at === undefined ? '(none)' : iso(at)}`;
}

/** The warrant fields of a task view: ISO times, the seconds left and whether the expiry warning is on. */
export interface WarrantView {
  readonly validFrom?: string;
  readonly validUntil?: string;
  /** Whole seconds until `validUntil` (0 once passed); absent without an end. */
  readonly remainingSeconds?: number;
  /** The task is live and within the expiry-warning lead time of its end. */
  readonly expiring?: boolean;
}

/** States in which a task is (or is being put) on its NE and has not been asked to end. */
export const WARRANT_LIVE_STATES: readonly TaskState[] = [
  'activating',
  'active',
  'awaitingProvisioning',
  'modifying',
];

/** Whether a task counts as expiring at `now`: live and its warrant's end within `leadMs`. */
export function isExpiring(t: TaskRecord, now: number, leadMs: number): boolean {
  if (t.validUntil === undefined || !WARRANT_LIVE_STATES.includes(t.state)) return false;
  return t.validUntil > now && t.validUntil - now <= leadMs;
}

/** A task record as REST shows it: the warrant times in ISO-8601, with the time left and the warning flag. */
export function warrantView<T extends TaskRecord>(
  t: T,
  now: number,
  leadMs: number,
): Omit<T, 'validFrom' | 'validUntil'> & WarrantView {
  const { validFrom, validUntil, ...rest } = t;
  return {
    ...rest,
    ...(validFrom !== undefined && { validFrom: iso(validFrom) }),
    ...(validUntil !== undefined && {
      validUntil: iso(validUntil),
      remainingSeconds: Math.max(0, Math.floor((validUntil - now) / 1000)),
      expiring: isExpiring(t, now, leadMs),
    }),
  };
}
