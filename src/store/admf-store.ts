/**
 * The ADMF's desired state (DESIGN.md "State"): the NEs it tasks, the destinations and tasks it wants on each,
 * the reports NEs sent, and an append-only audit of every operator action and X1 exchange. The interface is
 * asynchronous so that a PostgreSQL implementation (several ADMF instances) can stand behind it unchanged;
 * the embedded implementation is SQLite (admf-sqlite-store.ts). Every call that resolves has committed.
 */
import type {
  DestinationDetails,
  ProvisioningStatus,
  TaskDetails,
  TaskReportType,
  NeIssueType,
} from '../x1/model.js';
import type { SubscriberStore } from './admf-subscriber-store.js';
import type { ApiTokenStore } from './admf-tokens.js';
import type { Fence } from './admf-fence.js';

/** Per-NE options an operator sets when registering the NE. */
export interface NeOptions {
  /** Keepalives agreed with this NE (TS 103 221-1 clause 6.6.2; DESIGN.md: off unless agreed). */
  readonly keepalive: boolean;
  /** Send at a random time inside the [TIME_P2, TIME_P1] window instead of every TIME_P2. */
  readonly keepaliveRandom: boolean;
  /** TIME_P1: a keepalive at least this often. */
  readonly timeP1Ms: number;
  /** TIME_P2: never more often than this. */
  readonly timeP2Ms: number;
  /** What reconciliation does with drift: only show it (`manual`), or heal it at once (`auto`). */
  readonly heal: 'manual' | 'auto';
}

