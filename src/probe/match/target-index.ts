/**
 * The target index (DESIGN.md "Probe" matching): one map per identifier kind from normalised value to the
 * tasks that name it, so the cost of a message does not grow with the number of tasks. A task matches a
 * message when every one of its identifiers does (AND; each identifier is one bit, counted once however
 * often the message carries it); a message also belongs to the tasks of any session one of its keys names
 * (`sessions.ts`).
 *
 * Kinds: sipUri, telUri, impu, impi, e164Number, gpsiMsisdn (→ e164Number), imsi, supiimsi (→ imsi), imei,
 * peiImei, peiImeiCheckDigit, peiImeisv (→ the 14-digit IMEI) match identities of the inspectors, which
 * give a SIP or tel URI both as sipUri/telUri and as impu, so an impu target matches either form;
 * ipv4Address/ipv6Address match the source or destination address; ipv4Cidr/ipv6Cidr either address by
 * prefix (`cidr.ts`); tcpPort/udpPort/…PortList either port of a message on that transport; …PortRange by a
 * segment tree (`ports.ts`). callPartyRole and nonLocalIdentifier are accepted and not matched on: the
 * role of the target in a call is not checked (a target is intercepted whichever party it is).
 */
import type { TargetIdentifier } from '../../x1/model.js';
import type { IdentityKind, Inspection, ProbeMessage } from '../messages.js';
import { CidrIndex } from './cidr.js';
import { PortRangeIndex } from './ports.js';
import { Prefilter } from './prefilter.js';
import { Collector, PostingMap, type TaskEntry } from './postings.js';
import { SessionTable, type SessionCounters, type SessionOptions } from './sessions.js';
import { compileTarget, MAX_IDENTIFIERS_PER_TASK, TargetIndexError, type CompiledTarget } from './targets.js';

export interface TargetIndexOptions extends SessionOptions {
  /**
   * Identity keys from which on a prefilter (`prefilter.ts`, 2.1 MiB) guards the identity maps; below it the
   * maps are small enough to stay in cache. Default {@link PREFILTER_MIN_KEYS}.
   */
  readonly prefilterMinKeys?: number;
}

/** Default of {@link TargetIndexOptions.prefilterMinKeys}. */
export const PREFILTER_MIN_KEYS = 4096;

/** Counters of the index: those of its session table and the number of sessions held. */
export interface TargetIndexCounters extends Readonly<SessionCounters> {
  readonly sessions: number;
}

interface Indexed {
  readonly entry: TaskEntry;
  readonly compiled: readonly CompiledTarget[];
  /** Normalised targets, to tell a real change from a re-add of the same task. */
  readonly signature: string;
}

const NO_XIDS: readonly string[] = [];

/** Prefilter seed per identity kind. */
const KIND_SEED: Readonly<Record<IdentityKind, number>> = {
  sipUri: 1,
  telUri: 2,
  e164Number: 3,
  impu: 4,
  impi: 5,
  imsi: 6,
  imei: 7,
};

/** XIDs by target identifier, with session tracking; see the file comment for the matching rules. */
export class TargetIndex {
  private readonly tasks = new Map<string, Indexed>();
  private readonly identities = new Map<IdentityKind, PostingMap<string>>();
  /** In front of `identities` once they hold `prefilterMinKeys` keys (see `prefilter.ts`), seeded by kind. */
  private filter: Prefilter | undefined;
  private identityKeys = 0;
  private readonly prefilterMinKeys: number;
  private readonly addresses = new PostingMap<string>();
  private readonly cidrs = new CidrIndex();
  /** Transport (IP protocol number) → port → postings. */
  private readonly ports = new Map<number, PostingMap<number>>();
  private readonly ranges = new Map<number, PortRangeIndex>();
  private readonly sessions: SessionTable;
  private readonly collector = new Collector();

  constructor(opts: TargetIndexOptions = {}) {
    this.sessions = new SessionTable(opts);
    this.prefilterMinKeys = opts.prefilterMinKeys ?? PREFILTER_MIN_KEYS;
  }

  /** Number of tasks indexed. */
  get size(): number {
    return this.tasks.size;
  }

  /** Whether task `xid` is indexed. */
  has(xid: string): boolean {
    return this.tasks.has(xid);
  }

  /** A snapshot of the counters (messages matched, session hits, evictions ...). */
  get counters(): TargetIndexCounters {
    return { ...this.sessions.counters, sessions: this.sessions.size };
  }

