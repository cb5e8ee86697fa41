/**
 * TCP stream reassembly per direction (RFC 9293 §3.4, §3.10.7): sequence numbers compared modulo 2^32,
 * out-of-order segments held in a bounded buffer, retransmitted bytes dropped, SYN/FIN/RST followed. A stream
 * whose start was not captured (no SYN), or that lost bytes, is hunted: it is picked up at the first segment
 * whose payload begins a SIP or Diameter message. The bytes are then cut into messages by `framing.ts`.
 * All state is bounded and expired. Pure.
 */
import { copyBytes } from '../../stm/bin.js';
import type { Endpoints } from '../../stm/flow.js';
import type { AppProtocol } from '../messages.js';
import { classifyStreamStart } from './classify.js';
import type { CounterSet } from './counters.js';
import { frameDiameter, frameSip, type FrameResult } from './framing.js';
import type { DecodeOptions } from './options.js';

/** TCP header flags (RFC 9293 §3.1). */
export const TCP_FLAG = { fin: 0x01, syn: 0x02, rst: 0x04 } as const;

/** One direction of a connection (TCP is implied). */
export type TcpFlow = Endpoints;

export interface TcpSegment {
  readonly seq: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}

/** A whole message cut from a stream. */
export interface StreamMessage {
  readonly protocol: AppProtocol;
  readonly payload: Uint8Array;
}

interface Held {
  readonly seq: number;
  readonly data: Uint8Array;
  readonly at: bigint;
}

interface Stream {
  /** Sequence number of the next byte expected in order. */
  next: number;
  /** 'hunt': waiting for a segment that begins a message; otherwise the protocol being framed. */
  mode: 'hunt' | 'sip' | 'diameter';
  /** In-order bytes from a message boundary on, not yet a whole message. */
  buf: Uint8Array;
  held: Held[];
  heldBytes: number;
  /** Sequence number of the FIN, once seen. */
  fin?: number;
  lastSeen: bigint;
  /** When the direction was last (re-)inserted into the map: its place in the eviction order. */
  placedAt: bigint;
}

const EMPTY = new Uint8Array(0);
/** How stale a direction's place in the eviction order may get (1 s): eviction is least recently used to that. */
const REORDER_MICROS = 1_000_000n;
/** Signed distance a - b in sequence space (RFC 9293 §3.4). */
const seqDiff = (a: number, b: number) => (a - b) | 0;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** How far behind the stream a SYN may be and still be a resend of the opening one (not a new connection). */
const OLD_SYN_WINDOW = 1 << 20;
const isOldSyn = (synNext: number, next: number) => {
  const d = seqDiff(synNext, next);
  return d <= 0 && d >= -OLD_SYN_WINDOW;
};

const keyOf = (f: TcpFlow) => `${f.srcAddress} ${f.srcPort} ${f.dstAddress} ${f.dstPort}`;
const reverseKeyOf = (f: TcpFlow) => `${f.dstAddress} ${f.dstPort} ${f.srcAddress} ${f.srcPort}`;

