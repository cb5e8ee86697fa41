/**
 * Per-remote-address connection limits for servers that face unauthenticated peers (the X1 servers, the
 * collector's TCP/TLS listeners). A connection is *pending* from its arrival until its owner calls
 * {@link Admission.authenticated} (X1: TLS handshake finished; collector: first complete frame), then
 * *established*. The guard:
 * - refuses (destroys at once) a connection from an address that already holds `maxPerAddress`;
 * - when `maxTotal` are open, evicts the pending connection that has been silent longest to admit the new
 *   one, and refuses the new one when none is pending: an established peer is never evicted;
 * - with `pendingMs`, closes a connection still pending that long after it arrived.
 * Every refusal is counted by reason. Addresses are grouped as IPv4 /32 and IPv6 /64 (an IPv4-mapped IPv6
 * address counts as its IPv4 address).
 */
import { isIP, type Socket } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.js';

/** Limits of one guard. */
export interface ConnLimits {
  /** Connections open at once from one address (IPv4) or /64 (IPv6). */
  readonly maxPerAddress: number;
  /** Connections open at once in all. */
  readonly maxTotal: number;
  /** Closes a connection still pending this long after it arrived; undefined: the owner has its own timer. */
  readonly pendingMs?: number;
}

/** Why a connection was refused or closed by the guard (also the `reason` label of the metrics). */
export const CONN_REFUSAL_REASONS = ['per_address', 'total', 'pending_timeout', 'evicted'] as const;
export type ConnRefusal = (typeof CONN_REFUSAL_REASONS)[number];

/** Counters of refusals by reason. */
export type ConnRefusalCounts = Record<ConnRefusal, number>;

export const zeroRefusals = (): ConnRefusalCounts => ({
  per_address: 0,
  total: 0,
  pending_timeout: 0,
  evicted: 0,
});

/** What the owner of an admitted connection reports back to the guard. */
export interface Admission {
  /** The peer authenticated (or sent its first frame): the connection is established and never evicted. */
  authenticated(): void;
  /** Bytes arrived while pending (the eviction order prefers the longest silent). */
  activity(): void;
}

interface Entry {
  readonly key: string;
  readonly socket: Socket;
  pending: boolean;
  lastActivity: number;
  timer: TimerHandle | undefined;
}

/** The address group of a remote address: itself for IPv4, the /64 prefix for IPv6. */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return '?';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('%', 1)[0]!.split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** Tracks the connections of one server (or listener) and enforces {@link ConnLimits}. */
export class ConnGuard {
  readonly refused: ConnRefusalCounts = zeroRefusals();
  readonly #entries = new Map<Socket, Entry>();
  readonly #perKey = new Map<string, number>();

  constructor(
    private readonly limits: ConnLimits,
    private readonly onRefuse: (reason: ConnRefusal, address: string, socket: Socket) => void = () =>
      undefined,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Connections open now. */
  get open(): number {
    return this.#entries.size;
  }

  /** Connections open now from the group of `address`. */
  openFrom(address: string): number {
    return this.#perKey.get(addressKey(address)) ?? 0;
  }

  /**
   * Admits a new connection or destroys it at once (undefined). The guard forgets the socket when it
   * closes.
   */
  admit(socket: Socket, address = socket.remoteAddress): Admission | undefined {
    const key = addressKey(address);
    const addr = address ?? '?';
    if ((this.#perKey.get(key) ?? 0) >= this.limits.maxPerAddress)
      return this.#refuse(socket, 'per_address', addr);
    if (this.#entries.size >= this.limits.maxTotal && !this.#evictOne())
      return this.#refuse(socket, 'total', addr);
    const e: Entry = { key, socket, pending: true, lastActivity: this.clock.now(), timer: undefined };
    this.#entries.set(socket, e);
    this.#perKey.set(key, (this.#perKey.get(key) ?? 0) + 1);
    if (this.limits.pendingMs !== undefined)
      e.timer = this.clock.setTimer(this.limits.pendingMs, () => {
        if (!e.pending || !this.#entries.has(socket)) return;
        this.#count('pending_timeout', addr, socket);
        this.#forget(e);
        socket.destroy();
      });
    socket.once('close', () => this.#forget(e));
    return {
      authenticated: () => {
        e.pending = false;
        e.timer?.cancel();
        e.timer = undefined;
      },
      activity: () => {
        e.lastActivity = this.clock.now();
      },
    };
  }

  /** Closes the pending connection silent longest; false when every connection is established. */
  #evictOne(): boolean {
    let victim: Entry | undefined;
    for (const e of this.#entries.values())
      if (e.pending && (!victim || e.lastActivity < victim.lastActivity)) victim = e;
    if (!victim) return false;
    this.#count('evicted', victim.socket.remoteAddress ?? '?', victim.socket);
    this.#forget(victim);
    victim.socket.destroy();
    return true;
  }

  #forget(e: Entry): void {
    if (this.#entries.get(e.socket) !== e) return;
    e.timer?.cancel();
    this.#entries.delete(e.socket);
    const n = (this.#perKey.get(e.key) ?? 1) - 1;
    if (n > 0) this.#perKey.set(e.key, n);
    else this.#perKey.delete(e.key);
  }

  #count(reason: ConnRefusal, address: string, socket: Socket): void {
    this.refused[reason]++;
    this.onRefuse(reason, address, socket);
  }

  #refuse(socket: Socket, reason: ConnRefusal, address: string): undefined {
    this.#count(reason, address, socket);
    socket.destroy();
    return undefined;
  }
}
