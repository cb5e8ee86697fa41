/**
 * The ADMF's X1 responder at `/X1/ADMF` (TS 103 221-1 clauses 6.5, 6.6.1): ReportTaskIssue,
 * ReportDestinationIssue, ReportNEIssue and Ping from the NEs. Each message is checked (the certificate
 * identity is the `neIdentifier`, which must be a registered NE; the `admfIdentifier` is this ADMF), recorded
 * and answered on its own. A terminating fault or an implicit deactivation ends the task; a report about an
 * XID or DID this ADMF does not know is accepted and flagged, as the X1 text asks.
 */
import type { ReportInput, TaskRecord } from '../store/admf-store.js';
import type { X1Codec } from '../x1/codec.js';
import { encodeResponse, encodeTopLevelError } from '../x1/encode.js';
import { codeFor, ISSUE_CODES, X1Error, type ErrorKind, type ErrorProfile } from '../x1/errors.js';
import {
  requestMessageTypeOf,
  type ErrorResponse,
  type MessageHeader,
  type OkResponse,
  type ReportTaskIssueRequest,
  type X1Request,
  type X1Response,
} from '../x1/model.js';
import { formatTimestamp } from '../x1/simple-types.js';
import type { Admf } from './admf.js';
import { applyNeIssue } from './health.js';
import { moveTask, pendingOf } from './task-state.js';

/** Used when a failed message carried no readable transaction ID (the schema needs one). */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface ReportReceiverOptions {
  readonly admf: Admf;
  readonly codec: X1Codec;
  readonly admfId: string;
  readonly version: string;
  readonly profile: ErrorProfile;
  /** Plain HTTP (tests only): no certificate identity to check. */
  readonly insecurePlainHttp?: boolean;
}

export class ReportReceiver {
  readonly counters = { received: 0, refused: 0, unknown: 0 };

  constructor(private readonly o: ReportReceiverOptions) {}

  /** Answers one HTTP body. Never throws: every failure becomes an X1 error response. */
  async handle(body: Uint8Array, peer: string | undefined): Promise<string> {
    let doc;
    try {
      doc = this.o.codec.decode(body);
    } catch (err) {
      this.o.admf.logger.warn(
        { peer },
        `container refused: ${err instanceof Error ? err.message : String(err)}`,
      );
      return this.topLevel();
    }
    if (doc.root !== 'X1Request') return this.topLevel();
    const out: X1Response[] = [];
    for (const r of doc.results) {
      if (r.ok) out.push(await this.one(r.message, peer));
      else {
        this.counters.refused++;
        out.push(this.error(r.header, r.requestMessageType, r.error.kind, r.error.message));
      }
    }
    return encodeResponse(out);
  }

  private topLevel(): string {
    const a = this.o.admf;
    return encodeTopLevelError({
      admfIdentifier: this.o.admfId,
      neIdentifier: '',
      messageTimestamp: formatTimestamp(a.clock.nowMicros()),
      version: this.o.version,
    });
  }

  private header(req: Partial<MessageHeader>): MessageHeader {
    return {
      admfIdentifier: req.admfIdentifier ?? this.o.admfId,
      neIdentifier: req.neIdentifier ?? '',
      messageTimestamp: formatTimestamp(this.o.admf.clock.nowMicros()),
      version: this.o.version,
      x1TransactionId: req.x1TransactionId ?? NIL_UUID,
    };
  }

  private error(
    h: Partial<MessageHeader>,
    rmt: ErrorResponse['requestMessageType'] | undefined,
    kind: ErrorKind,
    description: string,
  ): ErrorResponse {
    return {
      type: 'ErrorResponse',
      header: this.header(h),
      requestMessageType: rmt ?? 'ExtendedRequestMessageType',
      errorInformation: { errorCode: codeFor(this.o.profile, kind), errorDescription: description },
    };
  }

  private ok(m: X1Request, type: OkResponse['type']): OkResponse {
    return { type, header: this.header(m.header), oK: 'AcknowledgedAndCompleted' };
  }

