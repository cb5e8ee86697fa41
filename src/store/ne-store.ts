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
export { StoreError, type StoreErrorKind } from './store-errors.js';

export type TaskOrigin = 'x1' | 'manual';

/** The lifecycle request a task awaiting provisioning waits on (src/ne/task-state.ts). */
export type PendingRequest = 'activate' | 'modify' | 'deactivate';

export interface TaskCounters {
  readonly provisioningStatus: ProvisioningStatus;
  readonly timeOfLastIntercept?: Timestamp;
  readonly amountOfX2Data: number;
  readonly amountOfX3Data: number;
  readonly timeOfLastModification?: Timestamp;
  readonly numberOfModifications: number;
}

/** A task as its stored `<x1:taskDetails>` fragment and counters (bulk status answers). */
export interface TaskFragment {
  readonly xid: string;
  readonly taskDetailsXml: string;
  readonly status: TaskCounters;
}

/** A task as bulk answers send it: its stored fragment, counters and faults. */
export interface TaskSliceEntry extends TaskFragment {
  readonly faults: readonly ErrorInformation[];
}

/** One consistent view of the NE's store; {@link NeSnapshot.close} ends it (always call it). */
export interface NeSnapshot {
  /** The next `limit` tasks in insertion order with their faults; an empty array at the end. */
  nextTasks(limit: number): TaskSliceEntry[];
  /** The next `limit` XIDs in insertion order; an empty array at the end (a separate cursor). */
  nextXids(limit: number): string[];
  destinations(): StoredDestination[];
  dids(): string[];
  faultsByScope(kind: FaultScope['kind']): Map<string, ErrorInformation[]>;
  close(): void;
}

export interface StoredTask {
  readonly details: TaskDetails;
  readonly origin: TaskOrigin;
  readonly status: TaskCounters;
  /** Set while `status.provisioningStatus` is `awaitingProvisioning`: the request that waits. */
  readonly pending?: PendingRequest;
  /** When the task was stored (ActivateTask or the manual command). */
  readonly createdAt: Timestamp;
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
  /** Milliseconds since the epoch when it was queued. */
  readonly enqueuedAt: number | undefined;
  /** Milliseconds since the epoch before which the sender should not try again (set by a failed attempt). */
  readonly nextAttemptAt: number | undefined;
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
  /** The origin of the task the row is about, where it matters (a manual removal). */
  readonly taskOrigin?: TaskOrigin;
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

/**
 * Synchronous by design: node:sqlite commits in microseconds, and the NE answers only after the commit.
 * Methods that name a missing task or destination change nothing and say so (`false`); an insert of an
 * existing key throws {@link StoreError} `AlreadyExists`. While an iterator is open, the same store takes no
 * writes (finish or `return()` the iterator first).
 */
export interface NeStore {
  getTask(xid: string): StoredTask | undefined;
  /** Every task in insertion order, as one array (prefer {@link NeStore.iterateTasks} for many). */
  listTasks(): StoredTask[];
  /** Every task, streamed from the database (100,000 tasks without one big array of rows). */
  iterateTasks(): IterableIterator<StoredTask>;
  /** Every task as its stored `<x1:taskDetails>` fragment and counters (bulk status answers). */
  iterateTaskFragments(): IterableIterator<TaskFragment>;
  /**
   * A consistent view for answers read in slices (bulk status): later commits are not seen through it and
   * it never blocks them. Close it when done.
   */
  snapshot(): NeSnapshot;
  /**
   * Up to `limit` tasks stored after `position` (0: from the first), in insertion order, each with its
   * position: restoring 1,000,000 tasks a slice at a time.
   */
  tasksAfter(position: number, limit: number): { position: number; task: StoredTask }[];
  /** The position of the last task stored (0 when there is none); later tasks come after it. */
  lastTaskPosition(): number;
  listXids(): string[];
  countTasks(): number;
  /**
   * How many tasks are in each provisioning status, destinations in each delivery status, and reports wait in
   * the outbox (metrics).
   */
  countByStatus(): { tasks: Record<string, number>; destinations: Record<string, number>; outbox: number };
  insertTask(t: {
    details: TaskDetails;
    origin: TaskOrigin;
    provisioningStatus: ProvisioningStatus;
    pending?: PendingRequest;
    at: Timestamp;
  }): void;
  /**
   * ModifyTask (TS 103 221-1 clause 6.2.2): whole replacement; counts the modification and records its time
   * (TaskStatus clause 6.4.2.2); the task's DID links follow the new details. False when there is no such task.
   */
  replaceTask(details: TaskDetails, at: Timestamp): boolean;
  /** Sets the provisioning status and the request it awaits (none when `complete`). */
  setProvisioningStatus(xid: string, status: ProvisioningStatus, pending?: PendingRequest): boolean;
  /** Deletes the task and its faults; false when there was none. */
  deleteTask(xid: string): boolean;
  /** Deletes every task and every task fault (DeactivateAllTasks); returns the deleted XIDs. */
  deleteAllTasks(): string[];
  /**
   * Adds intercepted bytes to the tasks' X2/X3 counters and sets their time of last intercept, all updates in
   * one transaction (batch them). Updates for unknown XIDs are ignored. Byte counts must be non-negative
   * safe integers ({@link StoreError} `InvalidInput` otherwise, and nothing is changed).
   */
  addInterceptCounters(updates: readonly InterceptUpdate[]): void;

