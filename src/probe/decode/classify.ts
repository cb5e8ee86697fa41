/**
 * Which signalling protocol a datagram, a TCP stream or an SCTP user message carries (DESIGN.md "Probe"):
 * GTPv2-C on UDP 2123 (3GPP TS 29.274 §4.2, §5.1), Diameter on TCP/SCTP 3868 or SCTP PPID 46/47
 * (RFC 6733 §2.1, §3) or by a plausible header, SIP by its start line (RFC 3261 §7.1, §7.2) on any port.
 * Pure: looks at the first bytes only.
 */
import type { AppProtocol } from '../messages.js';
import type { IgnoredReason } from './counters.js';

/** Well-known ports (IANA service registry; 3GPP TS 29.281 §4.4.2 for GTP-U, TS 29.274 §4.2 for GTP-C). */
export const PORT = { diameter: 3868, gtpc: 2123, gtpu: 2152 } as const;

/** SCTP payload protocol identifiers (IANA "SCTP Payload Protocol Identifiers"). */
export const SCTP_PPID = { m3ua: 3, s1ap: 18, diameter: 46, diameterDtls: 47, ngap: 60 } as const;

/** Diameter header (RFC 6733 §3). */
export const DIAMETER = {
  version: 1,
  header: 20,
  align: 4,
  flagRequest: 0x80,
  flagError: 0x20,
  /** The low four command flags are reserved and sent as zero. */
  flagsReserved: 0x0f,
  /** Command codes 0-255 are kept for RADIUS compatibility (§11.2.1); real commands start at 257 (CER). */
  minCommand: 257,
} as const;

/** GTPv2-C header (3GPP TS 29.274 §5.1, §5.5.1). */
export const GTPV2 = {
  version: 2,
  versionShift: 5,
  flagPiggyback: 0x10,
  /** Octets 1-4 (flags, type, length) are not counted by the length field. */
  fixedOctets: 4,
} as const;

/** How far into a payload the SIP start line is looked for. */
export const SIP_START_LINE_MAX = 1024;
const SIP_REQUEST_LINE = /^[A-Za-z0-9.!%*_+`'~-]+ [^ \r\n]+:[^ \r\n]* SIP\/2\.0\r\n/;
const SIP_STATUS_LINE = /^SIP\/2\.0 [1-6]\d\d(?: [^\r\n]*)?\r\n/;

const CR = 0x0d;
const LF = 0x0a;

/** The bytes up to and including the first CRLF within `max`, as Latin-1 text; undefined when there is none. */
function firstLine(b: Uint8Array, max: number): string | undefined {
  const n = Math.min(b.length, max);
  for (let i = 0; i + 1 < n; i++)
    if (b[i] === CR && b[i + 1] === LF) return Buffer.from(b.buffer, b.byteOffset, i + 2).toString('latin1');
  return undefined;
}

/** True when `b` begins with a SIP request line or status line (RFC 3261 §7.1, §7.2) ending in CRLF. */
export function isSipStart(b: Uint8Array): boolean {
  const first = b[0];
  if (first === undefined || first < 0x21 || first > 0x7e) return false;
  // Neither line may hold a CR or LF before its final CRLF: the first CRLF ends it, or there is none.
  const line = firstLine(b, SIP_START_LINE_MAX);
  return line !== undefined && (SIP_STATUS_LINE.test(line) || SIP_REQUEST_LINE.test(line));
}

/** The 24-bit message length of a Diameter header (RFC 6733 §3). */
export function diameterLength(b: Uint8Array, at = 0): number {
  return (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}

/**
 * True when `b` begins with a plausible Diameter header (RFC 6733 §3): version 1, a length of at least
 * 20 that is a multiple of 4, reserved flags clear, not both R and E, a command code of 257 or more.
 */
export function isDiameterStart(b: Uint8Array): boolean {
  if (b.length < DIAMETER.header || b[0] !== DIAMETER.version) return false;
  const len = diameterLength(b);
  if (len < DIAMETER.header || len % DIAMETER.align !== 0) return false;
  const flags = b[4]!;
  if ((flags & DIAMETER.flagsReserved) !== 0) return false;
  if ((flags & DIAMETER.flagRequest) !== 0 && (flags & DIAMETER.flagError) !== 0) return false;
  return diameterLength(b, 4) >= DIAMETER.minCommand;
}

/** True when `b` begins with a GTPv2 header (version 2 in the top three bits of octet 1). */
export function isGtpv2(b: Uint8Array): boolean {
  return b.length >= GTPV2.fixedOctets && b[0]! >> GTPV2.versionShift === GTPV2.version;
}

const onPort = (src: number, dst: number, port: number) => src === port || dst === port;

/** What a UDP datagram carries: one message of a protocol, or why it is ignored. */
export function classifyUdp(
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
): AppProtocol | IgnoredReason {
  if (onPort(srcPort, dstPort, PORT.gtpc) && isGtpv2(payload)) return 'gtpv2';
  if (onPort(srcPort, dstPort, PORT.gtpu)) return 'gtp-u';
  if (isSipStart(payload)) return 'sip';
  return 'udp-other';
}

/**
 * The protocol of a TCP stream whose bytes begin (at a message boundary) with `payload`, or undefined when
 * they begin no SIP or Diameter message. Port 3868 admits Diameter only.
 */
export function classifyStreamStart(
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
): 'sip' | 'diameter' | undefined {
  if (isDiameterStart(payload)) return 'diameter';
  if (onPort(srcPort, dstPort, PORT.diameter)) return undefined;
  return isSipStart(payload) ? 'sip' : undefined;
}

/** What an SCTP user message with payload protocol identifier `ppid` carries (RFC 9260 §3.3.1). */
export function classifySctp(
  ppid: number,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
): AppProtocol | IgnoredReason {
  if (ppid === SCTP_PPID.diameter || ppid === SCTP_PPID.diameterDtls) return 'diameter';
  if (ppid === SCTP_PPID.s1ap) return 'sctp-s1ap';
  if (ppid === SCTP_PPID.m3ua) return 'sctp-m3ua';
  if (ppid === SCTP_PPID.ngap) return 'sctp-ngap';
  if (onPort(srcPort, dstPort, PORT.diameter) || isDiameterStart(payload)) return 'diameter';
  return isSipStart(payload) ? 'sip' : 'sctp-other';
}
