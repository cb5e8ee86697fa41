/**
 * The NE's task state, with one owner (docs/ne.md "Task state"). A task is absent, complete (in force), or
 * awaiting the lifecycle request that was answered `Acknowledged` and finishes late (TS 103 221-1 clause 6.2,
 * DESIGN.md: ReportTaskIssue FullyActionedAndSuccessful / FullyActionedAndUnsuccessful follows).
 *
 * {@link nextTaskState} is the table of legal moves; {@link NeTasks} is the one place that writes task state to
 * the store (insert, replace, provisioning status, delete) and turns late outcomes into reports. A late outcome
 * counts only while the task still awaits that very request: each request that starts a wait gets a
 * generation, and an outcome of an older generation (the task was modified, deactivated or removed since) is
 * dropped, logged and counted; a stale successful activation is taken out of the data plane again, so that
 * nothing is intercepted for a task the ADMF ended.
 */
import { LixError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { NeStore, PendingRequest, StoredTask, TaskOrigin } from '../store/ne-store.js';
import { ISSUE_CODES } from '../x1/errors.js';
import type { NeIssueType, TaskDetails, TaskReportType, Timestamp } from '../x1/model.js';
import type { AuditLog, AuditRow } from './audit.js';
import type { DataPlane } from './data-plane.js';

/** The reports the owner queues (the NE's IssueReporter fits). */
export interface TaskReports {
  task(xid: string, type: TaskReportType, code: number, details: string): void;
  ne(type: NeIssueType, code: number, description: string): void;
}

export type { PendingRequest } from '../store/ne-store.js';

export type NeTaskState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'complete' }
  | { readonly kind: 'awaiting'; readonly pending: PendingRequest };

export type NeTaskEvent =
  /** An X1 lifecycle request, done within TIME1 (`late` false) or acknowledged to finish later. */
  | { readonly type: 'activate' | 'modify' | 'deactivate'; readonly late: boolean }
  /** The data plane finished the request the task awaits. */
  | { readonly type: 'outcome'; readonly request: PendingRequest; readonly ok: boolean }
  /** Created by hand on the NE (`lix ne task add`): awaits its activation by the running NE. */
  | { readonly type: 'manualAdd' }
  /** Ended without a request: terminating fault, removal by hand, a failed change cleaned up. */
  | { readonly type: 'remove' }
  /** After a restart: the data plane was given the stored task (`ok`) or could not take it. */
  | { readonly type: 'restore'; readonly ok: boolean };

export type Move = { readonly to: NeTaskState } | { readonly refused: string };

const ABSENT: NeTaskState = { kind: 'absent' };
const COMPLETE: NeTaskState = { kind: 'complete' };
const awaiting = (pending: PendingRequest): NeTaskState => ({ kind: 'awaiting', pending });
const to = (s: NeTaskState): Move => ({ to: s });
const refused = (why: string): Move => ({ refused: why });

/** The table of legal moves: the next state, or why the event does not apply in this state. */
export function nextTaskState(s: NeTaskState, e: NeTaskEvent): Move {
  if (s.kind === 'absent') {
    if (e.type === 'activate') return to(e.late ? awaiting('activate') : COMPLETE);
    if (e.type === 'manualAdd') return to(awaiting('activate'));
    return refused(`no such task (${e.type})`);
  }
  switch (e.type) {
    case 'activate':
    case 'manualAdd':
      return refused('the task exists');
    case 'modify':
      if (s.kind === 'awaiting' && s.pending === 'deactivate')
        return refused('the task is being deactivated');
      return to(e.late ? awaiting('modify') : COMPLETE);
    case 'deactivate':
      return to(e.late ? awaiting('deactivate') : ABSENT);
    case 'remove':
      return to(ABSENT);
    case 'outcome':
      if (s.kind !== 'awaiting') return refused(`a late ${e.request} outcome for a task awaiting nothing`);
      if (s.pending !== e.request)
        return refused(`a late ${e.request} outcome for a task awaiting ${s.pending}`);
      return to(e.request !== 'deactivate' && e.ok ? COMPLETE : ABSENT);
    case 'restore':
      if (s.kind === 'awaiting' && s.pending === 'deactivate') return to(ABSENT);
      return to(e.ok ? COMPLETE : ABSENT);
  }
}

/** The state a stored task is in. */
export function stateOf(t: StoredTask | undefined): NeTaskState {
  if (!t) return ABSENT;
  return t.status.provisioningStatus === 'complete' ? COMPLETE : awaiting(t.pending ?? 'activate');
}

const OUTCOME_TEXT: Record<PendingRequest, string> = {
  activate: 'activation',
  modify: 'modification',
  deactivate: 'deactivation',
};

