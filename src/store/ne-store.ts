/**
 * The Network Element's durable state (DESIGN.md "State"): tasks, destinations, faults, counters, the
 * report outbox, the append-only audit log and a little key/value state. Every mutating call has committed
 * when it returns; {@link NeStore.transaction} groups several into one commit.
 */
import type {
  DestinationDetails,
  DestinationDeliveryStatus,
  ErrorInformation,
  ProvisioningStatus,
  TaskDetails,
  Timestamp,
} from '../x1/model.js';

export type TaskOrigin = 'x1' | 'manual';

export interface TaskCounters {
  readonly provisioningStatus: ProvisioningStatus;
  readonly timeOfLastIntercept?: Timestamp;
  readonly amountOfX2Data: number;
  readonly amountOfX3Data: number;
  readonly timeOfLastModification?: Timestamp;
  readonly numberOfModifications: number;
}

export interface StoredTask {
  readonly details: TaskDetails;
  readonly origin: TaskOrigin;
  readonly status: TaskCounters;
}

export interface StoredDestination {
  readonly details: DestinationDetails;
  readonly deliveryStatus: DestinationDeliveryStatus;
}

export type FaultScope =
  | { readonly kind: 'task'; readonly id: string }
  | { readonly kind: 'destination'; readonly id: string }
  | { readonly kind: 'ne'; readonly id: string };

export type ReportKind = 'ReportTaskIssue' | 'ReportDestinationIssue' | 'ReportNEIssue';

export interface OutboxEntry {
  readonly id: number;
  readonly kind: ReportKind;
  /** The request's fields without the header. */
  readonly body: unknown;
  readonly attempts: number;
  readonly lastError: string | undefined;
}

export interface AuditInput {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly actor: 'x1' | 'manual' | 'system';
  readonly action: string;
  readonly outcome: 'ok' | 'error';
  readonly xid?: string;
  readonly did?: string;
  readonly transactionId?: string;
  readonly detail?: string;
}

export interface AuditEntry extends AuditInput {
  readonly id: number;
}

export interface InterceptUpdate {
  readonly xid: string;
  readonly x2Bytes: number;
  readonly x3Bytes?: number;
  readonly at: Timestamp;
}

export interface NeStore {
  getTask(xid: string): StoredTask | undefined;
  /** Every task, streamed from the database (100,000 tasks without one big array of rows). */
  iterateTasks(): IterableIterator<StoredTask>;
  /** Every task as its stored `<x1:taskDetails>` fragment and counters (bulk status answers). */
  iterateTaskFragments(): IterableIterator<{
    readonly xid: string;
    readonly taskDetailsXml: string;
    readonly status: TaskCounters;
  }>;
  listXids(): string[];
  countTasks(): number;
  insertTask(t: {
    details: TaskDetails;
    origin: TaskOrigin;
    provisioningStatus: ProvisioningStatus;
    at: Timestamp;
  }): void;
  /** ModifyTask: whole replacement; counts the modification and records its time. */
  replaceTask(details: TaskDetails, at: Timestamp): void;
  setProvisioningStatus(xid: string, status: ProvisioningStatus): void;
  /** Deletes the task and its faults; false when there was none. */
  deleteTask(xid: string): boolean;
  addInterceptCounters(updates: readonly InterceptUpdate[]): void;

  getDestination(did: string): StoredDestination | undefined;
  listDestinations(): StoredDestination[];
  insertDestination(d: DestinationDetails): void;
  replaceDestination(d: DestinationDetails): void;
  deleteDestination(did: string): boolean;
  deleteAllDestinations(): number;
  setDestinationDeliveryStatus(did: string, status: DestinationDeliveryStatus): void;
  /** XIDs whose listOfDIDs (or mediation details) name this DID. */
  tasksUsingDestination(did: string): string[];

  addFault(scope: FaultScope, fault: ErrorInformation): void;
  clearFault(scope: FaultScope, code: number): void;
  listFaults(scope: FaultScope): ErrorInformation[];
  /** Every fault of one scope kind, by scope id (for status answers about all tasks at once). */
  faultsByScope(kind: FaultScope['kind']): Map<string, ErrorInformation[]>;

  enqueueReport(r: { kind: ReportKind; body: unknown }): number;
  pendingReports(limit: number): OutboxEntry[];
  markReportSent(id: number): void;
  recordReportAttempt(id: number, error: string): void;

  appendAudit(a: AuditInput): number;
  readAudit(opts?: { sinceId?: number; limit?: number }): AuditEntry[];
  lastAuditId(): number;

  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /** A number that changes whenever another process commits to the same store (manual tasking). */
  externalChangeCounter(): number;

  transaction<T>(fn: () => T): T;
  close(): void;
}
