/**
 * GTPv2-C inspector (TS 29.274 §5 header, §8 information elements): IMSI, MSISDN and MEI identities, the
 * tunnel endpoints that name the session, and the end of the session (Delete Session Response, accepted).
 */
import type { Identity, Inspection, ProbeMessage } from '../messages.js';
import { ProbeProtocolError } from './errors.js';
import { dedupe, normaliseIdentity } from './identity.js';
import { decodeTbcd } from './tbcd.js';
import { formatIpv4, formatIpv6 } from '../../stm/ip.js';

/** Wire constants of GTPv2-C. */
export const GTPV2 = {
  version: 2,
  /** Octet 1 (§5.1): version in bits 8-6, P(iggybacking) and T(EID) flags. */
  versionShift: 5,
  flagPiggyback: 0x10,
  flagTeid: 0x08,
  /** Octets before the length field's scope (octets 1-4). */
  fixedBytes: 4,
  /** Header sizes with and without TEID (§5.5.1, §5.5.2). */
  headerWithTeid: 12,
  headerWithoutTeid: 8,
  ieHeaderBytes: 4,
  instanceMask: 0x0f,
  ie: { imsi: 1, cause: 2, mei: 75, msisdn: 76, fteid: 87 },
  /** F-TEID (§8.22): flags octet, then TEID/GRE key, then IPv4 and/or IPv6. */
  fteid: { v4: 0x80, v6: 0x40, teidOffset: 1, addrOffset: 5, v4Bytes: 4, v6Bytes: 16 },
  /** Instance of the Sender F-TEID for Control Plane (§7.2.1 and the other message tables). */
  senderFteidInstance: 0,
  messageType: { deleteSessionResponse: 37 },
  /** Cause values 16-63 are acceptances in a response (Table 8.4-1). */
  causeAcceptedMin: 16,
  causeAcceptedMax: 63,
  keyPrefix: { teid: 'gtp:t:', seq: 'gtp:s:' },
} as const;

/**
 * Message types sent back to the sender of the message they answer (TS 29.274 Table 6.1-1: responses,
 * acknowledgements and failure indications). Every other message is taken as sent by the party that chose
 * its sequence number.
 */
export const GTPV2_REPLY_TYPES: ReadonlySet<number> = new Set([
  2, 33, 35, 37, 39, 41, 65, 67, 69, 70, 96, 98, 100, 102, 104, 129, 131, 134, 136, 138, 140, 150, 154, 156,
  159, 161, 163, 165, 167, 169, 171, 177, 180, 201, 212, 232, 234, 236,
]);

function fail(reason: string): never {
  throw new ProbeProtocolError('gtpv2', reason);
}

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u24 = (b: Uint8Array, o: number) => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
const u32 = (b: Uint8Array, o: number) =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

interface Found {
  readonly ids: Identity[];
  readonly keys: string[];
  ends: boolean;
}

function tbcdIdentity(kind: Identity['kind'], v: Uint8Array, what: string, f: Found): void {
  const digits = decodeTbcd(v);
  if (digits === undefined) fail(`${what} IE is not a TBCD digit string`);
  const value = normaliseIdentity(kind, digits);
  if (value !== undefined) f.ids.push({ kind, value });
}

/** Sender F-TEID for Control Plane (§8.22): one `gtp:t:` key per address it carries. */
function fteid(v: Uint8Array, f: Found): void {
  const F = GTPV2.fteid;
  const flags = v[0];
  if (flags === undefined || v.length < F.addrOffset) fail('F-TEID IE too short');
  const need = F.addrOffset + (flags & F.v4 ? F.v4Bytes : 0) + (flags & F.v6 ? F.v6Bytes : 0);
  if (v.length < need) fail('F-TEID IE shorter than its addresses');
  const teid = u32(v, F.teidOffset);
  if (teid === 0) return;
  let o = F.addrOffset;
  if (flags & F.v4) {
    f.keys.push(`${GTPV2.keyPrefix.teid}${formatIpv4(v, o)}:${teid}`);
    o += F.v4Bytes;
  }
  if (flags & F.v6) f.keys.push(`${GTPV2.keyPrefix.teid}${formatIpv6(v, o)}:${teid}`);
}