export interface NeRecord {
  /** The NE's X1 identifier (`neIdentifier`, its certificate's Subject UID). */
  readonly id: string;
  /** Its X1 endpoint, e.g. `https://10.0.0.5:443/X1/NE`. */
  readonly url: string;
  readonly options: NeOptions;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface DestinationRecord {
  readonly neId: string;
  readonly did: string;
  readonly details: DestinationDetails;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * Where a task stands as the ADMF sees it. `scheduled`: its warrant starts later; it is not on its NE yet
 * (docs/admf.md "Warrant validity"). `activating`, `modifying`, `deactivating`: a request is out (or its
 * answer was lost: reconciliation settles it). `awaitingProvisioning`: the NE answered `Acknowledged` and a
 * ReportTaskIssue is awaited. `failed`: the NE refused or could not do it. `ended`: deactivated, or ended by
 * the NE (terminating fault, implicit deactivation).
 */
export const TASK_STATES = [
  'scheduled',
  'activating',
  'active',
  'awaitingProvisioning',
  'modifying',
  'deactivating',
  'failed',
  'ended',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States in which the task should exist on its NE. */
export const LIVE_TASK_STATES: readonly TaskState[] = [
  'activating',
  'active',
  'awaitingProvisioning',
  'modifying',
  'deactivating',
];

export interface TaskRecord {
  readonly xid: string;
  readonly neId: string;
  readonly details: TaskDetails;
  readonly state: TaskState;
  /** The NE's last known provisioning status. */
  readonly provisioning?: ProvisioningStatus;
  /** Why the task failed or ended, or the last error seen. */
  readonly reason?: string;
  /** The warrant's start (ms since the epoch): the ADMF activates the task then. */
  readonly validFrom?: number;
  /** The warrant's end (ms since the epoch): the ADMF deactivates the task then. */
  readonly validUntil?: number;
  /** The warrant reference (a TS 103 280 LIID), sent to the NE in the task's MediationDetails. */
  readonly warrantRef?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type ReportKind = 'ReportTaskIssue' | 'ReportDestinationIssue' | 'ReportNEIssue';

export interface ReportInput {
  readonly receivedAt: number;
  readonly neId: string;
  readonly kind: ReportKind;
  readonly transactionId: string;
  readonly xid?: string;
  readonly did?: string;
  /** taskReportType / destinationReportType / typeOfNeIssueMessage. */
  readonly reportType: TaskReportType | NeIssueType;
  readonly code?: number;
  readonly details?: string;
  /** The report named an XID or DID this ADMF does not know (accepted and flagged, as the X1 text asks). */
  readonly unknown: boolean;
}

export interface ReportRecord extends ReportInput {
  readonly id: number;
}

export interface AuditInput {
  readonly at: number;
  /** `operator` (REST/CLI), `x1` (an exchange with an NE), `system` (reconciliation, keepalive). */
  readonly actor: 'operator' | 'x1' | 'system';
  /**
   * The named API credential on whose request the row was written (any actor: the X1 exchanges an operator's
   * request causes name the operator too); absent for rows no operator caused (timers, NE reports).
   */
  readonly operator?: string;
  readonly action: string;
  readonly outcome: 'ok' | 'error';
  readonly neId?: string;
  readonly xid?: string;
  readonly did?: string;
  readonly transactionId?: string;
  readonly detail?: string;
}

export interface AuditRecord extends AuditInput {
  readonly id: number;
}

export interface Page {
  /** Only rows with a larger id. */
  readonly sinceId?: number;
  readonly limit?: number;
}

export interface TaskFilter {
  readonly neId?: string;
  readonly states?: readonly TaskState[];
  /** Only tasks after this one in the listing order (creation time, then XID): the next page. */
  readonly after?: { readonly createdAt: number; readonly xid: string };
  /** At most this many. */
  readonly limit?: number;
  /** Only tasks with a validity window (a `validFrom` or a `validUntil`): the warrant scheduler's view. */
  readonly windowed?: boolean;
}

export interface ReportFilter extends Page {
  readonly neId?: string;
  readonly xid?: string;
}

/** Which audit rows {@link AdmfStore.readAudit} returns. */
export interface AuditFilter extends Page {
  readonly neId?: string;
  readonly xid?: string;
  /** Only rows naming this operator. */
  readonly operator?: string;
}

export interface AdmfStore extends SubscriberStore, ApiTokenStore {
  putNe(ne: NeRecord): Promise<void>;
  getNe(id: string): Promise<NeRecord | undefined>;
  listNes(): Promise<NeRecord[]>;
  /** Deletes the NE and its destinations and tasks; false when there was none. */
  deleteNe(id: string): Promise<boolean>;

  /**
   * Inserts or replaces a destination. With a fence, only while the fence's lease on the destination's NE holds
   * (else a `StoreError` `Fenced`, and nothing changes); so for the fenced writes below.
   */
  putDestination(d: DestinationRecord, fence?: Fence): Promise<void>;
  getDestination(neId: string, did: string): Promise<DestinationRecord | undefined>;
  listDestinations(neId?: string): Promise<DestinationRecord[]>;
  deleteDestination(neId: string, did: string, fence?: Fence): Promise<boolean>;

  /**
   * Inserts or replaces a task (by XID). With a fence, only while the fence's lease on the task's NE holds
   * (else a `StoreError` `Fenced`, and nothing changes).
   */
  putTask(t: TaskRecord, fence?: Fence): Promise<void>;
  /**
   * Writes a new task unless its XID has a live record (one not `failed` or `ended`, which a new task may
   * replace), checked in the writing statement; false when it has one (nothing written).
   */
  addTask(t: TaskRecord): Promise<boolean>;
  /** Inserts many tasks in one commit. */
  putTasks(ts: readonly TaskRecord[]): Promise<void>;
  getTask(xid: string): Promise<TaskRecord | undefined>;
  listTasks(filter?: TaskFilter): Promise<TaskRecord[]>;
  /** How many tasks each NE has in each state (metrics). */
  countTasks(): Promise<{ neId: string; state: TaskState; count: number }[]>;
  /**
   * Changes state (and optionally provisioning and reason); false when there is no such task. With `from`, only
   * while the task is in one of those states, checked in the writing statement (a compare-and-set: a change made
   * meanwhile by another request is never overwritten); false when it is not. With a fence, only while the
   * fence's lease on the task's NE holds (else a `StoreError` `Fenced`, and nothing changes).
   */
  setTaskState(
    xid: string,
    state: TaskState,
    at: number,
    extra?: { provisioning?: ProvisioningStatus; reason?: string; from?: readonly TaskState[] },
    fence?: Fence,
  ): Promise<boolean>;

  addReport(r: ReportInput): Promise<number>;
  listReports(filter?: ReportFilter): Promise<ReportRecord[]>;

  /** Appends to the audit log (append-only: rows are never changed or deleted). */
  appendAudit(a: AuditInput): Promise<number>;
  /** Appends several audit rows in one commit, in order. */
  appendAudits(rows: readonly AuditInput[]): Promise<void>;
  readAudit(filter?: AuditFilter): Promise<AuditRecord[]>;

  getMeta(key: string): Promise<string | undefined>;
  /** Sets a value; with a fence (a value about the fence's NE, such as its drift), only while the lease holds. */
  setMeta(key: string, value: string, fence?: Fence): Promise<void>;

  close(): Promise<void>;
}

/** Defaults of list calls. */
export const ADMF_STORE_LIMITS = { defaultPage: 1000, maxPage: 10_000 } as const;
