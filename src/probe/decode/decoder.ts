/**
 * The probe's decoding stage (DESIGN.md "Probe"): link layer → IP (fragments reassembled) → UDP datagram,
 * TCP stream or SCTP user message → whole SIP, Diameter and GTPv2-C messages. Pure and synchronous; every
 * rejection is counted in {@link PacketDecoder.counters} and decode() never throws.
 */
import { copyBytes } from '../../stm/bin.js';
import { ipOfFrame, PacketError, parseIpPacket, type ParsedPacket } from '../../stm/packet.js';
import { IP_PROTO, type AppProtocol, type Frame, type ProbeMessage } from '../messages.js';
import { classifySctp, classifyUdp } from './classify.js';
import { CounterSet, type DecodeCounters } from './counters.js';
import { splitGtpv2 } from './framing.js';
import { IpDefragmenter, locate } from './ip-defrag.js';
import { DEFAULT_DECODE_OPTIONS, type DecodeOptions } from './options.js';
import { SctpReassembler } from './sctp.js';
import { TcpReassembler } from './tcp-stream.js';

export { DEFAULT_DECODE_OPTIONS, type DecodeOptions } from './options.js';
export type { DecodeCounters, IgnoredReason, MalformedReason } from './counters.js';
export { IGNORED_REASONS, MALFORMED_REASONS } from './counters.js';

/** TCP header fields read here (RFC 9293 §3.1). */
const TCP_HEADER = { seq: 4, flags: 13, min: 20 } as const;

/** State held between frames, for monitoring. */
export interface DecoderState {
  readonly reassemblies: number;
  readonly tcpStreams: number;
  readonly sctpPartials: number;
}

/**
 * Turns captured frames into whole signalling messages. One instance per packet source: it holds IP
 * fragments, TCP streams and SCTP fragments between frames, all bounded by {@link DecodeOptions}.
 */
export class PacketDecoder {
  private readonly counts = new CounterSet();
  private readonly options: DecodeOptions;
  private defrag: IpDefragmenter;
  private tcp: TcpReassembler;
  private sctp: SctpReassembler;
  private latest: bigint | undefined;
  private lastSweep: bigint | undefined;

  constructor(options: Partial<DecodeOptions> = {}) {
    this.options = { ...DEFAULT_DECODE_OPTIONS, ...options };
    this.defrag = new IpDefragmenter(this.options, this.counts);
    this.tcp = new TcpReassembler(this.options, this.counts);
    this.sctp = new SctpReassembler(this.options, this.counts);
  }

  /** What the decoder counted so far (live: the same object is updated by later calls). */
  get counters(): DecodeCounters {
    return this.counts;
  }

  /** How much state is held now. */
  get state(): DecoderState {
    return { reassemblies: this.defrag.size, tcpStreams: this.tcp.size, sctpPartials: this.sctp.size };
  }

  /**
   * Forgets every fragment, TCP stream and SCTP partial message (counters are kept): a capture replayed from
   * its start again would otherwise look like retransmissions of the previous pass.
   */
  reset(): void {
    this.defrag = new IpDefragmenter(this.options, this.counts);
    this.tcp = new TcpReassembler(this.options, this.counts);
    this.sctp = new SctpReassembler(this.options, this.counts);
    this.latest = undefined;
    this.lastSweep = undefined;
  }

  /** Every whole message this frame completes (none, one or several), in the order they end. */
  decode(frame: Frame): ProbeMessage[] {
    this.counts.add('frames');
    const out: ProbeMessage[] = [];
    try {
      this.autoExpire(frame.timestampMicros);
      const ip = ipOfFrame(frame.linkType, frame.data);
      if (ip) this.decodeIp(ip, frame.timestampMicros, out);
      else this.counts.add('nonIp');
    } catch (e) {
      this.counts.countMalformed(e instanceof PacketError ? 'ip-header' : 'internal');
    }
    for (const m of out) this.counts.countMessage(m.protocol);
    return out;
  }