  getDestination(did: string): StoredDestination | undefined;
  listDestinations(): StoredDestination[];
  /** Stores a destination as `activeAndWorking`. */
  insertDestination(d: DestinationDetails): void;
  /** ModifyDestination: whole replacement, status and faults kept. False when there is no such destination. */
  replaceDestination(d: DestinationDetails): boolean;
  /** Deletes the destination and its faults (callers check {@link NeStore.tasksUsingDestination} first). */
  deleteDestination(did: string): boolean;
  /** Deletes every destination and destination fault; returns how many destinations there were. */
  deleteAllDestinations(): number;
  setDestinationDeliveryStatus(did: string, status: DestinationDeliveryStatus): boolean;
  /** XIDs whose listOfDIDs (or mediation details) name this DID. */
  tasksUsingDestination(did: string): string[];

  /**
   * Remembers a fault until cleared (DESIGN.md: faults show in status until cleared; warnings are not stored).
   * One fault per scope and code: adding the same code again replaces its description.
   */
  addFault(scope: FaultScope, fault: ErrorInformation): void;
  /** False when the scope had no fault with this code. */
  clearFault(scope: FaultScope, code: number): boolean;
  /** The scope's faults by code. */
  listFaults(scope: FaultScope): ErrorInformation[];
  /** Every fault of one scope kind, by scope id (for status answers about all tasks at once). */
  faultsByScope(kind: FaultScope['kind']): Map<string, ErrorInformation[]>;

  /** Queues a report for the ADMF; `body` is JSON-able; `at` (ms) defaults to now. Returns its id. */
  enqueueReport(r: { kind: ReportKind; body: unknown; at?: number }): number;
  /** The oldest `limit` queued reports, first in first out, whether due or not (the sender decides). */
  pendingReports(limit: number): OutboxEntry[];
  /** Removes a delivered report; false when it was not queued. */
  markReportSent(id: number): boolean;
  /** Counts a failed attempt, keeps its error and, when given, when to try again (ms since the epoch). */
  recordReportAttempt(id: number, error: string, nextAttemptAt?: number): void;

  /** Appends one row (the table refuses UPDATE and DELETE); returns its id, which only grows. */
  appendAudit(a: AuditInput): number;
  /** Rows with id > `sinceId` (default 0), oldest first, at most `limit` (default 1000). */
  readAudit(opts?: { sinceId?: number; limit?: number }): AuditEntry[];
  lastAuditId(): number;

  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /** A number that changes whenever another process commits to the same store (manual tasking). */
  externalChangeCounter(): number;

  /**
   * Runs `fn` in one transaction: everything it changes commits together when it returns, or nothing when it
   * throws. Nests (an inner call is a savepoint). `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T;
  /** Closes the database; later calls throw. Closing twice is harmless. */
  close(): void;
}
