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
  /** Each key with the table's tick of the last message that named it (the smallest goes first). */
  readonly keys: Map<string, number>;
  readonly xids: Set<string>;
  /** `xids` as the array {@link SessionTable.track} returns, kept until `xids` changes. */
  list: readonly string[] | undefined;
  lastSeen: number;
  /** Neighbours in the table's recency list: every message moves its session to the newest end. */
  older: Session | undefined;
  newer: Session | undefined;
  alive: boolean;
}

const NONE: readonly Session[] = [];

/**
 * Sessions by key, with idle expiry, a size limit and per-task removal. Recency is kept without a delete and
 * re-insert per message (a Set or Map so used fills with deleted entries and is rebuilt every few thousand
 * messages: most of the table's cost): sessions are a doubly linked list, keys carry the tick they were last seen.
 */
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
  /** Ends of the recency list: the least and the most recently seen session. */
  private oldest: Session | undefined;
  private newest: Session | undefined;
  private count = 0;
  /** Ticks once per session key of each message: the keys' recency. */
  private tick = 0;
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
    return this.count;
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
    for (const key of ins.sessionKeys) this.addKey(s, key, ++this.tick);
    s.lastSeen = now;
    if (this.newest !== s) {
      this.unlink(s);
      this.append(s);
    }
    const xids = (s.list ??= [...s.xids]);
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
      s.list = undefined;
      if (s.xids.size === 0) this.drop(s);
    }
  }

  /** Whether `key` names a session (tests and diagnostics). */
  hasKey(key: string): boolean {
    return this.byKey.has(key);
  }

  private sessionsOf(keys: readonly string[]): readonly Session[] {
    let out: Session[] | undefined;
    let first: Session | undefined;
    for (const k of keys) {
      const s = this.byKey.get(k);
      if (s === undefined || s === first) continue;
      if (first === undefined) first = s;
      else if (out === undefined) out = [first, s];
      else if (!out.includes(s)) out.push(s);
    }
    // Most messages name one session: no array is built for it.
    return out ?? (first === undefined ? NONE : [first]);
  }

  private create(): Session {
    this.counters.sessionsCreated++;
    const s: Session = {
      keys: new Map(),
      xids: new Set(),
      list: undefined,
      lastSeen: 0,
      older: undefined,
      newer: undefined,
      alive: true,
    };
    this.append(s);
    return s;
  }

  /** Folds the other sessions into the largest one. */
  private merge(found: readonly Session[]): Session {
    let into = found[0]!;
    if (found.length === 1) return into;
    for (const s of found) if (s.keys.size > into.keys.size) into = s;
    for (const s of found) {
      if (s === into) continue;
      for (const xid of s.xids) this.link(into, xid);
      // A key keeps the tick it was last seen at: merging does not make it recent.
      for (const [k, seen] of s.keys) this.addKey(into, k, seen);
      this.drop(s);
    }
    return into;
  }

  private link(s: Session, xid: string): void {
    if (s.xids.has(xid)) return;
    s.xids.add(xid);
    s.list = undefined;
    let set = this.byXid.get(xid);
    if (!set) this.byXid.set(xid, (set = new Set()));
    set.add(s);
  }

  private addKey(s: Session, key: string, seen: number): void {
    s.keys.set(key, Math.max(seen, s.keys.get(key) ?? 0));
    this.byKey.set(key, s);
    if (s.keys.size <= this.maxKeys) return;
    let oldest = key;
    let min = Infinity;
    for (const [k, t] of s.keys)
      if (t < min) {
        min = t;
        oldest = k;
      }
    s.keys.delete(oldest);
    if (this.byKey.get(oldest) === s) this.byKey.delete(oldest);
  }

  private append(s: Session): void {
    s.older = this.newest;
    s.newer = undefined;
    if (this.newest) this.newest.newer = s;
    else this.oldest = s;
    this.newest = s;
    this.count++;
  }

  private unlink(s: Session): void {
    if (s.older) s.older.newer = s.newer;
    else this.oldest = s.newer;
    if (s.newer) s.newer.older = s.older;
    else this.newest = s.older;
    s.older = s.newer = undefined;
    this.count--;
  }

  private drop(s: Session): void {
    if (!s.alive) return;
    s.alive = false;
    for (const k of s.keys.keys()) if (this.byKey.get(k) === s) this.byKey.delete(k);
    for (const xid of s.xids) {
      const set = this.byXid.get(xid);
      set?.delete(s);
      if (set?.size === 0) this.byXid.delete(xid);
    }
    this.unlink(s);
  }

  private expire(now: number): void {
    for (let s = this.oldest; s !== undefined && now - s.lastSeen > this.idleMs; s = this.oldest) {
      this.drop(s);
      this.counters.expired++;
    }
  }

  private enforceLimit(): void {
    while (this.count > this.maxSessions) {
      this.drop(this.oldest!);
      this.counters.evictions++;
    }
  }
}