  /**
   * Drops state older than its limit at time `nowMicros` (capture time of the frames): IP fragments after
   * `fragmentTimeoutMicros`, idle TCP directions after `tcpIdleMicros`, SCTP fragments after
   * `sctpPartialMicros`. Each drop is counted.
   */
  expire(nowMicros: bigint): void {
    this.lastSweep = nowMicros;
    this.defrag.expire(nowMicros);
    this.tcp.expire(nowMicros);
    this.sctp.expire(nowMicros);
  }

  private autoExpire(ts: bigint): void {
    const every = this.options.autoExpireMicros;
    if (every <= 0n) return;
    if (this.latest === undefined || ts > this.latest) this.latest = ts;
    if (this.lastSweep === undefined) this.lastSweep = this.latest;
    else if (this.latest - this.lastSweep >= every) this.expire(this.latest);
  }

  private decodeIp(packet: Uint8Array, ts: bigint, out: ProbeMessage[]): void {
    let ip = packet;
    let layout = locate(ip);
    if (layout.fragment) {
      const whole = this.defrag.push(layout.fragment, ts);
      if (!whole) return;
      ip = whole;
      layout = locate(ip);
    }
    const p = parseIpPacket(ip);
    const l4 = ip.subarray(layout.l4Start, layout.l4End);
    if (p.ipProtocol === IP_PROTO.udp) this.udp(p, ts, out);
    else if (p.ipProtocol === IP_PROTO.tcp) this.tcpSegment(p, l4, ts, out);
    else if (p.ipProtocol === IP_PROTO.sctp) this.sctpPacket(p, l4, ts, out);
    else this.counts.countIgnored('ip-protocol');
  }

  private udp(p: ParsedPacket, ts: bigint, out: ProbeMessage[]): void {
    const kind = classifyUdp(p.srcPort, p.dstPort, p.payload);
    if (kind === 'sip') out.push(message(p, ts, 'sip', copyOf(p.payload)));
    else if (kind === 'gtpv2') {
      const parts = splitGtpv2(p.payload);
      if (!parts) this.counts.countMalformed('gtpv2-length');
      for (const part of parts ?? []) out.push(message(p, ts, 'gtpv2', copyOf(part)));
    } else if (kind !== 'diameter') this.counts.countIgnored(kind);
  }

  private tcpSegment(p: ParsedPacket, l4: Uint8Array, ts: bigint, out: ProbeMessage[]): void {
    if (l4.length < TCP_HEADER.min) {
      this.counts.countMalformed('tcp-header');
      return;
    }
    const seq = new DataView(l4.buffer, l4.byteOffset, l4.byteLength).getUint32(TCP_HEADER.seq);
    const segment = { seq, flags: l4[TCP_HEADER.flags]!, payload: p.payload };
    for (const m of this.tcp.push(p, segment, ts)) out.push(message(p, ts, m.protocol, m.payload));
  }

  private sctpPacket(p: ParsedPacket, l4: Uint8Array, ts: bigint, out: ProbeMessage[]): void {
    for (const m of this.sctp.push(`${p.srcAddress} ${p.dstAddress}`, l4, ts)) {
      const kind = classifySctp(m.ppid, m.srcPort, m.dstPort, m.payload);
      if (kind === 'sip' || kind === 'diameter' || kind === 'gtpv2') {
        const ports = { srcPort: m.srcPort, dstPort: m.dstPort };
        out.push({ ...message({ ...p, ...ports }, ts, kind, m.payload), sctpPpid: m.ppid });
      } else this.counts.countIgnored(kind);
    }
  }
}

/**
 * The message's own copy of its bytes (the frame is a view into the source's chunk), from a shared slab: a copy
 * into an ArrayBuffer of its own costs an allocation the garbage collector must track, per message.
 */
function copyOf(b: Uint8Array): Uint8Array {
  return copyBytes(b, 0, b.length);
}

function message(p: ParsedPacket, ts: bigint, protocol: AppProtocol, payload: Uint8Array): ProbeMessage {
  return {
    timestampMicros: ts,
    ipVersion: p.ipVersion,
    ipProtocol: p.ipProtocol,
    srcAddress: p.srcAddress,
    dstAddress: p.dstAddress,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    protocol,
    payload,
  };
}
