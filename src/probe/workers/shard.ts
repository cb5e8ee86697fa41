/**
 * Which worker a whole message goes to (docs/probe.md "Threads"): every message of one session must reach the
 * same worker, whose session table links it to the tasks that matched the session's earlier messages. The key
 * is what that table correlates on, found by a scan of the payload much cheaper than inspecting it:
 *
 * - SIP: the first Call-ID header field (or its compact form `i`, RFC 3261 §7.3.3, §20.8), value trimmed as
 *   the inspector trims it;
 * - Diameter: the Session-Id AVP (code 263, RFC 6733 §8.8) at the top level;
 * - GTPv2-C: the tunnel. The table's GTP keys are the receiver's TEID at the destination address, the
 *   requester→responder sequence and the sender's F-TEID at its own address (TS 29.274 §5.5, §7.6, §8.22).
 *   No one of them is in every message of a session (a request to the SGW names the SGW's TEID, the answer
 *   the MME's), so {@link GtpRoutes} learns them: the worker of a tunnel is chosen when a message first
 *   announces a sender F-TEID (Create Session Request, then Response), and every TEID it learned routes the
 *   tunnel's later messages there. One S11 peer pair carries every session of an MME: routed by the pair, it
 *   would all go to one worker.
 *
 * A message without its key (a Diameter base message without Session-Id, a SIP message without Call-ID, a GTP
 * Echo, a TEID not learned) goes by its peer pair: it cannot join a session, so any worker is right. The scans
 * are pure functions of the bytes; none throws.
 */
import type { ProbeMessage } from '../messages.js';
import { GTPV2, GTPV2_REPLY_TYPES } from '../proto/gtpv2.js';
import { formatIpv4, formatIpv6 } from '../../stm/ip.js';
import { Generations } from '../../lib/generations.js';
import { readU16, readU32 } from '../../stm/bin.js';

/** Octets and codes the scan reads. */
const SCAN = {
  cr: 0x0d,
  lf: 0x0a,
  sp: 0x20,
  tab: 0x09,
  colon: 0x3a,
  /** ASCII case bit. */
  lower: 0x20,
  callId: [0x63, 0x61, 0x6c, 0x6c, 0x2d, 0x69, 0x64], // "call-id"
  compactCallId: 0x69, // "i"
  diameter: { header: 20, avpHeader: 8, vendorFlag: 0x80, sessionId: 263, vendorBytes: 4 },
  /** FNV-1a, 32 bits. */
  fnvOffset: 0x811c9dc5,
  fnvPrime: 0x01000193,
} as const;

/** FNV-1a over `b[start, end)`, continuing from `h`. */
export function fnv1a(b: Uint8Array, start = 0, end = b.length, h: number = SCAN.fnvOffset): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, SCAN.fnvPrime);
  return h >>> 0;
}

function fnvText(s: string, h: number = SCAN.fnvOffset): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), SCAN.fnvPrime);
  return h >>> 0;
}

/** The hash of the unordered pair of addresses: both directions of a peer pair give the same value. */
export function peerPairHash(a: string, b: string): number {
  return a < b ? fnvText(b, fnvText(a)) : fnvText(a, fnvText(b));
}

const isSpace = (c: number | undefined) => c === SCAN.sp || c === SCAN.tab;

/** Where the Call-ID value of a SIP message is, as `[start, end)`, or undefined. */
export function sipCallId(b: Uint8Array): [number, number] | undefined {
  let line = 0;
  // Skip the start line; then look at each header line until the empty line.
  for (;;) {
    const eol = b.indexOf(SCAN.lf, line);
    if (eol < 0) return undefined;
    line = eol + 1;
    if (line >= b.length || b[line] === SCAN.cr || b[line] === SCAN.lf) return undefined;
    const colon = nameEnd(b, line);
    if (colon < 0) continue;
    let s = colon + 1;
    let e = b.indexOf(SCAN.lf, s);
    if (e < 0) e = b.length;
    while (s < e && isSpace(b[s])) s++;
    while (e > s && (isSpace(b[e - 1]) || b[e - 1] === SCAN.cr)) e--;
    return e > s ? [s, e] : undefined;
  }
}

/** The index of the colon when the line at `at` is a Call-ID field (long or compact name), else -1. */
function nameEnd(b: Uint8Array, at: number): number {
  let i = at;
  const first = (b[i] ?? 0) | SCAN.lower;
  if (first === SCAN.compactCallId) i++;
  else {
    for (const c of SCAN.callId) {
      if (((b[i] ?? 0) | SCAN.lower) !== c) return -1;
      i++;
    }
  }
  while (isSpace(b[i])) i++;
  return b[i] === SCAN.colon ? i : -1;
}

