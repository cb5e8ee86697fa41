/**
 * The ADMF core: the NE registry with one X1 link (and one keep-alive mutual-TLS client) per NE, per-NE
 * health, the audit of every operator action and X1 exchange, the keepalive scheduler and reconciliation
 * triggers. Tasking lives in tasking.ts, reports in reports.ts, drift in reconcile.ts.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AdmfStore, AuditInput, NeOptions, NeRecord } from '../store/admf-store.js';
import type { X1Codec } from '../x1/codec.js';
import { kindsForCode, type ErrorKind, type ErrorProfile } from '../x1/errors.js';
import { AdmfError } from './errors.js';
import { AdmfEvents } from './events.js';
import { applyExchange, newHealth, type NeHealth } from './health.js';
import type { Handover } from './handover.js';
import { KeepaliveScheduler } from './keepalive.js';
import { DEFAULT_EXPIRY_WARNING_MS } from './warrant.js';
import { WarrantScheduler, type WarrantActions } from './warrant-schedule.js';
import { currentOperator } from './operator-context.js';
import { SoleOwnership, type Fence, type NeOwnership } from './ownership.js';
import {
  NeLink,
  NeRequestError,
  type Answer,
  type ExchangeEvent,
  type RequestBody,
  type RequestOptions,
  type X1Poster,
} from './ne-link.js';

/** Times a shared-store keepalive is recorded again when it could not leave within its bound of the record. */
const KEEPALIVE_RECORD_TRIES = 3;

/** An HTTPS client for one NE; the ADMF closes it when the NE is removed or changed. */
export interface NePoster extends X1Poster {
  close(): Promise<void>;
  /** Re-reads renewed TLS files (new connections use them). */
  reload?(): void;
}

export type PosterFactory = (ne: NeRecord) => NePoster;

/** The ADMF settings the core needs (a subset of AdmfConfig). */
export interface AdmfSettings {
  readonly id: string;
  readonly version: string;
  readonly time2Ms: number;
  readonly maxResends: number;
  readonly timeP1Ms: number;
  readonly timeP2Ms: number;
  /** Error-code profile the NEs answer in. */
  readonly profile: ErrorProfile;
  /** How often an unreachable NE is pinged to notice its return (0: never). */
  readonly probeIntervalMs?: number;
  /** Lead time (ms) of the warning before a task's warrant ends (default 24 h). */
  readonly warrantExpiryWarning?: number;
}

export interface AdmfDeps {
  readonly settings: AdmfSettings;
  readonly store: AdmfStore;
  readonly codec: X1Codec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly posterFor: PosterFactory;
  /** Called when an NE comes back after being unreachable (reconciliation hooks in here). */
  readonly onNeBack?: (neId: string) => void;
  /** Random numbers in [0, 1) for keepalive jitter (tests pass a fixed one). */
  readonly random?: () => number;
  /** Which NEs this instance owns (several instances on PostgreSQL); by default it owns every NE. */
  readonly ownership?: NeOwnership;
}

export interface NeInput {
  readonly id: string;
  readonly url: string;
  readonly options?: Partial<NeOptions>;
}

interface Connection {
  readonly ne: NeRecord;
  readonly link: NeLink;
  readonly poster: NePoster;
}

export class Admf {
  private readonly connections = new Map<string, Connection>();
  private readonly healthByNe = new Map<string, NeHealth>();
  private readonly auditQueue: { row: AuditInput; done: () => void }[] = [];
  private probeTimer: TimerHandle | undefined;
  private stopped = false;
  readonly keepalive: KeepaliveScheduler;
  /** Live events (NE exchanges, task moves, reports, audit rows) for the console's stream. */
  readonly events = new AdmfEvents();
  /** Starts and ends tasks at their warrant's start and end (warrant-schedule.ts). */
  readonly warrants: WarrantScheduler;
  /**
   * What the warrant scheduler does at a start and an end; set after construction, before {@link start}
   * (tasking.ts `warrantActions`, which this module cannot import).
   */
  warrantActions: WarrantActions | undefined;
  /** Called when an NE comes back; settable after construction (reconciliation wires itself in). */
  onNeBack: ((neId: string) => void) | undefined;
  /**
   * Called when this instance gains an NE from another (or unowned) after start, once its link is up: the new
   * owner reconciles it and drives what was pending (server.ts wires it).
   */
  onNeGained: ((neId: string, cause: string) => Promise<void>) | undefined;
  /** Which NEs this instance owns. */
  readonly ownership: NeOwnership;
  /** Called on the owner when another instance tells it of a change (a task's XID, `report:<id>`). */
  onNeTold: ((neId: string, subject: string) => Promise<void>) | undefined;
  /**
   * On a shared store, how changes taken here for NEs another instance owns reach that owner (server.ts wires
   * it; handover.ts). Undefined on the embedded store, where this instance owns every NE.
   */
  handover: Handover | undefined;
  /** XIDs whose ActivateTask this instance is sending now (tasking.ts), so that none goes out twice. */
  readonly activating = new Set<string>();
  private readonly adopting = new Map<string, Promise<void>>();

