/**
 * Which worker a whole message goes to (docs/probe.md "Threads"): every message of one session must reach the
 * same worker, whose session table links it to the tasks that matched the session's earlier messages. The key
 * is what that table correlates on, found by a scan of the payload much cheaper than inspecting it:
 *
 * - SIP: the first Call-ID header field (or its compact form `i`, RFC 3261 §7.3.3, §20.8), value trimmed as
 *   the inspector trims it;
 * - Diameter: the Session-Id AVP (code 263, RFC 6733 §8.8) at the top level;
 * - GTPv2-C: the pair of peer addresses. The table's GTP keys are the receiver's TEID at the destination
 *   address, the requester→responder sequence and the sender's F-TEID at its own address (TS 29.274 §5.5,
 *   §7.6, §8.22): all of them belong to the two ends of one interface, so one peer pair is one shard.
 *
 * A message without its key (a Diameter base message without Session-Id, a SIP message without Call-ID) goes by
 * its peer pair: it cannot join a session, so any worker is right. Pure functions of the bytes; never throw.
 */
import type { ProbeMessage } from '../messages.js';

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

/** The worker (0 .. workers-1) a message goes to. */
export function shardOf(m: ProbeMessage, workers: number): number {
  return workers <= 1 ? 0 : sessionHash(m) % workers;
}