function walkIes(b: Uint8Array, messageType: number, f: Found): void {
  const T = GTPV2.ie;
  let o = 0;
  while (o < b.length) {
    if (b.length - o < GTPV2.ieHeaderBytes) fail('truncated IE header');
    const type = b[o]!;
    const len = u16(b, o + 1);
    const instance = b[o + 3]! & GTPV2.instanceMask;
    const start = o + GTPV2.ieHeaderBytes;
    if (start + len > b.length) fail(`IE ${type} runs past the message`);
    const v = b.subarray(start, start + len);
    if (type === T.imsi) tbcdIdentity('imsi', v, 'IMSI', f);
    else if (type === T.msisdn) tbcdIdentity('e164Number', v, 'MSISDN', f);
    else if (type === T.mei) tbcdIdentity('imei', v, 'MEI', f);
    else if (type === T.fteid && instance === GTPV2.senderFteidInstance) fteid(v, f);
    else if (type === T.cause && messageType === GTPV2.messageType.deleteSessionResponse) {
      const cause = v[0];
      if (cause === undefined) fail('empty Cause IE');
      f.ends = cause >= GTPV2.causeAcceptedMin && cause <= GTPV2.causeAcceptedMax;
    }
    o = start + len;
  }
}

/** Inspects the message at `off`; returns where it ends and whether a piggybacked message follows. */
function inspectOne(
  b: Uint8Array,
  off: number,
  msg: ProbeMessage,
  f: Found,
): { end: number; piggyback: boolean } {
  if (b.length - off < GTPV2.headerWithoutTeid) fail('shorter than the 8-octet header');
  const flags = b[off]!;
  if (flags >> GTPV2.versionShift !== GTPV2.version) fail(`version ${flags >> GTPV2.versionShift} is not 2`);
  const hasTeid = (flags & GTPV2.flagTeid) !== 0;
  const headerBytes = hasTeid ? GTPV2.headerWithTeid : GTPV2.headerWithoutTeid;
  const end = off + GTPV2.fixedBytes + u16(b, off + 2);
  if (end - off < headerBytes) fail('length field shorter than the header');
  if (end > b.length) fail('length field runs past the datagram');
  const messageType = b[off + 1]!;
  const teid = hasTeid ? u32(b, off + 4) : 0;
  const seq = u24(b, off + (hasTeid ? 8 : 4));
  if (teid !== 0) f.keys.push(`${GTPV2.keyPrefix.teid}${msg.dstAddress}:${teid}`);
  // Each end numbers its own requests (§7.6): the key names whose sequence space the number is from.
  const reply = GTPV2_REPLY_TYPES.has(messageType);
  const [requester, responder] = reply ? [msg.dstAddress, msg.srcAddress] : [msg.srcAddress, msg.dstAddress];
  f.keys.push(`${GTPV2.keyPrefix.seq}${requester}>${responder}:${seq}`);
  walkIes(b.subarray(off + headerBytes, end), messageType, f);
  return { end, piggyback: (flags & GTPV2.flagPiggyback) !== 0 };
}

/**
 * Inspects one GTPv2-C datagram (with its piggybacked message, §5.5.1). Identities: IMSI (§8.3), MSISDN
 * (§8.11) and MEI (§8.10, an IMEI or IMEISV, normalised to 14 digits) IEs at the top level. Session keys:
 * `gtp:t:<dstAddress>:<TEID>` for a non-zero header TEID (the receiver allocated it), `gtp:s:<requester>><responder>:<sequence>` (a request and its reply share it; the direction keeps
 * apart the two ends' independent sequence spaces, which the sorted address pair would mix), and `gtp:t:<address>:<TEID>`
 * for each address of the Sender F-TEID for Control Plane (F-TEID IE instance 0), TEIDs in decimal. Ends
 * the session on a Delete Session Response whose Cause is an acceptance (16-63, Table 8.4-1).
 *
 * @throws ProbeProtocolError on a bad header or length, an IE running past the message, a short F-TEID or
 *   a TBCD IE holding non-digits, or trailing octets without the piggybacking flag.
 */
export function inspectGtpv2(msg: ProbeMessage): Inspection {
  const b = msg.payload;
  const f: Found = { ids: [], keys: [], ends: false };
  let { end, piggyback } = inspectOne(b, 0, msg, f);
  if (piggyback && end < b.length) {
    ({ end, piggyback } = inspectOne(b, end, msg, f));
    if (piggyback) fail('a piggybacked message cannot piggyback another');
  }
  if (end !== b.length) fail('octets after the end of the message');
  return { identities: dedupe(f.ids), sessionKeys: [...new Set(f.keys)], endsSession: f.ends };
}
