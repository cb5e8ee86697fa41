/**
 * What every NE handler works with: the store, the data plane, the responder identity, the clock, and the
 * issue-report helpers that turn warnings, faults and terminations into outbox entries (DESIGN.md "Behaviour
 * that the seed fixes").
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NeStore, FaultScope } from '../store/ne-store.js';
import { ISSUE_CODES } from '../x1/errors.js';
import type { ErrorInformation, TaskReportType, NeIssueType } from '../x1/model.js';
import type { NeConfig } from './config.js';
import type { AuditLog } from './audit.js';
import type { DataPlane } from './data-plane.js';
import type { ResponderIdentity } from '../x1/responses.js';
import type { NeTasks } from './task-state.js';

export interface NeContext {
  readonly config: NeConfig;
  readonly store: NeStore;
  readonly dataPlane: DataPlane;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly me: ResponderIdentity;
  readonly issues: IssueReporter;
  readonly audit: AuditLog;
  /** The one writer of task state (src/ne/task-state.ts). */
  readonly tasks: NeTasks;
}

/** Turns issues into durable reports for the ADMF and keeps faults in the store until cleared. */
export class IssueReporter {
  constructor(
    private readonly store: NeStore,
    private readonly logger: Logger,
    private readonly kick: () => void,
  ) {}

  /** A task report of any type (queued for the ADMF). */
  task(xid: string, type: TaskReportType, code: number, details: string): void {
    this.store.enqueueReport({
      kind: 'ReportTaskIssue',
      body: {
        xId: xid,
        taskReportType: type,
        taskIssueErrorCode: code,
        taskIssueDetails: details,
        taskIssueExtensions: [],
      },
    });
    this.kick();
  }

  destination(did: string, type: TaskReportType, code: number, details: string): void {
    this.store.enqueueReport({
      kind: 'ReportDestinationIssue',
      body: {
        dId: did,
        destinationReportType: type,
        destinationIssueErrorCode: code,
        destinationIssueDetails: details,
      },
    });
    this.kick();
  }

  ne(type: NeIssueType, code: number, description: string): void {
    this.store.enqueueReport({
      kind: 'ReportNEIssue',
      body: { typeOfNeIssueMessage: type, description, issueCode: code, nEIssueExtensions: [] },
    });
    this.kick();
  }

  /** Warnings are reported once and logged, never kept in status. */
  warn(scope: FaultScope, text: string): void {
    this.logger.warn({ scope }, text);
    if (scope.kind === 'task') this.task(scope.id, 'Warning', ISSUE_CODES.Warning, text);
    else if (scope.kind === 'destination') this.destination(scope.id, 'Warning', ISSUE_CODES.Warning, text);
    else this.ne('Warning', ISSUE_CODES.Warning, text);
  }

  /** A fault is remembered (shown in status) until cleared, and reported once when it appears. */
  fault(scope: FaultScope, fault: ErrorInformation): void {
    const known = this.store.listFaults(scope).some((f) => f.errorCode === fault.errorCode);
    if (known) return;
    this.store.addFault(scope, fault);
    this.logger.error({ scope, code: fault.errorCode }, fault.errorDescription);
    if (scope.kind === 'task')
      this.task(scope.id, 'NonTerminatingFault', fault.errorCode, fault.errorDescription);
    else if (scope.kind === 'destination')
      this.destination(scope.id, 'NonTerminatingFault', fault.errorCode, fault.errorDescription);
    else this.ne('FaultReport', fault.errorCode, fault.errorDescription);
  }

  /** Clears a fault and reports the clearing; nothing happens when the fault was not there. */
  clear(scope: FaultScope, code: number, text: string): void {
    if (!this.store.listFaults(scope).some((f) => f.errorCode === code)) return;
    this.store.clearFault(scope, code);
    this.logger.info({ scope, code }, `cleared: ${text}`);
    if (scope.kind === 'task') this.task(scope.id, 'AllClear', ISSUE_CODES.Cleared, text);
    else if (scope.kind === 'destination') this.destination(scope.id, 'AllClear', ISSUE_CODES.Cleared, text);
    else this.ne('FaultCleared', ISSUE_CODES.Cleared, text);
  }
}
