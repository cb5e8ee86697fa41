/**
 * SCTP (RFC 9260): the common header (§3.1), every chunk of a packet (§3.2, padded to 4 bytes), DATA chunks
 * (§3.3.1) and I-DATA chunks (RFC 8260 §2.1) taken, other chunk types counted and ignored. Fragmented user
 * messages are put back together by association direction, stream and SSN (or MID for I-DATA; unordered
 * messages by stream alone) from the B and E flags and consecutive TSNs (FSNs for I-DATA). The CRC32c is not
 * checked: a probe sees what the endpoints saw. Pure.
 */
import { copyBytes } from '../../stm/bin.js';
import type { CounterSet } from './counters.js';
import type { DecodeOptions } from './options.js';

/** Wire constants of RFC 9260 §3 and RFC 8260 §2.1. */
export const SCTP_WIRE = {
  commonHeader: 12,
  chunkHeader: 4,
  align: 4,
  type: { data: 0, iData: 64 },
  dataHeader: 16,
  iDataHeader: 20,
  flag: { end: 0x01, begin: 0x02, unordered: 0x04 },
} as const;

/** One whole SCTP user message. */
export interface SctpMessage {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly ppid: number;
  readonly streamId: number;
  readonly payload: Uint8Array;
}

/** One DATA or I-DATA chunk, its fragment index being the TSN (DATA) or FSN (I-DATA). */
interface Piece {
  readonly index: number;
  readonly flags: number;
  readonly ppid: number;
  readonly data: Uint8Array;
}

interface Partial {
  readonly pieces: Map<number, Piece>;
  bytes: number;
  readonly since: bigint;
}

/** The user-message fields of a DATA or I-DATA chunk, or undefined when it is too short. */
function pieceOf(
  chunk: Uint8Array,
  v: DataView,
): { key: string; piece: Piece; streamId: number } | undefined {
  const type = chunk[0]!;
  const flags = chunk[1]!;
  const header = type === SCTP_WIRE.type.data ? SCTP_WIRE.dataHeader : SCTP_WIRE.iDataHeader;
  if (chunk.length <= header) return undefined; // a DATA chunk without user data is a protocol error (§3.3.1)
  const unordered = (flags & SCTP_WIRE.flag.unordered) !== 0;
  const streamId = v.getUint16(8);
  if (type === SCTP_WIRE.type.data) {
    const key = `d ${streamId} ${unordered ? 'u' : v.getUint16(10)}`;
    const piece = {
      index: v.getUint32(4),
      flags,
      ppid: v.getUint32(12),
      data: chunk.subarray(SCTP_WIRE.dataHeader),
    };
    return { key, piece, streamId };
  }
  const begin = (flags & SCTP_WIRE.flag.begin) !== 0;
  const key = `i ${streamId} ${unordered ? 'u' : 'o'} ${v.getUint32(12)}`;
  const word = v.getUint32(16);
  const piece = {
    index: begin ? 0 : word,
    flags,
    ppid: begin ? word : 0,
    data: chunk.subarray(SCTP_WIRE.iDataHeader),
  };
  return { key, piece, streamId };
}

/** Walks SCTP packets and puts their user messages back together. */
export class SctpReassembler {
  private readonly partials = new Map<string, Partial>();

  constructor(
    private readonly options: DecodeOptions,
    private readonly counters: CounterSet,
  ) {}

  /** User messages under reassembly. */
  get size(): number {
    return this.partials.size;
  }

  /** Takes one SCTP packet of the direction named `flowKey` (addresses); returns the user messages it completes. */
  push(flowKey: string, packet: Uint8Array, now: bigint): SctpMessage[] {
    if (packet.length < SCTP_WIRE.commonHeader) {
      this.counters.countMalformed('sctp-header');
      return [];
    }
    const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    const srcPort = v.getUint16(0);
    const dstPort = v.getUint16(2);
    const dir = `${flowKey} ${srcPort} ${dstPort}`;
    const out: SctpMessage[] = [];
    for (let off = SCTP_WIRE.commonHeader; off + SCTP_WIRE.chunkHeader <= packet.length;) {
      const len = v.getUint16(off + 2);
      if (len < SCTP_WIRE.chunkHeader || off + len > packet.length) {
        this.counters.countMalformed('sctp-chunk');
        break;
      }
      this.counters.add('sctpChunks');
      const chunk = packet.subarray(off, off + len);
      const type = chunk[0]!;
      if (type === SCTP_WIRE.type.data || type === SCTP_WIRE.type.iData) {
        const cv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const p = pieceOf(chunk, cv);
        if (!p) this.counters.countMalformed('sctp-chunk');
        else {
          const whole = this.take(`${dir} ${p.key}`, p.piece, now);
          if (whole) out.push({ srcPort, dstPort, streamId: p.streamId, ...whole });
        }
      } else this.counters.countIgnored('sctp-control');
      off += Math.ceil(len / SCTP_WIRE.align) * SCTP_WIRE.align;
    }
    return out;
  }

  private take(key: string, piece: Piece, now: bigint): { ppid: number; payload: Uint8Array } | undefined {
    const { begin, end } = SCTP_WIRE.flag;
    if ((piece.flags & begin) !== 0 && (piece.flags & end) !== 0) {
      return { ppid: piece.ppid, payload: copyBytes(piece.data, 0, piece.data.length) };
    }
    let p = this.partials.get(key);
    if (!p) {
      p = { pieces: new Map(), bytes: 0, since: now };
      this.partials.set(key, p);
      this.bound();
    }
    if (p.pieces.has(piece.index)) return undefined; // a retransmitted chunk
    p.pieces.set(piece.index, { ...piece, data: piece.data.slice() });
    p.bytes += piece.data.length;
    if (p.bytes > this.options.maxMessageBytes) {
      this.partials.delete(key);
      this.counters.countMalformed('message-too-large');
      return undefined;
    }
    return this.assemble(key, p);
  }

  /** The user message from a B piece through consecutive pieces to an E piece, when all are there. */
  private assemble(key: string, p: Partial): { ppid: number; payload: Uint8Array } | undefined {
    const { begin, end } = SCTP_WIRE.flag;
    starts: for (const first of p.pieces.values()) {
      if ((first.flags & begin) === 0) continue;
      const run: Piece[] = [first];
      for (let i = (first.index + 1) >>> 0; ; i = (i + 1) >>> 0) {
        const last = run[run.length - 1]!;
        if ((last.flags & end) !== 0) break;
        const next = p.pieces.get(i);
        if (!next) continue starts;
        if ((next.flags & begin) !== 0) {
          this.partials.delete(key);
          this.counters.countMalformed('sctp-reassembly');
          return undefined;
        }
        run.push(next);
      }
      for (const r of run) p.pieces.delete(r.index);
      if (p.pieces.size === 0) this.partials.delete(key);
      const payload = new Uint8Array(run.reduce((n, r) => n + r.data.length, 0));
      let at = 0;
      for (const r of run) {
        payload.set(r.data, at);
        at += r.data.length;
      }
      p.bytes -= payload.length;
      return { ppid: first.ppid, payload };
    }
    return undefined;
  }

  private bound(): void {
    while (this.partials.size > this.options.maxSctpPartials) {
      this.partials.delete(this.partials.keys().next().value as string);
      this.counters.add('sctpPartialEvictions');
    }
  }

  /** Drops user messages not completed within `sctpPartialMicros`. */
  expire(now: bigint): void {
    for (const [key, p] of this.partials) {
      if (now - p.since <= this.options.sctpPartialMicros) continue;
      this.partials.delete(key);
      this.counters.add('sctpPartialsExpired');
    }
  }
}
