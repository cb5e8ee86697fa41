/**
 * Session tracking for the matcher (DESIGN.md "Probe": once a SIP dialog, Diameter session or GTP tunnel
 * matched, its later messages belong to the same task). A session is a set of keys (SIP Call-ID, Diameter
 * Session-Id, GTP-C TEIDs and sequence numbers, see `Inspection.sessionKeys`) and the XIDs it belongs to.
 * Pure: time comes from an injected `now`.
 */
import type { Inspection } from '../messages.js';

/** Defaults of {@link SessionOptions}. */
export const SESSION_DEFAULTS = {
  /** A session nobody saw for an hour is forgotten. */
  idleMs: 60 * 60 * 1000,
  /** Sessions of targets only (a few hundred bytes each): room for 100,000 concurrent dialogs and tunnels. */
  maxSessions: 100_000,
  /** Keys per session; the least recently seen go first (GTP sequence keys pile up in long tunnels). */
  maxKeysPerSession: 32,
} as const;

export interface SessionOptions {
  /** Milliseconds without a message after which a session is dropped. */
  readonly idleMs?: number;
  /** Sessions kept at most; the least recently seen is evicted (and counted) beyond it. */
  readonly maxSessions?: number;
  readonly maxKeysPerSession?: number;
  /** Milliseconds on any monotonic scale (the probe may pass capture time); default `Date.now`. */
  readonly now?: () => number;
}

/** Counters of the session table (monotonic, except `sessions`). */
export interface SessionCounters {
  /** Messages that belonged to at least one task. */
  messagesMatched: number;
  /** Messages that had a key of a known session. */
  sessionHits: number;
  sessionsCreated: number;
  /** Sessions ended by their protocol (BYE answered, STA, Delete Session Response ...). */
  sessionsEnded: number;
  /** Sessions dropped after `idleMs` without a message. */
  expired: number;
  /** Sessions evicted because `maxSessions` was reached. */
  evictions: number;
}

interface Session {
  /** Insertion order is recency: the least recently seen key first. */
  readonly keys: Set<string>;
  readonly xids: Set<string>;
  lastSeen: number;
}

/** Sessions by key, with idle expiry, a size limit and per-task removal. */
export class SessionTable {
  readonly counters: SessionCounters = {
    messagesMatched: 0,
    sessionHits: 0,
    sessionsCreated: 0,
    sessionsEnded: 0,
    expired: 0,
    evictions: 0,
  };
  private readonly byKey = new Map<string, Session>();
  private readonly byXid = new Map<string, Set<Session>>();
  /** Insertion order is recency: the least recently seen session first. */
  private readonly lru = new Set<Session>();
  private readonly idleMs: number;
  private readonly maxSessions: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(opts: SessionOptions = {}) {
    this.idleMs = opts.idleMs ?? SESSION_DEFAULTS.idleMs;
    this.maxSessions = opts.maxSessions ?? SESSION_DEFAULTS.maxSessions;
    this.maxKeys = opts.maxKeysPerSession ?? SESSION_DEFAULTS.maxKeysPerSession;
    this.now = opts.now ?? Date.now;
  }

  /** Sessions held. */
  get size(): number {
    return this.lru.size;
  }

  /**
   * The XIDs a message belongs to: `own` (the tasks its identities matched) and those of every known session
   * one of its keys names. When that is not empty, the message's keys join one session of those XIDs
   * (sessions it links are merged); when the message ends its session, the session is dropped after it.
   */
  track(ins: Inspection, own: readonly string[]): readonly string[] {
    const now = this.now();
    this.expire(now);
    const found = this.sessionsOf(ins.sessionKeys);
    if (found.length === 0 && (own.length === 0 || ins.sessionKeys.length === 0)) {
      if (own.length > 0) this.counters.messagesMatched++;
      return own;
    }
    if (found.length > 0) this.counters.sessionHits++;
    const s = found.length > 0 ? this.merge(found) : this.create();
    for (const xid of own) this.link(s, xid);
    for (const key of ins.sessionKeys) this.addKey(s, key);
    s.lastSeen = now;
    this.lru.delete(s);
    this.lru.add(s);
    const xids = [...s.xids];
    if (xids.length > 0) this.counters.messagesMatched++;
    if (ins.endsSession) {
      this.drop(s);
      this.counters.sessionsEnded++;
    }
    this.enforceLimit();
    return xids;
  }

  /** Forgets `xid` in every session; sessions left without a task are dropped. */
  remove(xid: string): void {
    const sessions = this.byXid.get(xid);
    if (!sessions) return;
    this.byXid.delete(xid);
    for (const s of sessions) {
      s.xids.delete(xid);
      if (s.xids.size === 0) this.drop(s);
    }
  }

  /** Whether `key` names a session (tests and diagnostics). */
  hasKey(key: string): boolean {
    return this.byKey.has(key);
  }

  private sessionsOf(keys: readonly string[]): Session[] {
    const out: Session[] = [];
    for (const k of keys) {
      const s = this.byKey.get(k);
      if (s !== undefined && !out.includes(s)) out.push(s);
    }
    return out;
  }

  private create(): Session {
    this.counters.sessionsCreated++;
    const s: Session = { keys: new Set(), xids: new Set(), lastSeen: 0 };
    this.lru.add(s);
    return s;
  }

  /** Folds the other sessions into the largest one. */
  private merge(found: Session[]): Session {
    let into = found[0]!;
    for (const s of found) if (s.keys.size > into.keys.size) into = s;
    for (const s of found) {
      if (s === into) continue;
      for (const xid of s.xids) this.link(into, xid);
      for (const k of s.keys) this.addKey(into, k);
      this.drop(s);
    }
    return into;
  }

  private link(s: Session, xid: string): void {
    if (s.xids.has(xid)) return;
    s.xids.add(xid);
    let set = this.byXid.get(xid);
    if (!set) this.byXid.set(xid, (set = new Set()));
    set.add(s);
  }

  private addKey(s: Session, key: string): void {
    s.keys.delete(key);
    s.keys.add(key);
    this.byKey.set(key, s);
    if (s.keys.size <= this.maxKeys) return;
    const oldest = s.keys.values().next().value!;
    s.keys.delete(oldest);
    if (this.byKey.get(oldest) === s) this.byKey.delete(oldest);
  }

  private drop(s: Session): void {
    for (const k of s.keys) if (this.byKey.get(k) === s) this.byKey.delete(k);
    for (const xid of s.xids) {
      const set = this.byXid.get(xid);
      set?.delete(s);
      if (set?.size === 0) this.byXid.delete(xid);
    }
    this.lru.delete(s);
  }

  private expire(now: number): void {
    for (const s of this.lru) {
      if (now - s.lastSeen <= this.idleMs) return;
      this.drop(s);
      this.counters.expired++;
    }
  }

  private enforceLimit(): void {
    while (this.lru.size > this.maxSessions) {
      const oldest = this.lru.values().next().value!;
      this.drop(oldest);
      this.counters.evictions++;
    }
  }
}
