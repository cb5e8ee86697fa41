/**
 * The Network Element's X1 responder (TS 103 221-1 clause 6): decodes a request container, checks each
 * message's identities against the peer certificate and its own configuration, dispatches it, and answers
 * message by message. State lives in the store; the data plane is applied within the TIME1 budget.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NeStore } from '../store/ne-store.js';
import type { X1Codec } from '../x1/codec.js';
import { codeFor, ISSUE_CODES, X1Error } from '../x1/errors.js';
import type { X1Request } from '../x1/model.js';
import {
  X1Responder,
  type MessageAnswer,
  type RequestObserver,
  type ResponseBody,
  type X1ResponderHooks,
} from '../x1/responder.js';
import { BULK_REQUESTS } from './handlers/status.js';
import { AuditLog, requestAuditRow as auditRow } from './audit.js';
import type { NeConfig } from './config.js';
import { IssueReporter, type NeContext } from './context.js';
import type { DataPlane } from './data-plane.js';
import { handleMessage, isMutating } from './dispatch.js';
import { KeepaliveWatchdog } from './keepalive-watchdog.js';
import { keepaliveLost, ManualChangeFollower } from './lifecycle.js';
import { DataPlaneRestore, type RestoreProgress } from './restore.js';
import { Mutex } from './mutex.js';
import { NeTasks } from './task-state.js';
import { formatTimestamp } from '../x1/simple-types.js';
import { Reporter, type PeerIdentityWatch, type X1Poster } from './reporter.js';
import type { ResponderIdentity } from '../x1/responses.js';

export interface NeDeps {
  readonly config: NeConfig;
  readonly store: NeStore;
  readonly dataPlane: DataPlane;
  readonly codec: X1Codec;
  readonly clock: Clock;
  readonly logger: Logger;
  /** HTTPS client to the ADMF's `/X1/ADMF`; without it reports wait in the outbox. */
  readonly poster?: X1Poster;
}

/** The task an X1 lifecycle request acts on. */
function taskXidOf(m: X1Request): string | undefined {
  if (m.type === 'ActivateTaskRequest' || m.type === 'ModifyTaskRequest') return m.taskDetails.xId;
  if (m.type === 'DeactivateTaskRequest') return m.xId;
  return undefined;
}

/** What the messages of one container share: the TIME1 deadline, and how many bulk answers it asked for. */
interface ContainerState {
  readonly deadline: number;
  bulk: number;
}

/** Share of TIME1 the data plane may use before the answer becomes `Acknowledged`. */
const TIME1_BUDGET_SHARE = 0.8;

export class NetworkElement {
  readonly ctx: NeContext;
  readonly reporter: Reporter;
  readonly audit: AuditLog;
  private readonly mutex = new Mutex();
  private readonly responder: X1Responder<ContainerState>;
  private watchdog: KeepaliveWatchdog | undefined;
  private follower: ManualChangeFollower | undefined;
  private lastExternal = 0;
  private readonly restore: DataPlaneRestore;

  constructor(private readonly deps: NeDeps) {
    const { config, store, clock, logger } = deps;
    const me: ResponderIdentity = {
      neId: config.id,
      admfId: config.admfId,
      version: config.version,
      profile: config.profile,
      nowMicros: () => clock.nowMicros(),
    };
    this.reporter = new Reporter({
      store,
      poster: deps.poster,
      codec: deps.codec,
      clock,
      logger,
      neId: config.id,
      admfId: config.admfId,
      version: config.version,
      time2Ms: config.time2Ms,
      identityWatch: this.admfIdentityWatch(),
    });
    this.audit = new AuditLog(store, clock, logger);
    const issues = new IssueReporter(store, logger, () => this.reporter.kick());
    this.ctx = {
      config,
      store,
      dataPlane: deps.dataPlane,
      clock,
      logger,
      me,
      issues,
      audit: this.audit,
      tasks: new NeTasks({
        store,
        audit: this.audit,
        issues,
        dataPlane: deps.dataPlane,
        logger,
        now: () => formatTimestamp(clock.nowMicros()),
      }),
    };
    deps.dataPlane.attach?.({ store, issues: this.ctx.issues, logger, clock });
    this.responder = new X1Responder(this.responderHooks());
    this.restore = new DataPlaneRestore(this.ctx, (fn) => this.mutex.run(fn));
  }