export interface NeTasksDeps {
  readonly store: NeStore;
  readonly audit: AuditLog;
  readonly issues: TaskReports;
  readonly dataPlane: DataPlane;
  readonly logger: Logger;
  readonly now: () => Timestamp;
}

/** A change that starts a wait: the generation its late outcome must carry. */
export type Generation = number;

/** The one writer of NE task state. */
export class NeTasks {
  /** Generation of the request each waiting task waits on (in memory: a restart finishes every wait). */
  private readonly waits = new Map<string, Generation>();
  private nextGeneration = 1;
  readonly counters = { staleOutcomes: 0, refusedMoves: 0 };

  constructor(private readonly d: NeTasksDeps) {}

  /** The current state of a task. */
  state(xid: string): NeTaskState {
    return stateOf(this.d.store.getTask(xid));
  }

  /** Checks a move against the table; throws the refusal (callers turn it into their X1 error first). */
  private move(xid: string, e: NeTaskEvent, current: NeTaskState = this.state(xid)): NeTaskState {
    const m = nextTaskState(current, e);
    if ('refused' in m) {
      this.d.logger.warn({ xid, event: e }, `task state: ${m.refused}`);
      throw new TaskStateRefusal(m.refused);
    }
    return m.to;
  }

  private startWait(xid: string, s: NeTaskState): Generation {
    if (s.kind !== 'awaiting') {
      this.waits.delete(xid);
      return 0;
    }
    const g = this.nextGeneration++;
    this.waits.set(xid, g);
    return g;
  }

  private write(xid: string, s: NeTaskState): void {
    if (s.kind === 'absent') this.d.store.deleteTask(xid);
    else if (s.kind === 'complete') this.d.store.setProvisioningStatus(xid, 'complete');
    else this.d.store.setProvisioningStatus(xid, 'awaitingProvisioning', s.pending);
  }

  /** ActivateTask: the insert is group-committed with the audit row; resolves once durable. */
  activate(
    details: TaskDetails,
    late: boolean,
    row: AuditRow,
  ): { committed: Promise<void>; generation: Generation } {
    const s = this.move(details.xId, { type: 'activate', late });
    const generation = this.startWait(details.xId, s);
    const committed = this.d.audit.stage(
      () =>
        this.d.store.insertTask({
          details,
          origin: 'x1',
          provisioningStatus: s.kind === 'complete' ? 'complete' : 'awaitingProvisioning',
          pending: 'activate',
          at: this.d.now(),
        }),
      row,
      details.xId,
    );
    return { committed, generation };
  }

  /** ModifyTask: whole replacement, committed with the audit row. */
  modify(details: TaskDetails, late: boolean, row: AuditRow): Generation {
    const s = this.move(details.xId, { type: 'modify', late });
    this.d.audit.commit(() => {
      this.d.store.replaceTask(details, this.d.now());
      this.write(details.xId, s);
    }, row);
    return this.startWait(details.xId, s);
  }

  /** Checks that a task may be modified now (before the data plane is touched). */
  checkModify(xid: string): void {
    this.move(xid, { type: 'modify', late: true });
  }

  /** DeactivateTask (or each task of DeactivateAllTasks), committed with the audit row. */
  deactivate(xids: readonly string[], late: boolean, row: AuditRow): Map<string, Generation> {
    const moves = xids.map((xid) => [xid, this.move(xid, { type: 'deactivate', late })] as const);
    this.d.audit.commit(() => {
      for (const [xid, s] of moves) this.write(xid, s);
    }, row);
    return new Map(moves.map(([xid, s]) => [xid, this.startWait(xid, s)]));
  }