  constructor(readonly deps: AdmfDeps) {
    this.onNeBack = deps.onNeBack;
    this.ownership =
      deps.ownership ?? new SoleOwnership(deps.settings.id, deps.clock, () => deps.store.listNes());
    this.ownership.listen({
      gained: (l, cause) => void this.adopt(l.neId, cause),
      told: (neId, subject) => {
        if (!this.owns(neId) || !this.onNeTold) return;
        this.onNeTold(neId, subject).catch((err: unknown) =>
          this.logger.warn({ err, ne: neId, subject }, 'acting on a change failed'),
        );
      },
      lost: (l, cause) => {
        this.logger.warn({ ne: l.neId, token: l.token, cause }, 'NE lease lost: its link is dropped');
        void this.disconnect(l.neId);
      },
    });
    this.keepalive = new KeepaliveScheduler({
      clock: deps.clock,
      send: (neId) => this.sendKeepalive(neId),
      ...(deps.random && { random: deps.random }),
    });
    this.warrants = new WarrantScheduler({
      store: deps.store,
      clock: deps.clock,
      logger: deps.logger,
      warnMs: this.warrantWarningMs,
      actions: () => this.warrantActions,
      owns: (neId) => this.owns(neId),
    });
  }

  /** The expiry-warning lead time (ms). */
  get warrantWarningMs(): number {
    return this.deps.settings.warrantExpiryWarning ?? DEFAULT_EXPIRY_WARNING_MS;
  }

