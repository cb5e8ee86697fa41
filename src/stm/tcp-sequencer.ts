/**
 * TCP sequence numbers for messages written as synthesised packets (collector files, GRE-PCAPng reports). Pure.
 */
import { Generations } from '../lib/generations.js';
import type { Endpoints } from './flow.js';

/** Flows a {@link TcpSequencer} remembers at least (at most twice as many) before those unused longest are forgotten. */
export const TCP_SEQUENCER_MAX_FLOWS = 100_000;
/** Sequence numbers are modulo 2^32 (RFC 9293 §3.4). */
const UINT32_SPAN = 0x1_0000_0000;

/**
 * Consecutive TCP sequence numbers per flow (XID, addresses, ports), so that the messages of one TCP
 * connection written to a file read as one stream: with the same number on every segment Wireshark takes
 * them for retransmissions and does not dissect them. Bounded: the flows unused longest are forgotten first.
 */
/** One direction of a TCP connection as written to a file, per task. */
export interface TcpFlow extends Endpoints {
  readonly xid: string;
}

export class TcpSequencer {
  readonly #next: Generations<string, number>;

  constructor(maxFlows = TCP_SEQUENCER_MAX_FLOWS) {
    this.#next = new Generations(maxFlows);
  }

  /** The sequence number for `length` bytes of `f`, advancing the flow past them. */
  take(f: TcpFlow, length: number): number {
    const flow = `${f.xid}|${f.srcAddress}|${f.srcPort}|${f.dstAddress}|${f.dstPort}`;
    const seq = this.#next.get(flow) ?? 1;
    this.#next.set(flow, (seq + length) % UINT32_SPAN);
    return seq;
  }
}