  /**
   * A fault on the NE while the answers to its reports come from a certificate that is not the ADMF's (or
   * carry no verified identity): shown in status, reported once, cleared when the ADMF answers again.
   */
  private admfIdentityWatch(): PeerIdentityWatch {
    const { config, store } = this.deps;
    const scope = { kind: 'ne', id: config.id } as const;
    const code = codeFor(config.profile, 'AdmfIdentityMismatch');
    let faulted: boolean | undefined;
    return {
      mismatch: (peer) => {
        faulted = true;
        this.ctx.issues.fault(scope, {
          errorCode: code,
          errorDescription: `answers to reports come from "${peer ?? '(no verified identity)'}", not the ADMF ${config.admfId}`,
        });
      },
      matched: () => {
        faulted ??= store.listFaults(scope).some((f) => f.errorCode === code);
        if (!faulted) return;
        faulted = false;
        this.ctx.issues.clear(scope, code, `answers to reports come from the ADMF ${config.admfId} again`);
      },
    };
  }

  /** Tells `fn` of every request answered (metrics). */
  observeRequests(fn: RequestObserver): void {
    this.responder.observer = fn;
  }

  /** Answers one HTTP body. Never throws: every failure becomes an X1 error response. */
  handle(body: Uint8Array, peerIdentity: string | undefined): Promise<string> {
    return this.responder.respond(body, peerIdentity);
  }

  /** As {@link handle}, with bulk answers in pieces (the X1 server writes them as they come). */
  handleInPieces(body: Uint8Array, peerIdentity: string | undefined): Promise<ResponseBody> {
    return this.responder.respondInPieces(body, peerIdentity);
  }

  private responderHooks(): X1ResponderHooks<ContainerState> {
    const { ctx } = this;
    return {
      codec: this.deps.codec,
      me: ctx.me,
      internalError: 'internal error; see the NE log',
      // One TIME1 budget for the whole container (clause 6.2.3).
      begin: () => ({ deadline: ctx.clock.now() + ctx.config.time1Ms * TIME1_BUDGET_SHARE, bulk: 0 }),
      checkIdentity: (m, peer) => this.checkIdentity(m, peer),
      dispatch: (m, _peer, state) => {
        if (BULK_REQUESTS.has(m.type) && ++state.bulk > ctx.config.maxBulkPerContainer) {
          throw new X1Error(
            'TooManyBulkRequests',
            `at most ${ctx.config.maxBulkPerContainer} of GetAllDetails, GetAllTaskDetails and ListAllDetails ` +
              'per container; send this one in another request',
          );
        }
        return this.dispatch(m, state.deadline);
      },
      containerRefused: (why, root, peer) => {
        this.audit.record({ actor: 'x1', action: root ?? 'X1Request', outcome: 'error', detail: why });
        if (root === undefined) ctx.logger.warn({ peer }, `container refused: ${why}`);
      },
      messageRefused: (r) =>
        this.audit.record({
          actor: 'x1',
          action: r.xsiType ?? 'X1RequestMessage',
          outcome: 'error',
          detail: r.error.message,
          ...(r.header.x1TransactionId !== undefined && { transactionId: r.header.x1TransactionId }),
        }),
      messageFailed: (m, err) => {
        const x1 = err instanceof X1Error ? err : undefined;
        if (!x1) ctx.logger.error({ err, type: m.type }, 'request failed unexpectedly');
        this.audit.record(auditRow(m, 'error', x1?.message ?? String(err)));
      },
    };
  }