  get store(): AdmfStore {
    return this.deps.store;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  /** Opens a link to every NE this instance owns, starts the keepalives agreed with them and the probe of lost NEs. */
  async start(): Promise<void> {
    await this.ownership.start();
    await Promise.all(this.adopting.values());
    this.scheduleProbe();
    this.logger.info({ nes: this.connections.size }, 'ADMF links ready');
    // Overdue warrant starts and ends are acted on now, in the background (an NE may be slow to answer).
    void this.warrants.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.warrants.stop();
    this.probeTimer?.cancel();
    this.keepalive.stop();
    await this.ownership.stop();
    for (const id of [...this.connections.keys()]) await this.disconnect(id);
    // A warrant start or end under way finishes (its request was settled by the closed link) before the store goes.
    await this.warrants.settled();
    await this.flushAudit();
  }

  /** Replaces the faults shown for an NE by its own list (GetNEStatus); failures are logged. */
  async refreshNeFaults(neId: string): Promise<void> {
    try {
      const r = (await this.send(neId, { type: 'GetNEStatusRequest' })).response;
      if (r.type === 'GetNEStatusResponse') this.health(neId).faults = [...r.neStatusDetails.listOfFaults];
    } catch (err) {
      this.logger.warn(
        { ne: neId, err: err instanceof Error ? err.message : String(err) },
        'NE status refresh failed',
      );
    }
  }

  /** Makes every NE client pick up renewed TLS files (certificate, key, CA, CRL). */
  reloadTls(): void {
    for (const [id, c] of this.connections) {
      try {
        c.poster.reload?.();
      } catch (err) {
        this.logger.error({ err, ne: id }, 'TLS reload failed; keeping the previous material');
      }
    }
  }

  /**
   * Audits one action (operator, X1 or system); resolves once the row has committed. Rows arriving in the
   * same turn of the event loop share one commit (group commit). Failures to audit are logged, never thrown.
   * A row written while a REST request runs names its operator (operator-context.ts).
   */
  audit(a: Omit<AuditInput, 'at'>): Promise<void> {
    const operator = a.operator ?? currentOperator();
    return new Promise((resolve) => {
      const row = { at: this.clock.now(), ...a, ...(operator !== undefined && { operator }) };
      this.auditQueue.push({ row, done: resolve });
      if (this.auditQueue.length === 1) setImmediate(() => void this.flushAudit());
    });
  }

  private async flushAudit(): Promise<void> {
    const batch = this.auditQueue.splice(0);
    if (batch.length === 0) return;
    try {
      await this.store.appendAudits(batch.map((b) => b.row));
      for (const { row } of batch)
        this.events.emit({
          type: 'audit',
          action: row.action,
          outcome: row.outcome,
          ...(row.neId !== undefined && { neId: row.neId }),
        });
    } catch (err) {
      this.logger.error({ err, rows: batch.length }, 'audit write failed');
    }
    for (const b of batch) b.done();
  }

  defaultOptions(): NeOptions {
    const s = this.deps.settings;
    return {
      keepalive: false,
      keepaliveRandom: false,
      timeP1Ms: s.timeP1Ms,
      timeP2Ms: s.timeP2Ms,
      heal: 'manual',
    };
  }

  /** Registers or updates an NE (its link is rebuilt). */
  async putNe(input: NeInput): Promise<NeRecord> {
    const existing = await this.store.getNe(input.id);
    const now = this.clock.now();
    const options: NeOptions = { ...(existing?.options ?? this.defaultOptions()), ...input.options };
    if (options.timeP1Ms < options.timeP2Ms)
      throw new AdmfError('invalid', 'TIME_P1 must not be shorter than TIME_P2');
    const ne: NeRecord = {
      id: input.id,
      url: input.url,
      options,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await this.store.putNe(ne);
    await this.disconnect(ne.id);
    if (this.ownership.owns(ne.id)) this.connect(ne);
    else await this.ownership.offer(ne.id);
    await this.adopting.get(ne.id);
    await this.audit({
      actor: 'operator',
      action: existing ? 'UpdateNe' : 'AddNe',
      outcome: 'ok',
      neId: ne.id,
      detail: ne.url,
    });
    return ne;
  }

  async removeNe(id: string): Promise<void> {
    if (!(await this.store.deleteNe(id))) throw new AdmfError('not-found', `no NE ${id}`);
    await this.disconnect(id);
    await this.ownership.forget(id);
    this.healthByNe.delete(id);
    await this.audit({ actor: 'operator', action: 'RemoveNe', outcome: 'ok', neId: id });
  }

  async requireNe(id: string): Promise<NeRecord> {
    const ne = await this.store.getNe(id);
    if (!ne) throw new AdmfError('not-found', `no NE ${id}`);
    return ne;
  }

  /** True while this instance owns the NE's X1 link (the only one that may speak X1 to it). */
  owns(neId: string): boolean {
    return this.ownership.owns(neId);
  }

  /** The fence this instance's writes about an NE carry (undefined when it does not own the NE). */
  fence(neId: string): Fence | undefined {
    return this.ownership.fence(neId);
  }

  /** True when an NE's error code means `kind` in the configured profile. */
  isKind(code: number, kind: ErrorKind): boolean {
    return kindsForCode(this.deps.settings.profile, code).includes(kind);
  }

  health(neId: string): NeHealth {
    let h = this.healthByNe.get(neId);
    if (!h) this.healthByNe.set(neId, (h = newHealth()));
    return h;
  }

  /** Told of every request sent to an NE through {@link Admf.send} (metrics): answered ok, error, or unanswered. */
  requestObserver:
    | ((neId: string, type: string, outcome: 'ok' | 'error' | 'unanswered', seconds: number) => void)
    | undefined;

  /** Each connected NE's health and link counters (metrics). */
  neStates(): { neId: string; health: NeHealth; link: NeLink['counters']; keepalive: boolean }[] {
    return [...this.connections].map(([neId, c]) => ({
      neId,
      health: this.health(neId),
      link: c.link.counters,
      keepalive: c.ne.options.keepalive === true,
    }));
  }

  link(neId: string): NeLink {
    const c = this.connections.get(neId);
    if (!c && this.ownership.shared && !this.owns(neId))
      throw new AdmfError('unreachable', `NE ${neId} is not owned by this ADMF instance`);
    if (!c) throw new AdmfError('not-found', `no NE ${neId}`);
    return c.link;
  }

  /**
   * Sends one request to an NE. Resolves with the answer (an ErrorResponse included); throws AdmfError
   * `unreachable` when no usable answer came.
   */
  async send(neId: string, body: RequestBody, opts?: RequestOptions): Promise<Answer> {
    const started = this.clock.now();
    try {
      // An NE just gained has its link opened by adopt(): requests wait for it.
      await this.adopting.get(neId);
      const a = await this.link(neId).request(body, opts);
      this.requestObserver?.(
        neId,
        body.type,
        a.response.type === 'ErrorResponse' ? 'error' : 'ok',
        a.latencyMs / 1000,
      );
      return a;
    } catch (err) {
      this.requestObserver?.(neId, body.type, 'unanswered', (this.clock.now() - started) / 1000);
      if (err instanceof NeRequestError)
        throw new AdmfError('unreachable', err.message, undefined, { cause: err });
      throw err;
    }
  }

  /** Opens the link of an NE just gained; after start, the new owner reconciles it ({@link onNeGained}). */
  private adopt(neId: string, cause: string): Promise<void> {
    const run = async () => {
      const ne = await this.store.getNe(neId);
      if (!ne || !this.owns(neId) || this.stopped) return;
      if (!this.connections.has(neId)) this.connect(ne);
      this.logger.info({ ne: neId, cause }, 'NE owned: its link is up');
      if (!this.ownership.shared) return;
      void this.warrants.poke();
      void this.onNeGained?.(neId, cause);
    };
    const p = run()
      .catch((err: unknown) => this.logger.error({ err, ne: neId }, 'taking over an NE failed'))
      .finally(() => {
        if (this.adopting.get(neId) === p) this.adopting.delete(neId);
      });
    this.adopting.set(neId, p);
    return p;
  }

  private connect(ne: NeRecord): void {
    const poster = this.deps.posterFor(ne);
    const s = this.deps.settings;
    const link = new NeLink({
      neId: ne.id,
      admfId: s.id,
      version: s.version,
      poster,
      codec: this.deps.codec,
      clock: this.clock,
      logger: this.logger,
      time2Ms: s.time2Ms,
      maxResends: s.maxResends,
      onExchange: (e) => this.exchanged(e),
    });
    this.connections.set(ne.id, { ne, link, poster });
    if (ne.options.keepalive) this.keepalive.add(ne.id, ne.options, this.ownership.lastKeepalive?.(ne.id));
  }

  private async disconnect(id: string): Promise<void> {
    const c = this.connections.get(id);
    if (!c) return;
    this.connections.delete(id);
    this.keepalive.remove(id);
    c.link.close();
    await c.poster
      .close()
      .catch((err: unknown) => this.logger.warn({ err, ne: id }, 'closing the NE client failed'));
  }

  private exchanged(e: ExchangeEvent): void {
    const back = applyExchange(this.health(e.neId), e, this.clock.now());
    this.events.emit({ type: 'ne', neId: e.neId, reachable: this.health(e.neId).reachable });
    void this.audit({
      actor: 'x1',
      action: e.type,
      outcome: e.outcome === 'answered' ? 'ok' : 'error',
      neId: e.neId,
      transactionId: e.transactionId,
      ...(e.xid !== undefined && { xid: e.xid }),
      ...(e.did !== undefined && { did: e.did }),
      detail: `${e.outcome}${e.latencyMs !== undefined ? ` in ${e.latencyMs} ms` : ''}${e.detail ? `: ${e.detail}` : ''}`,
    });
    if (back) {
      this.logger.info({ ne: e.neId }, 'NE reachable again');
      this.onNeBack?.(e.neId);
    }
  }

  /**
   * Pings every NE last seen unreachable and not under keepalive (whose keepalives notice it anyway), so
   * that an NE coming back is noticed, and reconciled, even when nobody tasks it.
   */
  private scheduleProbe(): void {
    const every = this.deps.settings.probeIntervalMs ?? 0;
    if (every <= 0 || this.stopped) return;
    this.probeTimer = this.clock.setTimer(every, () => {
      for (const id of this.connections.keys()) {
        if (this.health(id).reachable !== false || this.keepalive.has(id)) continue;
        this.send(id, { type: 'PingRequest' }).catch(() => undefined);
      }
      this.scheduleProbe();
    });
  }

  private async sendKeepalive(neId: string): Promise<void> {
    const h = this.health(neId);
    const warn = (err: unknown, msg: string) =>
      this.logger.warn({ ne: neId, err: err instanceof Error ? err.message : String(err) }, msg);
    const record = this.ownership.keepaliveSent?.bind(this.ownership);
    if (!record) {
      h.keepalivesSent++;
      await this.send(neId, { type: 'KeepaliveRequest' }).catch((err: unknown) =>
        warn(err, 'keepalive failed'),
      );
      return;
    }
    // On a shared store each keepalive is recorded under the fence before it leaves, and leaves within a bound
    // of its record or not at all: a stale owner (its record refused, or its lease past validity after a pause)
    // sends none, and the next owner spaces its first one from the record plus that bound, never closer than
    // TIME_P2 to the last that left. The next gap runs from the moment it really leaves.
    const within = this.ownership.keepaliveLeavesWithinMs ?? 0;
    for (let tries = 1; tries <= KEEPALIVE_RECORD_TRIES; tries++) {
      const at = this.clock.now();
      await record(neId, at).catch((err: unknown) => warn(err, 'recording the keepalive failed'));
      if (!this.owns(neId)) return;
      try {
        await this.send(
          neId,
          { type: 'KeepaliveRequest' },
          {
            notAfter: at + within,
            onSent: (t) => {
              h.keepalivesSent++;
              this.keepalive.markSent(neId, t);
            },
          },
        );
        return;
      } catch (err) {
        const late =
          err instanceof AdmfError && err.cause instanceof NeRequestError && err.cause.kind === 'late';
        warn(
          err,
          late ? 'keepalive recorded too long before it could leave: recorded again' : 'keepalive failed',
        );
        if (!late) return;
      }
    }
  }
}