  /**
   * The data plane finished `request` late. Applied (state written, report queued) only while the task still
   * awaits that request of that generation; otherwise dropped and counted.
   */
  lateOutcome(xid: string, request: PendingRequest, generation: Generation, ok: boolean, why?: string): void {
    const current = this.state(xid);
    const m = nextTaskState(current, { type: 'outcome', request, ok });
    if ('refused' in m || this.waits.get(xid) !== generation) {
      this.counters.staleOutcomes++;
      this.d.logger.info(
        { xid, request, ok, state: current },
        `late ${OUTCOME_TEXT[request]} outcome dropped: the task no longer awaits it`,
      );
      // A superseded activation or modification that did reach the data plane must not outlive its task.
      if (ok && request !== 'deactivate' && (current.kind === 'absent' || 'refused' in m)) {
        const gone =
          current.kind === 'absent' || (current.kind === 'awaiting' && current.pending === 'deactivate');
        if (gone)
          void this.d.dataPlane
            .removeTask(xid)
            .catch((err: unknown) => this.d.logger.error({ err, xid }, 'data plane removal failed'));
      }
      return;
    }
    this.waits.delete(xid);
    const text = OUTCOME_TEXT[request];
    // A failed modification ends the task: what the data plane holds of it goes too.
    if (!ok && request === 'modify')
      void this.d.dataPlane
        .removeTask(xid)
        .catch((err: unknown) => this.d.logger.error({ err, xid }, 'data plane removal failed'));
    this.d.audit.commit(
      () => {
        if (ok)
          this.d.issues.task(xid, 'FullyActionedAndSuccessful', ISSUE_CODES.Actioned, `${text} completed`);
        else
          this.d.issues.task(
            xid,
            'FullyActionedAndUnsuccessful',
            ISSUE_CODES.Terminating,
            `${text} failed: ${why ?? ''}`,
          );
        this.write(xid, m.to);
      },
      {
        actor: 'system',
        action: `Late${request[0]!.toUpperCase()}${request.slice(1)}`,
        xid,
        outcome: ok ? 'ok' : 'error',
        ...(why !== undefined && { detail: why }),
      },
    );
  }

  /** Ends a task without a request (audited); `report` is queued first when given (terminating faults). */
  remove(
    xid: string,
    row: AuditRow,
    report?: {
      readonly type: 'TerminatingFault' | 'FullyActionedAndUnsuccessful';
      readonly code: number;
      readonly text: string;
    },
  ): void {
    if (this.state(xid).kind === 'absent') return;
    const s = this.move(xid, { type: 'remove' });
    this.waits.delete(xid);
    this.d.audit.commit(() => {
      if (report) this.d.issues.task(xid, report.type, report.code, report.text);
      this.write(xid, s);
    }, row);
  }

  /** After a restart: a task whose wait was interrupted finishes the request that was acknowledged. */
  restored(xid: string, ok: boolean, stored?: StoredTask): void {
    const before = stored ? stateOf(stored) : this.state(xid);
    const s = this.move(xid, { type: 'restore', ok }, before);
    if (before.kind !== 'awaiting') return;
    const request = before.pending;
    this.d.audit.commit(() => {
      this.write(xid, s);
      if (request === 'deactivate')
        this.d.issues.task(
          xid,
          'FullyActionedAndSuccessful',
          ISSUE_CODES.Actioned,
          'deactivation completed after restart',
        );
      else if (ok)
        this.d.issues.task(
          xid,
          'FullyActionedAndSuccessful',
          ISSUE_CODES.Actioned,
          'provisioned after restart',
        );
    });
  }

  /** A task created by hand is in the data plane: complete, and announced to the ADMF. */
  manualApplied(xid: string): void {
    const s = this.move(xid, { type: 'outcome', request: 'activate', ok: true });
    this.d.audit.commit(() => {
      this.write(xid, s);
      this.d.issues.ne('Warning', ISSUE_CODES.Warning, `task ${xid} was created by manual action on the NE`);
    });
  }
}

/** A move the table does not allow. */
export class TaskStateRefusal extends LixError<'illegal-move'> {
  constructor(message: string) {
    super('illegal-move', message);
  }
}

/**
 * Manual tasking from another process (`lix ne task add|remove`): the store writes of the CLI, with their
 * audit rows (actor `manual`) that the running NE follows. Checked against the same table.
 */
export const manualTaskWrites = {
  add(
    store: NeStore,
    details: TaskDetails,
    row: Omit<AuditRow, 'actor'> & { at: number },
    at: Timestamp,
  ): void {
    const m = nextTaskState(stateOf(store.getTask(details.xId)), { type: 'manualAdd' });
    if ('refused' in m) throw new TaskStateRefusal(m.refused);
    store.transaction(() => {
      store.insertTask({
        details,
        origin: 'manual',
        provisioningStatus: 'awaitingProvisioning',
        pending: 'activate',
        at,
      });
      store.appendAudit({ ...row, actor: 'manual' });
    });
  },
  remove(
    store: NeStore,
    xid: string,
    row: Omit<AuditRow, 'actor' | 'taskOrigin'> & { at: number },
  ): TaskOrigin {
    const t = store.getTask(xid);
    const m = nextTaskState(stateOf(t), { type: 'remove' });
    if ('refused' in m || !t) throw new TaskStateRefusal('refused' in m ? m.refused : 'no such task');
    store.transaction(() => {
      store.deleteTask(xid);
      store.appendAudit({ ...row, actor: 'manual', taskOrigin: t.origin });
    });
    return t.origin;
  },
};
