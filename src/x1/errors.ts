/**
 * X1 failures as semantic kinds, and the two code profiles that turn kinds into the numbers on the wire
 * (DESIGN.md "Error codes: two profiles"). `etsi` is the current ETSI TS 103 221-1 table and the default;
 * `draft` is the early seed draft's table, for peers built on it.
 */
import { LixError } from '../lib/errors.js';

/** Kind → [etsi code, draft code]. One row per kind; the order is the table's. */
export const ERROR_TABLE = {
  GenericFailure: [1000, 3000],
  AdmfIdentityMismatch: [1030, 3010],
  UnexpectedAdmf: [1040, 3011],
  NeIdentityMismatch: [1050, 3010],
  NotForThisNe: [1060, 3012],
  SchemaInvalid: [1010, 3013],
  UnsupportedMessage: [1080, 3014],
  UnsupportedVersion: [1020, 3015],
  ResponseTimeout: [1000, 3016],
  XidMissing: [1010, 3020],
  XidForbidden: [1010, 3021],
  XidAlreadyExists: [2010, 3022],
  XidDoesNotExist: [2020, 3023],
  DidAlreadyExists: [2030, 3022],
  DidDoesNotExist: [2040, 3023],
  ActivateFailed: [3000, 3000],
  ModifyFailed: [3001, 3000],
  TargetTypeUnsupported: [3010, 3031],
  TargetCombinationUnsupported: [3020, 3031],
  DeliveryAddressUnusable: [6020, 3030],
  DeliveryTypeMismatch: [3040, 3000],
  ServiceTypeUnsupported: [3050, 3000],
  DeactivateAllDisabled: [5010, 3014],
  RemoveAllDestinationsDisabled: [8020, 3014],
  DestinationInUse: [7010, 3000],
  DestinationsInUse: [8010, 3000],
  /** Lix's bound on the work one request may cause (docs/security.md); a generic failure on the wire. */
  TooManyBulkRequests: [1000, 3000],
} as const satisfies Record<string, readonly [number, number]>;

export type ErrorKind = keyof typeof ERROR_TABLE;
export const ERROR_KINDS = Object.keys(ERROR_TABLE) as ErrorKind[];

export const PROFILES = ['etsi', 'draft'] as const;
export type ErrorProfile = (typeof PROFILES)[number];

/** Issue-report codes (etsi profile) carried in ReportTaskIssue / ReportDestinationIssue / ReportNEIssue. */
export const ISSUE_CODES = {
  Cleared: 9000,
  Warning: 9010,
  NonTerminating: 9020,
  Terminating: 9030,
  Actioned: 9040,
  KeepalivesNotReceived: 9050,
} as const;

/** The code a profile sends for a kind (responses we send). */
export function codeFor(profile: ErrorProfile, kind: ErrorKind): number {
  return ERROR_TABLE[kind][profile === 'etsi' ? 0 : 1];
}

const reverse: Record<ErrorProfile, Map<number, ErrorKind[]>> = { etsi: new Map(), draft: new Map() };
for (const kind of ERROR_KINDS) {
  for (const profile of PROFILES) {
    const code = codeFor(profile, kind);
    const list = reverse[profile].get(code) ?? [];
    list.push(kind);
    reverse[profile].set(code, list);
  }
}

/**
 * Every kind a code can mean under a profile (responses we read). Several kinds share a code (e.g. etsi 1010
 * is schema failure, XID missing and XID forbidden); the first is the table's primary meaning. An unknown
 * code yields an empty list.
 */
export function kindsForCode(profile: ErrorProfile, code: number): readonly ErrorKind[] {
  return reverse[profile].get(code) ?? [];
}

/** The primary kind for a code, or `GenericFailure` for a code the profile does not know. */
export function kindForCode(profile: ErrorProfile, code: number): ErrorKind {
  return kindsForCode(profile, code)[0] ?? 'GenericFailure';
}

export function isProfile(s: string): s is ErrorProfile {
  return (PROFILES as readonly string[]).includes(s);
}

/**
 * The one error type of X1 failures. `kind` is semantic; the code is chosen later by the profile.
 * `messageIndex` (0-based, within the container) and `messageType` say which message failed when known;
 * `path` is the element path of the fault.
 */
export class X1Error extends LixError<ErrorKind> {
  readonly messageIndex: number | undefined;
  readonly messageType: string | undefined;
  readonly path: string | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    where: { messageIndex?: number; messageType?: string; path?: string; cause?: unknown } = {},
  ) {
    super(kind, message, { cause: where.cause });
    this.messageIndex = where.messageIndex;
    this.messageType = where.messageType;
    this.path = where.path;
  }
}
