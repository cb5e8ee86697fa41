/**
 * The STM report (DESIGN.md "STM reports"): one captured signalling message for one task, and what every
 * encoding derives from it: the EEP/HEP3 message, and the captured IP packet (synthesised when absent).
 */
import {
  EEP_CHUNK_TYPES,
  EEP_GENERIC_VENDOR,
  EEP_IP_FAMILY,
  type EepChunk,
  type EepEventTypeName,
  type EepMessage,
  type EepProtocolId,
} from './eep.js';
import { buildIpPacket, PACKET } from './packet.js';
import type { Flow } from './flow.js';
import type { TcpSequencer } from './tcp-sequencer.js';

/** One captured message to deliver. */
export interface StmReport extends Flow {
  /** The task's XID (EEP correlation ID; PCAPng comment). */
  readonly xid: string;
  /** The NE identifier (EEP node name; PCAPng comment). */
  readonly neId: string;
  /** The task's warrant reference, a LIID, when it has one (EEP group ID chunk; PCAPng comment `lix.liid=`). */
  readonly liid?: string;
  readonly timestampMicros: bigint;
  readonly ipVersion: 4 | 6;
  /** EEP captured-protocol type (EEP_PROTOCOL_TYPES). */
  readonly protocolType: number;
  /** The L5 message, e.g. the SIP text. */
  readonly payload: Uint8Array;
  /** The captured IP packet, when there is one (GRE-PCAPng carries it; synthesised when absent). */
  readonly ipPacket?: Uint8Array;
  /** SCTP payload protocol identifier of a message captured over SCTP (kept in a synthesised packet). */
  readonly sctpPpid?: number;
}

/** Sizes of what fits: the largest UDP payload over IPv4 (65535 - 20 - 8) and over IPv6 (65535 - 8). */
export const UDP_MAX_PAYLOAD = { ipv4: 65_507, ipv6: 65_527 } as const;

const MICROS = 1_000_000n;
/** HEP3 event type "recording for lawful interception" (EEP_EVENT_TYPES.interception). */
const INTERCEPTION: EepEventTypeName = 'interception';

/**
 * The EEP message of a report: IP family, protocol, addresses, ports, time, protocol type, capture agent,
 * node name = NE identifier, correlation ID = XID, event type "interception", sequence, payload.
 */
export function reportToEep(
  r: StmReport,
  sequence: number,
  protocolId: EepProtocolId,
  captureAgentId: number,
): EepMessage {
  return {
    protocolId,
    ipFamily: r.ipVersion === 6 ? EEP_IP_FAMILY.ipv6 : EEP_IP_FAMILY.ipv4,
    ipProtocol: r.ipProtocol,
    srcAddress: r.srcAddress,
    dstAddress: r.dstAddress,
    srcPort: r.srcPort,
    dstPort: r.dstPort,
    timestampSec: Number(r.timestampMicros / MICROS),
    timestampUsec: Number(r.timestampMicros % MICROS),
    protocolType: r.protocolType,
    captureAgentId,
    nodeName: r.neId,
    correlationId: r.xid,
    eventType: INTERCEPTION,
    sequence,
    payload: r.payload,
    otherChunks: r.liid === undefined ? [] : [liidChunk(r.liid)],
  };
}

/** The LIID as the HEP3 generic group-ID chunk (0x29, octet string): the warrant that groups the captures. */
export function liidChunk(liid: string): EepChunk {
  return { vendor: EEP_GENERIC_VENDOR, type: EEP_CHUNK_TYPES.groupId, value: new TextEncoder().encode(liid) };
}

/** The LIID of an EEP message (its group-ID chunk), if any. */
export function liidOf(m: EepMessage): string | undefined {
  const c = m.otherChunks.find((x) => x.vendor === EEP_GENERIC_VENDOR && x.type === EEP_CHUNK_TYPES.groupId);
  return c && new TextDecoder().decode(c.value);
}

/**
 * The captured IP packet of a report, synthesised from its addresses, ports and payload when absent (TCP
 * payloads numbered consecutively per flow by `seq`, so that a TCP dialog reads as one stream).
 */
export function reportPacket(r: StmReport, seq?: TcpSequencer): Uint8Array {
  return (
    r.ipPacket ??
    buildIpPacket({
      ...(seq && r.ipProtocol === PACKET.tcp && { tcpSeq: seq.take(r, r.payload.length) }),
      ipProtocol: r.ipProtocol,
      srcAddress: r.srcAddress,
      dstAddress: r.dstAddress,
      srcPort: r.srcPort,
      dstPort: r.dstPort,
      payload: r.payload,
      ...(r.sctpPpid !== undefined && { sctpPpid: r.sctpPpid }),
    })
  );
}
