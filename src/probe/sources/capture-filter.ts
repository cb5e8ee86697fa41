/**
 * The capture filter of a live source, compiled from the transports of the protocols the probe inspects
 * (docs/probe.md "Capture filter"): SIP over UDP, TCP or SCTP, Diameter over TCP or SCTP, GTPv2-C over UDP,
 * each on its configured ports. Everything else the kernel drops before it reaches the capture buffer, so
 * traffic the probe would ignore (media, the NE's own STM deliveries, X1) can no longer fill that buffer.
 *
 * Non-first IPv4 fragments (which carry no port) and IPv6 packets whose first extension header is a
 * fragment header are always kept, so a fragmented message can still be reassembled; so is one 802.1Q tag
 * (and a second, QinQ). A user's own filter narrows the result: `(compiled) and (user filter)`. Pure: no I/O.
 */
import { LixError } from '../../lib/errors.js';

/** A port, or an inclusive range of ports. */
export type PortSpan = number | readonly [number, number];

/** The ports of each inspected protocol; an empty list captures none of it. */
export interface CapturePorts {
  readonly sip: readonly PortSpan[];
  readonly diameter: readonly PortSpan[];
  readonly gtpc: readonly PortSpan[];
}

/** The protocols' registered ports (RFC 3261 §19.1.2, RFC 6733 §11.4, TS 29.274 §4.2). */
export const DEFAULT_CAPTURE_PORTS: CapturePorts = { sip: [5060], diameter: [3868], gtpc: [2123] };

export const CAPTURE_PROTOCOLS = ['sip', 'diameter', 'gtpc'] as const;
export type CaptureProtocol = (typeof CAPTURE_PROTOCOLS)[number];

/** The transports each protocol is captured on (libpcap qualifiers). */
const TRANSPORTS: Record<CaptureProtocol, readonly string[]> = {
  sip: ['udp', 'tcp', 'sctp'],
  diameter: ['tcp', 'sctp'],
  gtpc: ['udp'],
};

/** Spans in one list at most, so that a filter stays small enough for the kernel (BPF ≤ 4096 insns). */
export const MAX_PORT_SPANS = 32;

/** A port list that does not parse. */
export class PortListError extends LixError<'bad-port-list'> {}

const PORT = /^\d{1,5}$/;

function port(text: string, list: string): number {
  const n = PORT.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 65535))
    throw new PortListError('bad-port-list', `"${list}": "${text}" is not a port (1-65535)`);
  return n;
}

/**
 * Parses `5060,5070-5079` (ports and inclusive ranges, comma-separated) or `none` (an empty list); throws
 * {@link PortListError} saying what is wrong.
 */
export function parsePortList(text: string): PortSpan[] {
  const t = text.trim();
  if (t === 'none') return [];
  if (t === '') throw new PortListError('bad-port-list', 'empty port list (use "none" to capture none)');
  const spans = t.split(',').map((part): PortSpan => {
    const dash = part.indexOf('-');
    if (dash < 0) return port(part.trim(), t);
    const from = port(part.slice(0, dash).trim(), t);
    const to = port(part.slice(dash + 1).trim(), t);
    if (to < from) throw new PortListError('bad-port-list', `"${t}": range ${from}-${to} runs backwards`);
    return from === to ? from : [from, to];
  });
  if (spans.length > MAX_PORT_SPANS)
    throw new PortListError('bad-port-list', `"${t}": more than ${MAX_PORT_SPANS} ports or ranges`);
  return spans;
}

/** `5060,5070-5079`, or `none`: the text form {@link parsePortList} reads. */
export function formatPortList(spans: readonly PortSpan[]): string {
  return spans.length === 0
    ? 'none'
    : spans.map((s) => (typeof s === 'number' ? `${s}` : s.join('-'))).join(',');
}

function primitive(transport: string, span: PortSpan): string {
  return typeof span === 'number'
    ? `${transport} port ${span}`
    : `${transport} portrange ${span[0]}-${span[1]}`;
}

/** IPv4 fragments after the first (offset ≠ 0) and IPv6 packets whose next header is Fragment (44). */
const LATER_FRAGMENTS = '(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] = 44)';

/**
 * The BPF expression capturing the inspected protocols on `ports`, and'ed with `userFilter` when given.
 * Undefined when nothing is to be filtered (`all` without a user filter). Throws {@link PortListError} when
 * every list is empty (nothing would be captured).
 */
export function compileCaptureFilter(
  ports: CapturePorts,
  opts: { readonly all?: boolean; readonly userFilter?: string } = {},
): string | undefined {
  const user = opts.userFilter?.trim() || undefined;
  if (opts.all) return user;
  const terms: string[] = [];
  for (const proto of CAPTURE_PROTOCOLS)
    for (const span of ports[proto]) for (const t of TRANSPORTS[proto]) terms.push(primitive(t, span));
  if (terms.length === 0)
    throw new PortListError('bad-port-list', 'no SIP, Diameter or GTP-C port to capture (or say "all")');
  const base = `(${terms.join(' or ')} or ${LATER_FRAGMENTS})`;
  // After `vlan` libpcap reads the headers one tag further on: the same test, once per tag depth.
  const compiled = `${base} or (vlan and (${base} or (vlan and ${base})))`;
  return user === undefined ? compiled : `(${compiled}) and (${user})`;
}
