/**
 * Diameter inspector (RFC 6733 §3 header, §4 AVPs): walks the AVPs, descending into the grouped AVPs that
 * hold subscriber identities, and takes the identities of User-Name, Subscription-Id (RFC 4006 §8.46),
 * MSISDN (TS 29.329 §6.3.2, TS 29.272 §7.3.2), Public-Identity (TS 29.229 §6.3.2), User-Identifier (TS 29.336
 * §6.4.2), Terminal-Information/IMEI (TS 29.272 §7.3.3/§7.3.4) and User-Equipment-Info (RFC 4006 §8.49).
 */
import type { Identity, Inspection } from '../messages.js';
import { ProbeProtocolError } from './errors.js';
import { dedupe, normaliseIdentity, uriIdentities } from './identity.js';
import { decodeTbcd } from './tbcd.js';

/** Wire constants of Diameter. */
export const DIAMETER = {
  version: 1,
  headerBytes: 20,
  avpHeaderBytes: 8,
  vendorIdBytes: 4,
  padTo: 4,
  /** Header octet 4 (RFC 6733 §3). */
  flagRequest: 0x80,
  /** AVP flags octet (RFC 6733 §4.1). */
  avpFlagVendor: 0x80,
  /** Grouped AVPs nest at most this deep. */
  maxDepth: 8,
  vendor3gpp: 10415,
  cmd: { sessionTermination: 275, creditControl: 272 },
  ccRequestTypeTermination: 3,
  subscriptionIdType: { e164: 0, imsi: 1, sipUri: 2, nai: 3 },
  userEquipmentInfoType: { imeisv: 0 },
  sessionKeyPrefix: 'dia:',
} as const;

/** AVP codes by name: `[vendor, code]` (vendor 0 for IETF AVPs). */
export const AVP = {
  userName: [0, 1],
  sessionId: [0, 263],
  subscriptionId: [0, 443],
  subscriptionIdData: [0, 444],
  subscriptionIdType: [0, 450],
  ccRequestType: [0, 416],
  userEquipmentInfo: [0, 458],
  userEquipmentInfoType: [0, 459],
  userEquipmentInfoValue: [0, 460],
  publicIdentity: [10415, 601],
  msisdn: [10415, 701],
  subscriptionData: [10415, 1400],
  terminalInformation: [10415, 1401],
  imei: [10415, 1402],
  userIdentifier: [10415, 3102],
} as const satisfies Record<string, readonly [number, number]>;

type AvpName = keyof typeof AVP;

const keyOf = (vendor: number, code: number) => vendor * 2 ** 32 + code;
const NAME_BY_KEY = new Map<number, AvpName>(
  (Object.keys(AVP) as AvpName[]).map((n) => [keyOf(AVP[n][0], AVP[n][1]), n]),
);
/** Grouped AVPs descended into. */
const GROUPED: ReadonlySet<AvpName> = new Set([
  'subscriptionId',
  'userEquipmentInfo',
  'subscriptionData',
  'terminalInformation',
  'userIdentifier',
]);

interface Avp {
  readonly name: AvpName;
  readonly data: Uint8Array;
  /** Nesting depth, 0 at the top level. */
  readonly depth: number;
  /** The known AVPs inside a grouped AVP this inspector descends into (also listed after it, flattened). */
  readonly children: readonly Avp[];
}

const utf8 = new TextDecoder('utf-8');

function fail(reason: string): never {
  throw new ProbeProtocolError('diameter', reason);
}

const u24 = (b: Uint8Array, o: number) => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
const u32 = (b: Uint8Array, o: number) =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** The known AVPs of `b` (an AVP list), in order; unknown ones are skipped after their length is checked. */
function walkAvps(b: Uint8Array, depth: number, out: Avp[]): void {
  let o = 0;
  while (o < b.length) {
    if (b.length - o < DIAMETER.avpHeaderBytes) fail('truncated AVP header');
    const code = u32(b, o);
    const flags = b[o + 4]!;
    const len = u24(b, o + 5);
    const vendorFlag = (flags & DIAMETER.avpFlagVendor) !== 0;
    const head = DIAMETER.avpHeaderBytes + (vendorFlag ? DIAMETER.vendorIdBytes : 0);
    if (len < head) fail(`AVP ${code} length ${len} below its header size`);
    if (o + len > b.length) fail(`AVP ${code} runs past its container`);
    const vendor = vendorFlag ? u32(b, o + DIAMETER.avpHeaderBytes) : 0;
    const name = NAME_BY_KEY.get(keyOf(vendor, code));
    if (name !== undefined) {
      const data = b.subarray(o + head, o + len);
      const children: Avp[] = [];
      if (GROUPED.has(name)) {
        if (depth >= DIAMETER.maxDepth) fail('grouped AVPs nested too deep');
        walkAvps(data, depth + 1, children);
      }
      out.push({ name, data, depth, children });
      for (const c of children) out.push(c);
    }
    // The padding of the last AVP may be missing at the end of its container (tolerated).
    o = Math.min(b.length, o + len + ((DIAMETER.padTo - (len % DIAMETER.padTo)) % DIAMETER.padTo));
  }
}