  /**
   * Indexes (or re-indexes) task `xid`. Re-adding a task with the same targets keeps its sessions; with
   * other targets its sessions are dropped.
   *
   * @throws TargetIndexError when a kind cannot be matched, a value does not normalise, the task has only
   *   qualifiers, or more than {@link MAX_IDENTIFIERS_PER_TASK} identifiers; the index is then unchanged.
   */
  add(xid: string, targets: readonly TargetIdentifier[]): void {
    const compiled: CompiledTarget[] = [];
    for (const t of targets) {
      const c = compileTarget(t);
      if (c !== undefined) compiled.push(c);
    }
    if (compiled.length === 0)
      throw new TargetIndexError('no-identifier', 'no target identifier to match on');
    if (compiled.length > MAX_IDENTIFIERS_PER_TASK)
      throw new TargetIndexError('too-many-identifiers', `more than ${MAX_IDENTIFIERS_PER_TASK} identifiers`);
    const signature = JSON.stringify(compiled);
    const old = this.tasks.get(xid);
    if (old) {
      this.unindex(old);
      if (old.signature !== signature) this.sessions.remove(xid);
    }
    const entry: TaskEntry = { xid, full: 2 ** compiled.length - 1 };
    const indexed: Indexed = { entry, compiled, signature };
    compiled.forEach((c, bit) => this.index(c, entry, bit));
    this.tasks.set(xid, indexed);
  }

  /** Forgets task `xid` and its sessions; no-op for an unknown XID. */
  remove(xid: string): void {
    const old = this.tasks.get(xid);
    if (old) this.unindex(old);
    this.tasks.delete(xid);
    this.sessions.remove(xid);
  }

  /** The XIDs `msg` belongs to: tasks its identities, addresses and ports match, and its sessions' tasks. */
  match(msg: ProbeMessage, ins: Inspection): readonly string[] {
    const c = this.collector;
    c.reset();
    this.lookup(msg, ins, c);
    const own = c.matched();
    return this.sessions.track(ins, own.length === 0 ? NO_XIDS : own);
  }

  private lookup(msg: ProbeMessage, ins: Inspection, c: Collector): void {
    for (const id of ins.identities) {
      const m = this.identities.get(id.kind);
      if (m === undefined) continue;
      if (this.filter === undefined || this.filter.mayContain(KIND_SEED[id.kind], id.value))
        m.collect(id.value, c);
    }
    const { srcAddress: sa, dstAddress: da, srcPort: sp, dstPort: dp } = msg;
    if (this.addresses.size > 0) {
      this.addresses.collect(sa, c);
      if (da !== sa) this.addresses.collect(da, c);
    }
    if (!this.cidrs.empty) {
      this.cidrs.collect(sa, c);
      if (da !== sa) this.cidrs.collect(da, c);
    }
    const ports = this.ports.get(msg.ipProtocol);
    if (ports !== undefined) {
      ports.collect(sp, c);
      if (dp !== sp) ports.collect(dp, c);
    }
    const ranges = this.ranges.get(msg.ipProtocol);
    if (ranges !== undefined) {
      ranges.collect(sp, c);
      if (dp !== sp) ranges.collect(dp, c);
    }
  }

  private index(c: CompiledTarget, task: TaskEntry, bit: number): void {
    const p = { task, bit, xid: task.xid, single: task.full === 1 };
    switch (c.index) {
      case 'identity':
        if (getOr(this.identities, c.kind, () => new PostingMap<string>()).add(c.value, p)) this.keyAdded(c);
        return;
      case 'address':
        this.addresses.add(c.value, p);
        return;
      case 'cidr':
        this.cidrs.add(c.family, c.prefix, c.key, p);
        return;
      case 'port': {
        const m = getOr(this.ports, c.transport, () => new PostingMap<number>());
        for (const port of new Set(c.ports)) m.add(port, p);
        return;
      }
      case 'range':
        getOr(this.ranges, c.transport, () => new PortRangeIndex()).add(c.start, c.end, p);
        return;
    }
  }

  /** Counts a new identity key; builds the prefilter when the maps reach `prefilterMinKeys` keys. */
  private keyAdded(c: { readonly kind: IdentityKind; readonly value: string }): void {
    this.identityKeys++;
    if (this.filter !== undefined) {
      this.filter.add(KIND_SEED[c.kind], c.value);
    } else if (this.identityKeys >= this.prefilterMinKeys) {
      const f = new Prefilter();
      for (const [kind, m] of this.identities) for (const v of m.keys()) f.add(KIND_SEED[kind], v);
      this.filter = f;
    }
  }

  private unindex({ entry, compiled }: Indexed): void {
    for (const c of compiled) {
      switch (c.index) {
        case 'identity': {
          const m = this.identities.get(c.kind);
          if (m?.remove(c.value, entry)) {
            this.identityKeys--;
            this.filter?.remove(KIND_SEED[c.kind], c.value);
          }
          if (m?.size === 0) this.identities.delete(c.kind);
          break;
        }
        case 'address':
          this.addresses.remove(c.value, entry);
          break;
        case 'cidr':
          this.cidrs.remove(c.family, c.prefix, c.key, entry);
          break;
        case 'port': {
          const m = this.ports.get(c.transport);
          for (const port of c.ports) m?.remove(port, entry);
          if (m?.size === 0) this.ports.delete(c.transport);
          break;
        }
        case 'range': {
          const r = this.ranges.get(c.transport);
          r?.remove(c.start, c.end, entry);
          if (r?.empty) this.ranges.delete(c.transport);
          break;
        }
      }
    }
  }
}

function getOr<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}