  private async dispatch(m: X1Request, deadline: number): Promise<MessageAnswer> {
    // Mutating handlers commit their request's audit row with the change (auditRow via ctx); the others
    // are group-committed here.
    if (isMutating(m)) {
      const res = await this.mutex.run(() => {
        const xid = taskXidOf(m);
        if (xid !== undefined) this.restore.touch(xid);
        // Everything but an activation sees the store with all staged activations committed.
        if (m.type !== 'ActivateTaskRequest') this.audit.flushStaged();
        return handleMessage(this.ctx, this, m, deadline);
      });
      if (!('committed' in res)) return res;
      // Group commit: the mutex is free while the change waits for its transaction; answer only when durable.
      try {
        await res.committed;
        return res.response;
      } catch (err) {
        await res.rollback().catch(() => undefined);
        throw new X1Error(
          'ActivateFailed',
          `the change could not be committed: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
    }
    const res = await handleMessage(this.ctx, this, m, deadline);
    if ('committed' in res) throw new Error(`${m.type} deferred its answer without the mutex`);
    this.audit.record(auditRow(m, 'ok'));
    return res;
  }

  /** TS 103 221-1 clause 5.2 / DESIGN.md: certificate identity = admfIdentifier; the ADMF and NE are ours. */
  private checkIdentity(m: X1Request, peer: string | undefined): void {
    const { config } = this.ctx;
    const h = m.header;
    if (!config.insecurePlainHttp && peer !== h.admfIdentifier) {
      throw new X1Error(
        'AdmfIdentityMismatch',
        `certificate identity "${peer ?? ''}" does not match admfIdentifier "${h.admfIdentifier}"`,
      );
    }
    if (h.admfIdentifier !== config.admfId)
      throw new X1Error('UnexpectedAdmf', `ADMF "${h.admfIdentifier}" is not this NE's ADMF`);
    if (h.neIdentifier !== config.id)
      throw new X1Error('NotForThisNe', `message for NE "${h.neIdentifier}", this is "${config.id}"`);
  }

  /**
   * Starts the data plane and its restore from the store (in the background: {@link whenRestored}), the
   * keepalive watchdog and the report sender.
   */
  async start(): Promise<void> {
    const { ctx } = this;
    ctx.dataPlane.start?.();
    this.restore.start().catch((err: unknown) => {
      ctx.logger.error({ err, ...this.restore.progress() }, 'restoring the data plane failed');
      ctx.issues.fault(
        { kind: 'ne', id: ctx.config.id },
        {
          errorCode: ISSUE_CODES.NonTerminating,
          errorDescription: `restoring the data plane failed: ${String(err)}`,
        },
      );
    });
    if (ctx.config.keepalive) {
      const last = Number(ctx.store.getMeta('lastKeepalive') ?? ctx.clock.now());
      this.watchdog = new KeepaliveWatchdog(
        ctx.clock,
        ctx.config.timeP3Ms,
        () => void this.mutex.run(() => keepaliveLost(ctx)),
        last,
      );
      this.watchdog.start();
    }
    this.follower = new ManualChangeFollower(ctx);
    this.lastExternal = ctx.store.externalChangeCounter();
    this.reporter.kick();
  }

  /** Applies changes another process committed to the store (manual tasking); the server polls this. */
  async pollManualChanges(): Promise<void> {
    const counter = this.ctx.store.externalChangeCounter();
    if (counter === this.lastExternal || !this.follower) return;
    this.lastExternal = counter;
    const follower = this.follower;
    await this.mutex.run(async () => {
      const r = await follower.sync();
      if (r.added.length || r.removed.length) this.ctx.logger.info(r, 'manual changes applied');
    });
  }

  /** Resolves when every stored task is back in the data plane. */
  whenRestored(): Promise<RestoreProgress> {
    return this.restore.whenDone();
  }

  /** How far the restore after the start has come. */
  restoreProgress(): RestoreProgress {
    return this.restore.progress();
  }

  /** A keepalive arrived (clause 6.6.2). */
  keepaliveSeen(): void {
    if (!this.watchdog) return;
    const at = this.watchdog.seen();
    this.ctx.store.setMeta('lastKeepalive', String(at));
  }

  /** Waits for queued audit rows and stops timers. */
  async stop(): Promise<void> {
    this.reporter.stop();
    this.watchdog?.stop();
    await this.ctx.dataPlane.close?.();
    this.audit.close();
  }
}
