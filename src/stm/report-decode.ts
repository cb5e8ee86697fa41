/**
 * Received bytes → reports: an EEP message (HEP3, EEP1, EEP3) becomes a synthesised raw-IP packet carrying its
 * payload between its addresses and ports; a GRE-PCAPng datagram yields the packets its PCAPng carries. The
 * XID and NE identifier travel as EPB comments (`lix.xid=`, `lix.ne=`, docs/stm.md).
 */
import { LixError } from '../lib/errors.js';
import { decodeEep, EEP_IP_FAMILY, type EepMessage } from './eep.js';
import { decodeGre, GRE_PROTOCOL } from './gre.js';
import { buildIpPackets, maxPayload, PACKET } from './packet.js';
import type { TcpSequencer } from './tcp-sequencer.js';
import { LINKTYPE, parseStmComments, readPackets, stmComments } from './pcapng.js';
import { liidOf } from './report.js';

/** One report as the collector received it. */
export interface CollectedReport {
  readonly encoding: 'eep' | 'gre-pcapng';
  readonly listener: string;
  readonly remote: string;
  readonly xid?: string;
  readonly neId?: string;
  /** The warrant reference (LIID) of the task, when the report carries one. */
  readonly liid?: string;
  readonly sequence?: number;
  readonly timestampMicros: bigint;
  /** The EEP message (EEP only). */
  readonly eep?: EepMessage;
  /** Packets to write, with their link type and comments. */
  readonly packets: readonly {
    readonly linkType: number;
    readonly timestampMicros: bigint;
    readonly data: Uint8Array;
    readonly comments: readonly string[];
  }[];
  /** True when the payload did not fit one IP packet and was cut. */
  readonly truncated: boolean;
  /** A copy of a report already collected (through another destination): no packets, not written. */
  readonly duplicate?: boolean;
}

/** Tells whether a decoded report is a copy of one already collected. */
export type CopyCheck = (r: {
  xid: string | undefined;
  timestampMicros: bigint;
  flow: string;
  payload: Uint8Array;
}) => boolean;

/** A datagram or frame that is not a report; `reason` is the decoder's. */
export class CollectDecodeError extends LixError<'malformed-report'> {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('malformed-report', message, options);
  }
}

const MICROS = 1_000_000n;
const ANY4 = '0.0.0.0';
const ANY6 = '::';

function timeOf(m: EepMessage, now: bigint): bigint {
  if (m.timestampSec === undefined) return now;
  return BigInt(m.timestampSec) * MICROS + BigInt(m.timestampUsec ?? 0);
}

/** The packets that show an EEP report in Wireshark: its payload between its addresses and ports. */
function eepPackets(m: EepMessage, seq?: TcpSequencer): { packets: Uint8Array[]; truncated: boolean } {
  const v6 = m.ipFamily === EEP_IP_FAMILY.ipv6 || (m.srcAddress ?? m.dstAddress ?? '').includes(':');
  const any = v6 ? ANY6 : ANY4;
  let src = m.srcAddress ?? any;
  let dst = m.dstAddress ?? any;
  if (src.includes(':') !== dst.includes(':'))
    [src, dst] = [src.includes(':') ? src : ANY6, dst.includes(':') ? dst : ANY6];
  const ipProtocol = m.ipProtocol ?? PACKET.udp;
  let payload = m.payload ?? new Uint8Array(0);
  const max = maxPayload(src, ipProtocol);
  const truncated = ipProtocol !== PACKET.tcp && payload.length > max;
  if (truncated) payload = payload.subarray(0, max);
  const srcPort = m.srcPort ?? 0;
  const dstPort = m.dstPort ?? 0;
  const flow = { xid: m.correlationId ?? '', srcAddress: src, srcPort, dstAddress: dst, dstPort };
  const spec = {
    ipProtocol,
    srcAddress: src,
    dstAddress: dst,
    srcPort,
    dstPort,
    payload,
    ...(seq && ipProtocol === PACKET.tcp && { tcpSeq: seq.take(flow, payload.length) }),
  };
  return { packets: buildIpPackets(spec), truncated };
}

/**
 * Decodes one whole EEP message (TCP payloads numbered per flow by `seq`). Throws on malformed input, and
 * {@link CollectDecodeError} for a message without a payload.
 */
export function collectEep(
  frame: Uint8Array,
  listener: string,
  remote: string,
  now: bigint,
  seq?: TcpSequencer,
  isCopy?: CopyCheck,
): CollectedReport {
  const m = decodeEep(frame);
  // A header without a payload (or with an empty one) carries nothing to show: written, it would be a bogus
  // empty packet between 0.0.0.0 and 0.0.0.0 (or its addresses), so it is malformed input instead.
  if (m.payload === undefined || m.payload.length === 0)
    throw new CollectDecodeError('EEP message without a payload: nothing to write');
  const timestampMicros = timeOf(m, now);
  // Before the TCP numbering: a copy must not advance the flow's sequence numbers.
  // EEP chunks are optional: a missing one keys as 'undefined', which still separates flows.
  const flow = `${m.ipProtocol}|${m.srcAddress}|${m.srcPort}|${m.dstAddress}|${m.dstPort}`;
  const copy = isCopy?.({
    xid: m.correlationId,
    timestampMicros,
    flow,
    payload: m.payload ?? new Uint8Array(0),
  });
  const { packets, truncated } = copy ? { packets: [], truncated: false } : eepPackets(m, seq);
  const liid = liidOf(m);
  const comments = stmComments({ xid: m.correlationId, neId: m.nodeName, liid });
  if (truncated) comments.push(`lix.truncated=${m.payload?.length ?? 0}`);
  const linkType = LINKTYPE.raw;
  return {
    encoding: 'eep',
    listener,
    remote,
    ...(m.correlationId !== undefined && { xid: m.correlationId }),
    ...(m.nodeName !== undefined && { neId: m.nodeName }),
    ...(liid !== undefined && { liid }),
    ...(m.sequence !== undefined && { sequence: m.sequence }),
    timestampMicros,
    eep: m,
    packets: packets.map((data) => ({ linkType, timestampMicros, data, comments })),
    truncated,
    ...(copy && { duplicate: true }),
  };
}

/** Decodes a GRE-PCAPng datagram (GRE header + PCAPng with at least one packet). Throws on malformed input. */
export function collectGre(
  datagram: Uint8Array,
  listener: string,
  remote: string,
  protocolType: number = GRE_PROTOCOL.pcapng,
): CollectedReport {
  const gre = decodeGre(datagram);
  if (gre.protocolType !== protocolType)
    throw new CollectDecodeError(`GRE protocol type 0x${gre.protocolType.toString(16)} is not PCAPng`);
  const packets = [...readPackets(gre.payload)];
  const first = packets[0];
  if (!first) throw new CollectDecodeError('GRE-PCAPng datagram without a packet');
  const ids = parseStmComments(first.comments);
  return {
    encoding: 'gre-pcapng',
    listener,
    remote,
    ...ids,
    timestampMicros: first.timestampMicros,
    packets: packets.map((p) => ({
      linkType: p.linkType,
      timestampMicros: p.timestampMicros,
      data: p.data,
      comments: p.comments,
    })),
    truncated: false,
  };
}
