/**
 * The ADMF's X1 responder at `/X1/ADMF` (TS 103 221-1 clauses 6.5, 6.6.1): ReportTaskIssue,
 * ReportDestinationIssue, ReportNEIssue and Ping from the NEs. Each message is checked (the certificate
 * identity is the `neIdentifier`, which must be a registered NE; the `admfIdentifier` is this ADMF), recorded
 * and answered on its own. A terminating fault or an implicit deactivation ends the task; a report about an
 * XID or DID this ADMF does not know is accepted and flagged, as the X1 text asks.
 */
import type { ReportInput } from '../store/admf-store.js';
import type { X1Codec } from '../x1/codec.js';
import { X1Error, type ErrorProfile } from '../x1/errors.js';
import type { OkResponse, ReportTaskIssueRequest, X1Request, X1Response } from '../x1/model.js';
import { X1Responder, type RequestObserver } from '../x1/responder.js';
import { okResponse, type ResponderIdentity } from '../x1/responses.js';
import type { Admf } from './admf.js';
import { applyNeIssue } from './health.js';
import { applyTaskReport, reportOf } from './report-effects.js';

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
  private readonly responder: X1Responder<undefined>;
  private readonly me: ResponderIdentity;

  constructor(private readonly o: ReportReceiverOptions) {
    const a = o.admf;
    const me: ResponderIdentity = (this.me = {
      admfId: o.admfId,
      neId: '',
      version: o.version,
      profile: o.profile,
      nowMicros: () => a.clock.nowMicros(),
    });
    this.responder = new X1Responder({
      codec: o.codec,
      me,
      internalError: 'internal error; see the ADMF log',
      begin: () => undefined,
      checkIdentity: (m, peer) => this.checkIdentity(m, peer),
      dispatch: (m) => this.one(m),
      containerRefused: (why, root, peer) => {
        if (root === undefined) a.logger.warn({ peer }, `container refused: ${why}`);
      },
      messageRefused: () => {
        this.counters.refused++;
      },
      messageFailed: async (m, err) => {
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
      },
    });
  }

  /** Tells `fn` of every report or ping answered (metrics). */
  observeRequests(fn: RequestObserver): void {
    this.responder.observer = fn;
  }

  /** Answers one HTTP body. Never throws: every failure becomes an X1 error response. */
  handle(body: Uint8Array, peer: string | undefined): Promise<string> {
    return this.responder.respond(body, peer);
  }

  private ok(m: X1Request, type: OkResponse['type']): OkResponse {
    return okResponse(this.me, m.header, type, 'AcknowledgedAndCompleted');
  }

  private async one(m: X1Request): Promise<X1Response> {
    const a = this.o.admf;
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
  ): Promise<number> {
    const a = this.o.admf;
    if (r.unknown) {
      this.counters.unknown++;
      a.logger.warn(
        { ne: m.header.neIdentifier, xid: r.xid, did: r.did, kind: r.kind },
        'report about an unknown XID or DID (accepted, flagged)',
      );
    }
    const id = await a.store.addReport({
      receivedAt: a.clock.now(),
      neId: m.header.neIdentifier,
      transactionId: m.header.x1TransactionId,
      ...r,
    });
    a.events.emit({
      type: 'report',
      neId: m.header.neIdentifier,
      reportType: r.reportType,
      ...(r.xid !== undefined && { xid: r.xid }),
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
    return id;
  }

  /** ReportTaskIssue: record it and move the task on (clause 6.5.1; DESIGN.md "Faults"). */
  private async taskIssue(m: ReportTaskIssueRequest): Promise<void> {
    const a = this.o.admf;
    const t = await a.store.getTask(m.xId);
    const known = t !== undefined && t.neId === m.header.neIdentifier;
    const id = await this.record(m, {
      kind: 'ReportTaskIssue',
      xid: m.xId,
      reportType: m.taskReportType,
      ...(m.taskIssueErrorCode !== undefined && { code: m.taskIssueErrorCode }),
      ...(m.taskIssueDetails !== undefined && { details: m.taskIssueDetails }),
      unknown: !known,
    });
    if (!known) return;
    // Any instance accepts a report; the NE's owner acts on it (told when that is another instance).
    if (a.owns(t.neId)) await applyTaskReport(a, t, reportOf(m));
    else await a.ownership.tell(t.neId, `report:${id}`);
  }
}