/** Where the top-level Session-Id AVP's data of a Diameter message is, as `[start, end)`, or undefined. */
export function diameterSessionId(b: Uint8Array): [number, number] | undefined {
  const D = SCAN.diameter;
  let o = D.header;
  while (o + D.avpHeader <= b.length) {
    const code = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
    const flags = b[o + 4]!;
    const len = (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!;
    const data = o + D.avpHeader + (flags & D.vendorFlag ? D.vendorBytes : 0);
    if (len < data - o || o + len > b.length) return undefined;
    if (code === D.sessionId && !(flags & D.vendorFlag)) return [data, o + len];
    o += (len + 3) & ~3;
  }
  return undefined;
}

/** The session hash of a message (see the module comment): equal for every message of one session. */
export function sessionHash(m: ProbeMessage): number {
  const b = m.payload;
  const at =
    m.protocol === 'sip' ? sipCallId(b) : m.protocol === 'diameter' ? diameterSessionId(b) : undefined;
  return at ? fnv1a(b, at[0], at[1]) : peerPairHash(m.srcAddress, m.dstAddress);
}

/** The worker (0 .. workers-1) a message goes to by its own bytes (GTPv2-C: its peer pair; see {@link Sharder}). */
export function shardOf(m: ProbeMessage, workers: number): number {
  return workers <= 1 ? 0 : sessionHash(m) % workers;
}

/** Defaults of {@link GtpRoutes}. */
export const GTP_ROUTES = {
  /**
   * Tunnel endpoints remembered: the routes of the last 1M to 2M endpoints learned or used. A tunnel quiet
   * while that many others were set up is forgotten (counted): its next message goes by its peer pair.
   */
  tunnelsPerGeneration: 1 << 20,
  /** Requests that set up a tunnel, remembered for an answer that carries no TEID (a rejection). */
  requestsPerGeneration: 1 << 16,
  /** Distinct GTP peer addresses given an id; beyond, new peers' tunnels are not learned (counted). */
  maxPeers: 1 << 20,
} as const;

const u24 = (b: Uint8Array, o: number) => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
const TEID_SPAN = 2 ** 32;

/** A 32-bit finaliser (MurmurHash3's fmix32): nodes allocate TEIDs in runs and strides; workers must not care. */
function mix32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Counters of {@link GtpRoutes}. */
export interface GtpRouteCounters {
  /** Sender F-TEID endpoints seen (each announcement counts). */
  learned: number;
  /** Endpoints dropped, unused for a generation (see {@link GTP_ROUTES}). */
  forgotten: number;
  /**
   * Messages whose header TEID the routes did not know (a tunnel set up before the capture, or forgotten): they
   * go by another endpoint they name, else by their peer pair.
   */
  unknownTeid: number;
  /** Endpoints not learned because {@link GTP_ROUTES}.maxPeers addresses have ids. */
  peersFull: number;
}

/**
 * The worker of each GTPv2-C tunnel, learned in the NE's thread as its messages pass (see the module comment).
 * A message goes to the worker of the first endpoint it names that is known — its header TEID at its
 * destination, then its Sender F-TEIDs —, else, when it announces a Sender F-TEID, to a worker chosen by that
 * endpoint, else by its peer pair; every endpoint it names is then routed where it went. An answer without TEID
 * goes where the request it answers went. Memory is bounded ({@link GTP_ROUTES}); never throws.
 */
export class GtpRoutes {
  private readonly peers = new Map<string, number>();
  private readonly tunnels: Generations<number, number>;
  private readonly requests: Generations<string, number>;
  private readonly maxPeers: number;
  private readonly c = { learned: 0, unknownTeid: 0, peersFull: 0 };
  /** Endpoint keys of the message being routed: the header TEIDs first, then the Sender F-TEIDs. */
  private readonly keys: number[] = [];

  constructor(limits: Partial<typeof GTP_ROUTES> = {}) {
    const l = { ...GTP_ROUTES, ...limits };
    this.tunnels = new Generations(l.tunnelsPerGeneration);
    this.requests = new Generations(l.requestsPerGeneration);
    this.maxPeers = l.maxPeers;
  }

  get counters(): GtpRouteCounters {
    return { ...this.c, forgotten: this.tunnels.forgotten };
  }

  shardOf(m: ProbeMessage, workers: number): number {
    const b = m.payload;
    const keys = this.keys;
    keys.length = 0;
    let fteids = 0;
    let shard: number | undefined;
    let request: string | undefined;
    let o = 0;
    for (let part = 0; part < 2 && b.length - o >= GTPV2.headerWithoutTeid; part++) {
      const flags = b[o]!;
      if (flags >> GTPV2.versionShift !== GTPV2.version) break;
      const hasTeid = (flags & GTPV2.flagTeid) !== 0;
      const header = hasTeid ? GTPV2.headerWithTeid : GTPV2.headerWithoutTeid;
      const end = o + GTPV2.fixedBytes + readU16(b, o + 2);
      if (end > b.length || end - o < header) break;
      const type = b[o + 1]!;
      const teid = hasTeid ? readU32(b, o + 4) : 0;
      const seq = u24(b, o + (hasTeid ? 8 : 4));
      if (teid !== 0) {
        const k = this.endpoint(m.dstAddress, teid);
        if (k !== undefined) {
          keys.push(k);
          shard ??= this.tunnels.get(k);
          if (shard === undefined) this.c.unknownTeid++;
        }
      }
      const before = keys.length;
      this.senderFteids(b, o + header, end);
      fteids += keys.length - before;
      for (let i = before; i < keys.length && shard === undefined; i++) shard = this.tunnels.get(keys[i]!);
      if (GTPV2_REPLY_TYPES.has(type)) {
        if (teid === 0) shard ??= this.requests.get(`${m.dstAddress}>${m.srcAddress}:${seq}`);
      } else if (keys.length > before) request = `${m.srcAddress}>${m.dstAddress}:${seq}`;
      if (!(flags & GTPV2.flagPiggyback)) break;
      o = end;
    }
    if (shard === undefined) {
      const announced = keys[keys.length - fteids];
      shard =
        fteids > 0 && announced !== undefined
          ? mix32((announced % TEID_SPAN) ^ Math.floor(announced / TEID_SPAN)) % workers
          : peerPairHash(m.srcAddress, m.dstAddress) % workers;
    }
    for (const k of keys) this.tunnels.set(k, shard);
    if (request !== undefined) this.requests.set(request, shard);
    return shard;
  }

  /** Pushes the endpoint key of each address of each Sender F-TEID for Control Plane in `b[start, end)`. */
  private senderFteids(b: Uint8Array, start: number, end: number): void {
    const F = GTPV2.fteid;
    for (let o = start; end - o >= GTPV2.ieHeaderBytes;) {
      const v = o + GTPV2.ieHeaderBytes;
      const len = readU16(b, o + 1);
      if (v + len > end) return;
      if (b[o] === GTPV2.ie.fteid && (b[o + 3]! & GTPV2.instanceMask) === GTPV2.senderFteidInstance) {
        const flags = b[v] ?? 0;
        const teid = len >= F.addrOffset ? readU32(b, v + F.teidOffset) : 0;
        let a = v + F.addrOffset;
        if (teid !== 0 && flags & F.v4 && a + F.v4Bytes <= v + len) {
          this.learn(formatIpv4(b, a), teid);
          a += F.v4Bytes;
        }
        if (teid !== 0 && flags & F.v6 && a + F.v6Bytes <= v + len) this.learn(formatIpv6(b, a), teid);
      }
      o = v + len;
    }
  }

  private learn(address: string, teid: number): void {
    const k = this.endpoint(address, teid);
    if (k === undefined) return;
    this.keys.push(k);
    this.c.learned++;
  }

  /** The key of TEID `teid` at `address` (exact: the address's id times 2^32 plus the TEID). */
  private endpoint(address: string, teid: number): number | undefined {
    let id = this.peers.get(address);
    if (id === undefined) {
      if (this.peers.size >= this.maxPeers) {
        this.c.peersFull++;
        return undefined;
      }
      id = this.peers.size;
      this.peers.set(address, id);
    }
    return id * TEID_SPAN + teid;
  }
}

/** The worker of each message, for a pool of `workers`: {@link shardOf}, GTPv2-C by {@link GtpRoutes}. */
export class Sharder {
  readonly gtp = new GtpRoutes();

  constructor(private readonly workers: number) {}

  of(m: ProbeMessage): number {
    if (this.workers <= 1) return 0;
    return m.protocol === 'gtpv2' ? this.gtp.shardOf(m, this.workers) : shardOf(m, this.workers);
  }
}
