/**
 * What a ReportTaskIssue does to its task (TS 103 221-1 clause 6.5.1; DESIGN.md "Faults"), through the task-state
 * owner. Run by the NE's owner: at once when the report reached it, or when another instance that received it
 * tells it (`report:<id>`, read back from the store).
 */
import type { ReportRecord, TaskRecord } from '../store/admf-store.js';
import { ISSUE_CODES } from '../x1/errors.js';
import type { ReportTaskIssueRequest, TaskReportType } from '../x1/model.js';
import type { Admf } from './admf.js';
import { moveTask, pendingOf } from './task-state.js';

/** The parts of a ReportTaskIssue that decide its effect. */
export interface TaskReport {
  readonly taskReportType: ReportTaskIssueRequest['taskReportType'];
  readonly taskIssueDetails?: string;
  readonly taskIssueErrorCode?: number;
}

/** The decisive parts of a received report. */
export function reportOf(m: ReportTaskIssueRequest): TaskReport {
  return {
    taskReportType: m.taskReportType,
    ...(m.taskIssueDetails !== undefined && { taskIssueDetails: m.taskIssueDetails }),
    ...(m.taskIssueErrorCode !== undefined && { taskIssueErrorCode: m.taskIssueErrorCode }),
  };
}

/** The decisive parts of a stored report (undefined for a report of another kind). */
export function storedReport(r: ReportRecord): TaskReport | undefined {
  if (r.kind !== 'ReportTaskIssue') return undefined;
  return {
    taskReportType: r.reportType as TaskReportType,
    ...(r.details !== undefined && { taskIssueDetails: r.details }),
    ...(r.code !== undefined && { taskIssueErrorCode: r.code }),
  };
}

/**
 * Moves the task on for a report, through the task-state owner. A completion report counts for the request
 * the task waits on ({@link pendingOf}); one that arrives while nothing is awaited (an ended, failed or active
 * task) is recorded and changes nothing. While a deactivation is awaited, a success report may be the late
 * completion of the earlier activation or modification (reports name no request): the NE is asked, and
 * the task ends only when the NE no longer has it.
 */
export async function applyTaskReport(a: Admf, t: TaskRecord, m: TaskReport): Promise<void> {
  const why = `${m.taskReportType}${m.taskIssueDetails ? `: ${m.taskIssueDetails}` : ''}`;
  const pending = pendingOf(t.state);
  const stale = () =>
    a.logger.warn(
      { xid: t.xid, state: t.state, report: m.taskReportType },
      'report matches no awaited request',
    );
  switch (m.taskReportType) {
    case 'TerminatingFault':
    case 'ImplicitDeactivation':
      await moveTask(a, t.xid, 'ended', why, { reason: why });
      return;
    case 'FullyActionedAndUnsuccessful':
      if (pending === 'activate-or-modify')
        await moveTask(a, t.xid, 'failed', why, { provisioning: 'failed', reason: why });
      else if (pending === 'deactivate')
        await moveTask(a, t.xid, 'deactivating', why, { provisioning: 'failed', reason: why });
      else stale();
      return;
    case 'FullyActionedAndSuccessful':
      if (pending === 'activate-or-modify')
        await moveTask(a, t.xid, 'active', why, { provisioning: 'complete' });
      else if (pending === 'deactivate') await deactivationReported(a, t);
      else stale();
      return;
    default:
      if (m.taskIssueErrorCode === ISSUE_CODES.Terminating)
        await moveTask(a, t.xid, 'ended', why, { reason: why });
  }
}

/** A success report while a deactivation is awaited: the task ends once the NE confirms it has no task. */
async function deactivationReported(a: Admf, t: TaskRecord): Promise<void> {
  let answer;
  try {
    answer = await a.send(t.neId, { type: 'GetTaskDetailsRequest', xId: t.xid });
  } catch (err) {
    a.logger.warn(
      { err, xid: t.xid },
      'deactivation report not confirmed (NE unreachable); reconciliation settles it',
    );
    return;
  }
  const r = answer.response;
  if (r.type === 'ErrorResponse' && a.isKind(r.errorInformation.errorCode, 'XidDoesNotExist'))
    await moveTask(a, t.xid, 'ended', 'deactivation reported', { reason: 'deactivated' });
  else
    a.logger.info(
      { xid: t.xid },
      'success report while deactivating, but the NE still has the task: the report was for an earlier request',
    );
}
