/**
 * PostgreSQL rows of the ADMF store to records and back. int8 columns arrive as numbers (pool.ts), jsonb as
 * parsed values, NULL as null: an absent optional field is an absent key, as in the SQLite store.
 */
import type {
  AuditRecord,
  DestinationRecord,
  NeRecord,
  ReportRecord,
  TaskRecord,
  TaskState,
} from '../admf-store.js';
import type { SubscriberRecord, SubscriberTaskLink } from '../admf-subscriber-store.js';
import type { ApiRole, ApiTokenRecord } from '../admf-tokens.js';
import type { ProvisioningStatus } from '../../x1/model.js';

/** A row as the driver gives it. */
export type PgRow = Record<string, unknown>;

const opt = <K extends string, V>(key: K, v: unknown): { [P in K]?: V } =>
  (v === null || v === undefined ? {} : { [key]: v as V }) as { [P in K]?: V };

export function toNe(r: PgRow): NeRecord {
  return {
    id: r.id as string,
    url: r.url as string,
    options: r.options as NeRecord['options'],
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export function toDestination(r: PgRow): DestinationRecord {
  return {
    neId: r.ne_id as string,
    did: r.did as string,
    details: r.details as DestinationRecord['details'],
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export function toTask(r: PgRow): TaskRecord {
  return {
    xid: r.xid as string,
    neId: r.ne_id as string,
    details: r.details as TaskRecord['details'],
    state: r.state as TaskState,
    ...opt<'provisioning', ProvisioningStatus>('provisioning', r.provisioning),
    ...opt<'reason', string>('reason', r.reason),
    ...opt<'validFrom', number>('validFrom', r.valid_from),
    ...opt<'validUntil', number>('validUntil', r.valid_until),
    ...opt<'warrantRef', string>('warrantRef', r.warrant_ref),
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

/** The parameters of the task upsert, in column order (see TASK_COLUMNS). */
export function taskParams(t: TaskRecord): unknown[] {
  return [
    t.xid,
    t.neId,
    JSON.stringify(t.details),
    t.state,
    t.provisioning ?? null,
    t.reason ?? null,
    t.validFrom ?? null,
    t.validUntil ?? null,
    t.warrantRef ?? null,
    t.createdAt,
    t.updatedAt,
  ];
}

export const TASK_COLUMNS =
  'xid, ne_id, details, state, provisioning, reason, valid_from, valid_until, warrant_ref, created_at, updated_at';

export function toReport(r: PgRow): ReportRecord {
  return {
    id: r.id as number,
    receivedAt: r.received_at as number,
    neId: r.ne_id as string,
    kind: r.kind as ReportRecord['kind'],
    transactionId: r.transaction_id as string,
    ...opt<'xid', string>('xid', r.xid),
    ...opt<'did', string>('did', r.did),
    reportType: r.report_type as ReportRecord['reportType'],
    ...opt<'code', number>('code', r.code),
    ...opt<'details', string>('details', r.details),
    unknown: r.unknown === true,
  };
}

export function toAudit(r: PgRow): AuditRecord {
  return {
    id: r.id as number,
    at: r.at as number,
    actor: r.actor as AuditRecord['actor'],
    ...opt<'operator', string>('operator', r.operator),
    action: r.action as string,
    outcome: r.outcome as AuditRecord['outcome'],
    ...opt<'neId', string>('neId', r.ne_id),
    ...opt<'xid', string>('xid', r.xid),
    ...opt<'did', string>('did', r.did),
    ...opt<'transactionId', string>('transactionId', r.transaction_id),
    ...opt<'detail', string>('detail', r.detail),
  };
}

export function toSubscriber(r: PgRow): SubscriberRecord {
  return {
    id: r.id as string,
    ...opt<'name', string>('name', r.name),
    identities: r.identities as SubscriberRecord['identities'],
    placements: r.placements as SubscriberRecord['placements'],
    deliveryType: r.delivery_type as SubscriberRecord['deliveryType'],
    state: r.state as SubscriberRecord['state'],
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export function toLink(r: PgRow): SubscriberTaskLink {
  return {
    subscriberId: r.subscriber_id as string,
    xid: r.xid as string,
    neId: r.ne_id as string,
    targetKey: r.target_key as string,
    createdAt: r.created_at as number,
  };
}

export function toToken(r: PgRow): ApiTokenRecord {
  return {
    name: r.name as string,
    role: r.role as ApiRole,
    hash: r.hash as string,
    createdAt: r.created_at as number,
    ...opt<'lastUsedAt', number>('lastUsedAt', r.last_used_at),
    ...opt<'revokedAt', number>('revokedAt', r.revoked_at),
  };
}