function text(a: Avp): string {
  return utf8.decode(a.data);
}

function push(out: Identity[], kind: Identity['kind'], raw: string | undefined): void {
  if (raw === undefined) return;
  const value = normaliseIdentity(kind, raw);
  if (value !== undefined) out.push({ kind, value });
}

/** User-Name (RFC 6733 §8.14): an IMSI when it is 5 to 15 digits (S6a, TS 29.272 §7.3.1), else an IMPI. */
function userName(raw: string, out: Identity[]): void {
  push(out, /^[0-9]{5,15}$/.test(raw) ? 'imsi' : 'impi', raw);
}

/** Subscription-Id (RFC 4006 §8.46): the type decides what the data is. */
function subscriptionId(inner: readonly Avp[], out: Identity[]): void {
  const typeAvp = inner.find((a) => a.name === 'subscriptionIdType');
  const dataAvp = inner.find((a) => a.name === 'subscriptionIdData');
  if (!typeAvp || !dataAvp || typeAvp.data.length !== 4) return;
  const type = u32(typeAvp.data, 0);
  const data = text(dataAvp);
  const T = DIAMETER.subscriptionIdType;
  if (type === T.e164) push(out, 'e164Number', data);
  else if (type === T.imsi) push(out, 'imsi', data);
  else if (type === T.sipUri) uriIdentities(data, out);
  else if (type === T.nai) push(out, 'impi', data);
}

function userEquipmentInfo(inner: readonly Avp[], out: Identity[]): void {
  const typeAvp = inner.find((a) => a.name === 'userEquipmentInfoType');
  const valueAvp = inner.find((a) => a.name === 'userEquipmentInfoValue');
  if (!typeAvp || !valueAvp || typeAvp.data.length !== 4) return;
  if (u32(typeAvp.data, 0) !== DIAMETER.userEquipmentInfoType.imeisv) return;
  // RFC 4006 §8.51 leaves the encoding to the type: peers send the digits as text, some as TBCD.
  const asText = text(valueAvp);
  push(out, 'imei', /^[0-9]+$/.test(asText) ? asText : decodeTbcd(valueAvp.data));
}

function identitiesOf(avps: readonly Avp[]): Identity[] {
  const out: Identity[] = [];
  for (const a of avps) {
    switch (a.name) {
      case 'userName':
        userName(text(a), out);
        break;
      case 'subscriptionId':
        subscriptionId(a.children, out);
        break;
      case 'userEquipmentInfo':
        userEquipmentInfo(a.children, out);
        break;
      case 'msisdn':
        push(out, 'e164Number', decodeTbcd(a.data));
        break;
      case 'publicIdentity':
        uriIdentities(text(a), out);
        break;
      case 'imei':
        push(out, 'imei', text(a));
        break;
      default:
        break;
    }
  }
  return out;
}

/** Header fields of a Diameter message (RFC 6733 §3), checked. */
function header(b: Uint8Array): { request: boolean; command: number } {
  if (b.length < DIAMETER.headerBytes) fail('shorter than the 20-octet header');
  if (b[0] !== DIAMETER.version) fail(`version ${b[0]} is not 1`);
  const len = u24(b, 1);
  if (len !== b.length) fail(`length field ${len} but ${b.length} octets`);
  if (len % DIAMETER.padTo !== 0) fail(`length ${len} not a multiple of 4`);
  return { request: (b[4]! & DIAMETER.flagRequest) !== 0, command: u24(b, 5) };
}

/**
 * Inspects one Diameter message. Session key `dia:<Session-Id>`; a message without a top-level Session-Id
 * (CER/CEA, DWR/DWA, DPR/DPA) has no keys and no identities. The message ends the session when it is a
 * Session-Termination-Answer (RFC 6733 §8.5) or a Credit-Control-Answer to a TERMINATION_REQUEST (RFC 4006
 * §8.3).
 *
 * @throws ProbeProtocolError on a bad header, an AVP length that runs out of its container, or grouped AVPs
 *   nested more than {@link DIAMETER}.maxDepth deep.
 */
export function inspectDiameter(payload: Uint8Array): Inspection {
  const { request, command } = header(payload);
  const top: Avp[] = [];
  walkAvps(payload.subarray(DIAMETER.headerBytes), 0, top);
  const sid = top.find((a) => a.name === 'sessionId' && a.depth === 0);
  if (!sid) return { identities: [], sessionKeys: [], endsSession: false };
  const ccType = top.find((a) => a.name === 'ccRequestType' && a.depth === 0);
  const ccTerm =
    command === DIAMETER.cmd.creditControl &&
    ccType?.data.length === 4 &&
    u32(ccType.data, 0) === DIAMETER.ccRequestTypeTermination;
  const ends = !request && (command === DIAMETER.cmd.sessionTermination || ccTerm);
  return {
    identities: dedupe(identitiesOf(top)),
    sessionKeys: [DIAMETER.sessionKeyPrefix + text(sid)],
    endsSession: ends,
  };
}
