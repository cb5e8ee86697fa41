/**
 * Rows of the NE store's tables and their conversion to the {@link NeStore} records. Columns that SQL keeps
 * as NULL become absent properties (exactOptionalPropertyTypes), never `undefined` values.
 */
import type {
  DestinationDeliveryStatus,
  DestinationDetails,
  ErrorInformation,
  ProvisioningStatus,
  TaskDetails,
} from '../x1/model.js';
import type {
  AuditEntry,
  OutboxEntry,
  PendingRequest,
  ReportKind,
  StoredDestination,
  StoredTask,
  TaskCounters,
  TaskOrigin,
} from './ne-store.js';

export interface CounterColumns {
  readonly provisioning: ProvisioningStatus;
  readonly last_intercept: string | null;
  readonly x2_bytes: number;
  readonly x3_bytes: number;
  readonly last_modification: string | null;
  readonly modifications: number;
}

export interface TaskRow extends CounterColumns {
  readonly details: string;
  readonly origin: TaskOrigin;
  readonly created_at: string;
  readonly pending: PendingRequest | null;
}

/** `SELECT xid, details_xml, <counter columns>` as a raw array (cheaper than objects at 100,000 rows). */
export type FragmentRow = readonly [
  string,
  string,
  ProvisioningStatus,
  string | null,
  number,
  number,
  string | null,
  number,
];

export interface DestinationRow {
  readonly details: string;
  readonly delivery_status: DestinationDeliveryStatus;
}

export interface FaultRow {
  readonly code: number;
  readonly description: string;
}

export interface OutboxRow {
  readonly id: number;
  readonly kind: ReportKind;
  readonly body: string;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly enqueued_at: number | null;
  readonly next_attempt_at: number | null;
}

export interface AuditRow {
  readonly id: number;
  readonly at: number;
  readonly actor: AuditEntry['actor'];
  readonly action: string;
  readonly outcome: AuditEntry['outcome'];
  readonly xid: string | null;
  readonly did: string | null;
  readonly transaction_id: string | null;
  readonly detail: string | null;
  readonly task_origin: TaskOrigin | null;
}

export function toCounters(r: CounterColumns): TaskCounters {
  return {
    provisioningStatus: r.provisioning,
    ...(r.last_intercept !== null && { timeOfLastIntercept: r.last_intercept }),
    amountOfX2Data: r.x2_bytes,
    amountOfX3Data: r.x3_bytes,
    ...(r.last_modification !== null && { timeOfLastModification: r.last_modification }),
    numberOfModifications: r.modifications,
  };
}

export function toTask(r: TaskRow): StoredTask {
  return {
    details: JSON.parse(r.details) as TaskDetails,
    origin: r.origin,
    status: toCounters(r),
    ...(r.pending !== null && { pending: r.pending }),
    createdAt: r.created_at,
  };
}

export function fragmentOf(r: FragmentRow) {
  const [xid, xml, provisioning, lastIntercept, x2, x3, lastModification, modifications] = r;
  const status = toCounters({
    provisioning,
    last_intercept: lastIntercept,
    x2_bytes: x2,
    x3_bytes: x3,
    last_modification: lastModification,
    modifications,
  });
  return { xid, taskDetailsXml: xml, status };
}

export function toDestination(r: DestinationRow): StoredDestination {
  return { details: JSON.parse(r.details) as DestinationDetails, deliveryStatus: r.delivery_status };
}

export function toFault(r: FaultRow): ErrorInformation {
  return { errorCode: r.code, errorDescription: r.description };
}

export function toOutboxEntry(r: OutboxRow): OutboxEntry {
  return {
    id: r.id,
    kind: r.kind,
    body: JSON.parse(r.body) as unknown,
    attempts: r.attempts,
    lastError: r.last_error ?? undefined,
    enqueuedAt: r.enqueued_at ?? undefined,
    nextAttemptAt: r.next_attempt_at ?? undefined,
  };
}

export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    outcome: r.outcome,
    ...(r.xid !== null && { xid: r.xid }),
    ...(r.did !== null && { did: r.did }),
    ...(r.transaction_id !== null && { transactionId: r.transaction_id }),
    ...(r.detail !== null && { detail: r.detail }),
    ...(r.task_origin !== null && { taskOrigin: r.task_origin }),
  };
}

/** Every DID a task names: its listOfDIDs and those of its mediation details, once each. */
export function didsOf(t: TaskDetails): string[] {
  const all = [
    ...t.listOfDIDs.dIds,
    ...(t.listOfMediationDetails ?? []).flatMap((m) => m.listOfDIDs?.dIds ?? []),
  ];
  return [...new Set(all)];
}
