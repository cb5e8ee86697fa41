/**
 * The ADMF's X1 requester towards one NE (TS 103 221-1 clause 6; DESIGN.md "Behaviour that the seed fixes").
 * Every request gets a fresh transaction ID and waits in a pending map keyed by that ID, with a TIME2 timer of
 * its own (cleared in `finally`). A response is accepted only when the certificate identity of the answering
 * peer and the identifiers in the message header name this NE and this ADMF, and the response decodes (and
 * validates, with a schema); anything else is disregarded and logged, and the request keeps waiting.
 *
 * No answer within TIME2: a lifecycle request (Activate, Modify, Deactivate, DeactivateAll) is followed by
 * GetTaskDetails for its XID (ListAllDetails for DeactivateAll) before any other request leaves for this NE;
 * any other request is sent again as a new request with a new transaction ID, up to `maxResends` times.
 */
import { LixError } from '../lib/errors.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { newUuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { X1Codec } from '../x1/codec.js';
import { encodeRequest } from '../x1/encode.js';
import { X1Error } from '../x1/errors.js';
import { LIFECYCLE_REQUEST_TYPES, type MessageHeader, type X1Request, type X1Response } from '../x1/model.js';
import { formatTimestamp } from '../x1/simple-types.js';

/** What the link needs from an HTTPS client (src/transport/https-client.ts `X1Client` fits). */
export interface X1Poster {
  post(body: string): Promise<{ status: number; body: Uint8Array; peerIdentity: string | undefined }>;
  /** Closes the persistent connections, so that the next request gets a new handshake. */
  dropConnections?(reason: string): void;
}

/** A request message without its header: the link fills the header in. */
export type RequestBody = X1Request extends infer R
  ? R extends X1Request
    ? Omit<R, 'header'>
    : never
  : never;

/** Why a request got no usable answer. */
export type NeRequestFailure = 'timeout' | 'transport' | 'top-level' | 'closed' | 'late';

/** How one request may leave. */
export interface RequestOptions {
  /**
   * Clock time after which the request must not leave (nor be sent again): it fails `late` instead. A keepalive
   * recorded in a shared store leaves within a bound of its record, or not at all (docs/admf.md).
   */
  readonly notAfter?: number;
  /** Called with the clock time each attempt is stamped and handed to the transport. */
  readonly onSent?: (at: number) => void;
}

export class NeRequestError extends LixError<NeRequestFailure> {}

/** An answered request. */
export interface Answer {
  readonly response: X1Response;
  /** Transaction ID of the request that was answered (the last resend, or the follow-up). */
  readonly transactionId: string;
  readonly latencyMs: number;
  /** Requests sent for this call (1 when answered at once). */
  readonly attempts: number;
  /**
   * Set when a lifecycle request went unanswered within TIME2 and its outcome was asked for instead:
   * `response` is then the answer to this follow-up (GetTaskDetails or ListAllDetails).
   */
  readonly recoveredBy?: 'GetTaskDetailsRequest' | 'ListAllDetailsRequest';
}

/** One X1 exchange, for the audit log and the NE's health. */
export interface ExchangeEvent {
  readonly neId: string;
  readonly type: X1Request['type'];
  readonly transactionId: string;
  readonly outcome: 'answered' | 'error-response' | 'timeout' | 'transport' | 'disregarded' | 'top-level';
  readonly latencyMs?: number;
  readonly detail?: string;
  readonly xid?: string;
  readonly did?: string;
}

export interface NeLinkOptions {
  readonly neId: string;
  readonly admfId: string;
  readonly version: string;
  readonly poster: X1Poster;
  readonly codec: X1Codec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly time2Ms: number;
  /** Resends of an unanswered non-lifecycle request (default 2). */
  readonly maxResends?: number;
  readonly onExchange?: (e: ExchangeEvent) => void;
}

export const NE_LINK_DEFAULTS = { maxResends: 2 } as const;

const LIFECYCLE: ReadonlySet<string> = new Set(LIFECYCLE_REQUEST_TYPES);
const TIMEOUT = Symbol('timeout');

interface Answered {
  readonly ok: true;
  readonly response: X1Response;
  readonly tid: string;
  readonly latencyMs: number;
}

interface Pending {
  readonly request: X1Request;
  readonly startedAt: number;
  settle(r: X1Response | typeof TIMEOUT | NeRequestError): void;
}

/** Counters, for health and tests. */
export interface NeLinkCounters {
  sent: number;
  answered: number;
  timeouts: number;
  disregarded: number;
  /** Answers whose certificate identity was not the NE's (each one also drops the connections). */
  identityMismatches: number;
  late: number;
  transportErrors: number;
}