/** Follows every TCP direction seen and yields the messages they carry. */
export class TcpReassembler {
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly options: DecodeOptions,
    private readonly counters: CounterSet,
  ) {}

  /** Directions followed. */
  get size(): number {
    return this.streams.size;
  }

  /** Takes one segment of `flow`; returns the messages it completes. */
  push(flow: TcpFlow, seg: TcpSegment, now: bigint): StreamMessage[] {
    this.counters.add('tcpSegments');
    const key = keyOf(flow);
    if (seg.flags & TCP_FLAG.rst) {
      this.streams.delete(key);
      this.streams.delete(reverseKeyOf(flow));
      return [];
    }
    const s = this.streamFor(key, seg, now);
    if (!s) return [];
    const out: StreamMessage[] = [];
    const dataSeq = seg.flags & TCP_FLAG.syn ? (seg.seq + 1) >>> 0 : seg.seq;
    if (seg.flags & TCP_FLAG.fin) s.fin = (dataSeq + seg.payload.length) >>> 0;
    if (seg.payload.length > 0) this.take(flow, s, dataSeq, seg.payload, now, out);
    if (s.held.length > 0 && now - s.held[0]!.at > this.options.tcpReorderMicros) this.gap(flow, s, out);
    if (s.fin !== undefined && s.next === s.fin) this.close(key, s);
    return out;
  }

  /**
   * The direction's state, made new for a SYN that is not a resend of the one that opened it; none for a
   * bare ACK of a direction not followed (nothing to reassemble).
   */
  private streamFor(key: string, seg: TcpSegment, now: bigint): Stream | undefined {
    const old = this.streams.get(key);
    const syn = (seg.flags & TCP_FLAG.syn) !== 0;
    const next = syn ? (seg.seq + 1) >>> 0 : seg.seq;
    if (old && (!syn || isOldSyn(next, old.next))) {
      // Re-inserted (the map kept in least-recently-used order, for eviction) at most once per REORDER_MICROS:
      // a delete and re-insert per segment fills the map with deleted entries, rebuilt every few thousand.
      if (now - old.placedAt > REORDER_MICROS) {
        this.streams.delete(key);
        this.streams.set(key, old);
        old.placedAt = now;
      }
      old.lastSeen = now;
      return old;
    }
    if (!old && !syn && seg.payload.length === 0 && !(seg.flags & TCP_FLAG.fin)) return undefined;
    this.streams.delete(key);
    const s: Stream = {
      next,
      mode: 'hunt',
      buf: EMPTY,
      held: [],
      heldBytes: 0,
      lastSeen: now,
      placedAt: now,
    };
    this.streams.set(key, s);
    while (this.streams.size > this.options.maxTcpStreams) {
      this.streams.delete(this.streams.keys().next().value as string);
      this.counters.add('tcpStreamEvictions');
    }
    return s;
  }

  private take(
    flow: TcpFlow,
    s: Stream,
    seq: number,
    data: Uint8Array,
    now: bigint,
    out: StreamMessage[],
  ): void {
    const off = seqDiff(seq, s.next);
    if (off > 0) {
      this.hold(flow, s, { seq, data: data.slice(), at: now }, out);
      return;
    }
    if (-off >= data.length) {
      this.counters.add('tcpRetransmissions');
      return;
    }
    if (off < 0) this.counters.add('tcpRetransmissions');
    this.deliver(flow, s, data.subarray(-off), out);
    this.drain(flow, s, out);
  }

  private hold(flow: TcpFlow, s: Stream, h: Held, out: StreamMessage[]): void {
    const at = s.held.findIndex((x) => seqDiff(h.seq, x.seq) < 0);
    s.held.splice(at < 0 ? s.held.length : at, 0, h);
    s.heldBytes += h.data.length;
    if (s.held.length > this.options.maxHeldSegments || s.heldBytes > this.options.maxHeldBytes)
      this.gap(flow, s, out);
  }

  /** Gives up on the hole before the first held segment: skip to it and hunt for a message start. */
  private gap(flow: TcpFlow, s: Stream, out: StreamMessage[]): void {
    const first = s.held[0];
    if (!first) return;
    this.counters.add('tcpGaps');
    s.next = first.seq;
    s.mode = 'hunt';
    s.buf = EMPTY;
    this.drain(flow, s, out);
  }

  /** Delivers held segments that are now in order. */
  private drain(flow: TcpFlow, s: Stream, out: StreamMessage[]): void {
    while (s.held.length > 0) {
      const h = s.held[0]!;
      const off = seqDiff(h.seq, s.next);
      if (off > 0) return;
      s.held.shift();
      s.heldBytes -= h.data.length;
      if (-off >= h.data.length) this.counters.add('tcpRetransmissions');
      else this.deliver(flow, s, h.data.subarray(-off), out);
    }
  }

  /** Bytes that follow the stream in order. */
  private deliver(flow: TcpFlow, s: Stream, data: Uint8Array, out: StreamMessage[]): void {
    s.next = (s.next + data.length) >>> 0;
    if (s.mode === 'hunt') {
      const kind = classifyStreamStart(flow.srcPort, flow.dstPort, data);
      if (!kind) {
        this.counters.countIgnored('tcp-other');
        return;
      }
      s.mode = kind;
    }
    s.buf = concat(s.buf, data);
    this.frame(s, out);
  }

  private frame(s: Stream, out: StreamMessage[]): void {
    for (;;) {
      if (s.mode === 'hunt') return;
      const r: FrameResult =
        s.mode === 'sip'
          ? frameSip(s.buf, this.options.maxMessageBytes)
          : frameDiameter(s.buf, this.options.maxMessageBytes);
      if (r.kind === 'need-more') return;
      if (r.kind === 'skip') s.buf = s.buf.subarray(r.length);
      else if (r.kind === 'message') {
        out.push({ protocol: s.mode, payload: copyBytes(s.buf, 0, r.length) });
        s.buf = r.length === s.buf.length ? EMPTY : s.buf.subarray(r.length);
      } else {
        this.counters.countMalformed(r.kind === 'bad' ? 'tcp-framing' : 'message-too-large');
        s.mode = 'hunt';
        s.buf = EMPTY;
        return;
      }
    }
  }

  private close(key: string, s: Stream): void {
    if (s.mode !== 'hunt' && s.buf.length > 0) this.counters.countMalformed('tcp-truncated');
    this.streams.delete(key);
  }

  /** Forgets directions idle for longer than `tcpIdleMicros`. */
  expire(now: bigint): void {
    for (const [key, s] of this.streams) {
      if (now - s.lastSeen <= this.options.tcpIdleMicros) continue;
      this.streams.delete(key);
      this.counters.add('tcpStreamsExpired');
    }
  }
}