  private async one(m: X1Request, peer: string | undefined): Promise<X1Response> {
    const a = this.o.admf;
    try {
      await this.checkIdentity(m, peer);
      this.counters.received++;
      a.health(m.header.neIdentifier).lastReportAt = a.clock.now();
      switch (m.type) {
        case 'PingRequest':
          await a.audit({
            actor: 'x1',
            action: 'PingFromNe',
            outcome: 'ok',
            neId: m.header.neIdentifier,
            transactionId: m.header.x1TransactionId,
          });
          return this.ok(m, 'PingResponse');
        case 'ReportTaskIssueRequest':
          await this.taskIssue(m);
          return this.ok(m, 'ReportTaskIssueResponse');
        case 'ReportDestinationIssueRequest': {
          const known = await a.store.getDestination(m.header.neIdentifier, m.dId);
          await this.record(m, {
            kind: 'ReportDestinationIssue',
            did: m.dId,
            reportType: m.destinationReportType,
            ...(m.destinationIssueErrorCode !== undefined && { code: m.destinationIssueErrorCode }),
            ...(m.destinationIssueDetails !== undefined && { details: m.destinationIssueDetails }),
            unknown: !known,
          });
          return this.ok(m, 'ReportDestinationIssueResponse');
        }
        case 'ReportNEIssueRequest':
          if (
            !applyNeIssue(a.health(m.header.neIdentifier), m.typeOfNeIssueMessage, m.issueCode, m.description)
          )
            void a.refreshNeFaults(m.header.neIdentifier);
          await this.record(m, {
            kind: 'ReportNEIssue',
            reportType: m.typeOfNeIssueMessage,
            ...(m.issueCode !== undefined && { code: m.issueCode }),
            details: m.description,
            unknown: false,
          });
          return this.ok(m, 'ReportNEIssueResponse');
        default:
          throw new X1Error('UnsupportedMessage', `${m.type} is not accepted at the ADMF`);
      }
    } catch (err) {
      this.counters.refused++;
      const x1 = err instanceof X1Error ? err : undefined;
      if (!x1) a.logger.error({ err, type: m.type }, 'report handling failed');
      await a.audit({
        actor: 'x1',
        action: m.type,
        outcome: 'error',
        neId: m.header.neIdentifier,
        transactionId: m.header.x1TransactionId,
        detail: x1?.message ?? String(err),
      });
      return this.error(
        m.header,
        requestMessageTypeOf(m.type),
        x1?.kind ?? 'GenericFailure',
        x1?.message ?? 'internal error; see the ADMF log',
      );
    }
  }

  /** DESIGN.md "Transport and security": certificate identity = neIdentifier, admfIdentifier = this ADMF. */
  private async checkIdentity(m: X1Request, peer: string | undefined): Promise<void> {
    const h = m.header;
    if (!this.o.insecurePlainHttp && peer !== h.neIdentifier) {
      throw new X1Error(
        'NeIdentityMismatch',
        `certificate identity "${peer ?? ''}" does not match neIdentifier "${h.neIdentifier}"`,
      );
    }
    if (h.admfIdentifier !== this.o.admfId)
      throw new X1Error('NotForThisNe', `message for ADMF "${h.admfIdentifier}", this is "${this.o.admfId}"`);
    if (!(await this.o.admf.store.getNe(h.neIdentifier)))
      throw new X1Error('NeIdentityMismatch', `NE "${h.neIdentifier}" is not registered at this ADMF`);
  }

  private async record(
    m: X1Request,
    r: Omit<ReportInput, 'receivedAt' | 'neId' | 'transactionId'>,
  ): Promise<void> {
    const a = this.o.admf;
    if (r.unknown) {
      this.counters.unknown++;
      a.logger.warn(
        { ne: m.header.neIdentifier, xid: r.xid, did: r.did, kind: r.kind },
        'report about an unknown XID or DID (accepted, flagged)',
      );
    }
    await a.store.addReport({
      receivedAt: a.clock.now(),
      neId: m.header.neIdentifier,
      transactionId: m.header.x1TransactionId,
      ...r,
    });
    await a.audit({
      actor: 'x1',
      action: r.kind,
      outcome: 'ok',
      neId: m.header.neIdentifier,
      transactionId: m.header.x1TransactionId,
      ...(r.xid !== undefined && { xid: r.xid }),
      ...(r.did !== undefined && { did: r.did }),
      detail: `${r.reportType}${r.code !== undefined ? ` ${r.code}` : ''}${r.unknown ? ' (unknown)' : ''}${r.details ? `: ${r.details}` : ''}`,
    });
  }

  /** ReportTaskIssue: record it and move the task on (clause 6.5.1; DESIGN.md "Faults"). */
  private async taskIssue(m: ReportTaskIssueRequest): Promise<void> {
    const a = this.o.admf;
    const t = await a.store.getTask(m.xId);
    const known = t !== undefined && t.neId === m.header.neIdentifier;
    await this.record(m, {
      kind: 'ReportTaskIssue',
      xid: m.xId,
      reportType: m.taskReportType,
      ...(m.taskIssueErrorCode !== undefined && { code: m.taskIssueErrorCode }),
      ...(m.taskIssueDetails !== undefined && { details: m.taskIssueDetails }),
      unknown: !known,
    });
    if (known) await this.moveTask(t, m);
  }

  /**
   * Moves the task on for a report, through the task-state owner. A completion report counts for the request
   * the task waits on ({@link pendingOf}); one that arrives while nothing is awaited (an ended, failed or active
   * task) is recorded and changes nothing. While a deactivation is awaited, a success report may be the late
   * completion of the earlier activation or modification (reports name no request): the NE is asked, and
   * the task ends only when the NE no longer has it.
   */
  private async moveTask(t: TaskRecord, m: ReportTaskIssueRequest): Promise<void> {
    const a = this.o.admf;
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
        else if (pending === 'deactivate') await this.deactivationReported(t);
        else stale();
        return;
      default:
        if (m.taskIssueErrorCode === ISSUE_CODES.Terminating)
          await moveTask(a, t.xid, 'ended', why, { reason: why });
    }
  }

  /** A success report while a deactivation is awaited: the task ends once the NE confirms it has no task. */
  private async deactivationReported(t: TaskRecord): Promise<void> {
    const a = this.o.admf;
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
}