export function xidOf(m: RequestBody | X1Request): string | undefined {
  if ('xId' in m) return m.xId;
  if ('taskDetails' in m) return m.taskDetails.xId;
  return undefined;
}

export function didOf(m: RequestBody | X1Request): string | undefined {
  if ('dId' in m) return m.dId;
  if ('destinationDetails' in m) return m.destinationDetails.dId;
  return undefined;
}

export class NeLink {
  readonly counters: NeLinkCounters = {
    sent: 0,
    answered: 0,
    timeouts: 0,
    disregarded: 0,
    identityMismatches: 0,
    late: 0,
    transportErrors: 0,
  };
  private readonly pending = new Map<string, Pending>();
  private recovering = 0;
  private readonly gateWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly o: NeLinkOptions) {}

  get neId(): string {
    return this.o.neId;
  }

  /** Requests waiting for an answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends one request and resolves with its answer (which may be an X1 ErrorResponse). */
  async request(body: RequestBody, opts: RequestOptions = {}): Promise<Answer> {
    await this.gate();
    const first = await this.attempt(body, opts);
    if (first.ok) return this.answer(first, 1);
    if (LIFECYCLE.has(body.type)) return this.recover(body);
    return this.resend(body, 1, opts);
  }

  /** Fails every pending request and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.settle(new NeRequestError('closed', 'the link is closed'));
    this.releaseGate();
  }

  private answer(a: Answered, attempts: number): Answer {
    return { response: a.response, transactionId: a.tid, latencyMs: a.latencyMs, attempts };
  }

  private async resend(body: RequestBody, done: number, opts: RequestOptions = {}): Promise<Answer> {
    const max = this.o.maxResends ?? NE_LINK_DEFAULTS.maxResends;
    for (let attempts = done + 1; attempts <= max + 1; attempts++) {
      this.o.logger.warn(
        { ne: this.o.neId, type: body.type, attempt: attempts },
        'no answer within TIME2: sending again with a new transaction ID',
      );
      const a = await this.attempt(body, opts);
      if (a.ok) return this.answer(a, attempts);
    }
    throw new NeRequestError(
      'timeout',
      `${body.type}: no answer from ${this.o.neId} within TIME2 (${this.o.time2Ms} ms), ${max + 1} attempts`,
    );
  }

  /** TIME2 without an answer to a lifecycle request: ask for its outcome before anything else is sent. */
  private async recover(body: RequestBody): Promise<Answer> {
    this.recovering++;
    try {
      const xid = xidOf(body);
      const follow: RequestBody =
        xid !== undefined ? { type: 'GetTaskDetailsRequest', xId: xid } : { type: 'ListAllDetailsRequest' };
      this.o.logger.warn(
        { ne: this.o.neId, type: body.type, xid },
        `no answer within TIME2: asking ${follow.type} before anything else`,
      );
      const first = await this.attempt(follow);
      const a = first.ok ? this.answer(first, 2) : await this.resend(follow, 1);
      return { ...a, attempts: a.attempts + (first.ok ? 0 : 1), recoveredBy: follow.type };
    } finally {
      this.recovering--;
      if (this.recovering === 0) this.releaseGate();
    }
  }

  private async gate(): Promise<void> {
    while (this.recovering > 0 && !this.closed) await new Promise<void>((r) => this.gateWaiters.push(r));
    if (this.closed) throw new NeRequestError('closed', 'the link is closed');
  }

  private releaseGate(): void {
    for (const w of this.gateWaiters.splice(0)) w();
  }

  private header(): MessageHeader {
    return {
      admfIdentifier: this.o.admfId,
      neIdentifier: this.o.neId,
      messageTimestamp: formatTimestamp(this.o.clock.nowMicros()),
      version: this.o.version,
      x1TransactionId: newUuid(),
    };
  }

  /** One request on the wire, resolved by its answer, by TIME2, or rejected by a transport failure. */
  private attempt(body: RequestBody, opts: RequestOptions = {}): Promise<Answered | { readonly ok: false }> {
    if (this.closed) return Promise.reject(new NeRequestError('closed', 'the link is closed'));
    const startedAt = this.o.clock.now();
    if (opts.notAfter !== undefined && startedAt > opts.notAfter)
      return Promise.reject(
        new NeRequestError(
          'late',
          `${body.type} to ${this.o.neId} not sent: ${startedAt - opts.notAfter} ms past its deadline`,
        ),
      );
    const request = { ...body, header: this.header() } as X1Request;
    const tid = request.header.x1TransactionId;
    opts.onSent?.(startedAt);
    return new Promise((resolve, reject) => {
      const settle = (r: X1Response | typeof TIMEOUT | NeRequestError) => {
        if (!this.pending.delete(tid)) return;
        timer.cancel();
        const latencyMs = this.o.clock.now() - startedAt;
        if (r instanceof NeRequestError) return reject(r);
        if (r !== TIMEOUT) return resolve({ ok: true, response: r, tid, latencyMs });
        this.counters.timeouts++;
        this.event(request, 'timeout', { latencyMs });
        resolve({ ok: false });
      };
      this.pending.set(tid, { request, startedAt, settle });
      const timer: TimerHandle = this.o.clock.setTimer(this.o.time2Ms, () => settle(TIMEOUT));
      this.counters.sent++;
      this.o.poster.post(encodeRequest([request])).then(
        (res) => this.accept(tid, res),
        (err: unknown) => this.transportFailure(tid, err),
      );
    });
  }

  private transportFailure(tid: string, err: unknown): void {
    const p = this.pending.get(tid);
    const why = err instanceof Error ? err.message : String(err);
    if (!p) return void this.o.logger.debug({ ne: this.o.neId, tid }, `late transport failure: ${why}`);
    this.counters.transportErrors++;
    this.event(p.request, 'transport', { detail: why });
    p.settle(new NeRequestError('transport', `${p.request.type} to ${this.o.neId}: ${why}`, { cause: err }));
  }

  private disregard(tid: string, why: string): void {
    this.counters.disregarded++;
    const p = this.pending.get(tid);
    this.o.logger.warn({ ne: this.o.neId, tid }, `response disregarded: ${why}`);
    if (p) this.event(p.request, 'disregarded', { detail: why });
  }

  /** Checks and dispatches one HTTP answer to the request(s) it names. */
  private accept(sentTid: string, res: { body: Uint8Array; peerIdentity: string | undefined }): void {
    if (res.peerIdentity !== this.o.neId) {
      const why = `certificate identity "${res.peerIdentity ?? '(none)'}" is not the NE "${this.o.neId}"`;
      // Asking again on the same connection would get the same answer: the next request starts a new one.
      this.counters.identityMismatches++;
      this.o.poster.dropConnections?.(why);
      this.o.logger.error({ ne: this.o.neId, tid: sentTid }, `security: ${why}; connections dropped`);
      return this.disregard(sentTid, why);
    }
    let doc;
    try {
      doc = this.o.codec.decode(res.body);
    } catch (err) {
      return this.disregard(
        sentTid,
        `invalid response: ${err instanceof X1Error ? err.message : String(err)}`,
      );
    }
    if (doc.root === 'X1TopLevelErrorResponse') {
      const p = this.pending.get(sentTid);
      if (p) this.event(p.request, 'top-level');
      p?.settle(new NeRequestError('top-level', `${this.o.neId} could not read our request container`));
      return;
    }
    if (doc.root !== 'X1Response') return this.disregard(sentTid, `an ${doc.root} is not a response`);
    for (const r of doc.results) {
      if (!r.ok) {
        this.disregard(r.header.x1TransactionId ?? sentTid, `invalid response message: ${r.error.message}`);
        continue;
      }
      this.dispatch(r.message);
    }
  }

  private dispatch(m: X1Response): void {
    const h = m.header;
    const p = this.pending.get(h.x1TransactionId);
    if (h.neIdentifier !== this.o.neId || h.admfIdentifier !== this.o.admfId) {
      return this.disregard(
        h.x1TransactionId,
        `response names NE "${h.neIdentifier}" and ADMF "${h.admfIdentifier}", expected "${this.o.neId}" and "${this.o.admfId}"`,
      );
    }
    if (!p) {
      this.counters.late++;
      this.o.logger.warn(
        { ne: this.o.neId, tid: h.x1TransactionId, type: m.type },
        'late or unknown response',
      );
      return;
    }
    this.counters.answered++;
    const latencyMs = this.o.clock.now() - p.startedAt;
    this.event(p.request, m.type === 'ErrorResponse' ? 'error-response' : 'answered', {
      latencyMs,
      ...(m.type === 'ErrorResponse' && {
        detail: `${m.errorInformation.errorCode}: ${m.errorInformation.errorDescription}`,
      }),
    });
    p.settle(m);
  }

  private event(
    request: X1Request,
    outcome: ExchangeEvent['outcome'],
    extra: { latencyMs?: number; detail?: string } = {},
  ): void {
    const xid = xidOf(request);
    const did = didOf(request);
    this.o.onExchange?.({
      neId: this.o.neId,
      type: request.type,
      transactionId: request.header.x1TransactionId,
      outcome,
      ...extra,
      ...(xid !== undefined && { xid }),
      ...(did !== undefined && { did }),
    });
  }
}
