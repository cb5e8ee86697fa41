/**
 * A TCP connection (RFC 9293) for the synthetic generator: a three-way handshake, then data segments whose
 * sequence and acknowledgement numbers follow each direction's byte count, so Wireshark reassembles the
 * stream without complaint. IPv4 only (the lab nodes are IPv4). Pure, no I/O.
 */
import { allocBytes, viewOf } from '../../stm/bin.js';
import { internetChecksum } from '../../stm/gre.js';
import { buildIpPackets, PACKET } from '../../stm/packet.js';

/** TCP header flags (RFC 9293 §3.1). */
export const TCP_FLAG = { fin: 0x01, syn: 0x02, psh: 0x08, ack: 0x10 } as const;

const OFF = {
  /** Byte offsets inside the IPv4 packet (20-byte header, no options). */
  src: 12,
  tcp: PACKET.ipv4Header,
  ack: PACKET.ipv4Header + 8,
  flags: PACKET.ipv4Header + 13,
  checksum: PACKET.ipv4Header + 16,
} as const;
const PSEUDO_HEADER = 12;

export interface TcpEndpoints {
  readonly client: string;
  readonly clientPort: number;
  readonly server: string;
  readonly serverPort: number;
}

/** Sets the ACK number and flags of a TCP/IPv4 packet built by `buildIpPackets`, fixing its checksum. */
function patch(packet: Uint8Array, ack: number, flags: number): Uint8Array {
  const v = viewOf(packet);
  v.setUint32(OFF.ack, ack >>> 0);
  packet[OFF.flags] = flags;
  v.setUint16(OFF.checksum, 0);
  const seg = packet.subarray(OFF.tcp);
  const pseudo = allocBytes(PSEUDO_HEADER + seg.length);
  const pv = viewOf(pseudo);
  pseudo.set(packet.subarray(OFF.src, OFF.src + 8), 0);
  pseudo[9] = PACKET.tcp;
  pv.setUint16(10, seg.length);
  pseudo.set(seg, PSEUDO_HEADER);
  v.setUint16(OFF.checksum, internetChecksum(pseudo));
  return packet;
}

export class TcpConnection {
  /** Next sequence number each side sends. */
  private clientSeq: number;
  private serverSeq: number;
  private opened = false;

  constructor(
    readonly ends: TcpEndpoints,
    clientIsn: number,
    serverIsn: number,
  ) {
    this.clientSeq = clientIsn >>> 0;
    this.serverSeq = serverIsn >>> 0;
  }

  /** The handshake packets the first time, then nothing. */
  open(): Uint8Array[] {
    if (this.opened) return [];
    this.opened = true;
    const syn = this.segment(true, new Uint8Array(0), TCP_FLAG.syn, 0);
    this.clientSeq = (this.clientSeq + 1) >>> 0;
    const synAck = this.segment(false, new Uint8Array(0), TCP_FLAG.syn | TCP_FLAG.ack, this.clientSeq);
    this.serverSeq = (this.serverSeq + 1) >>> 0;
    const ack = this.segment(true, new Uint8Array(0), TCP_FLAG.ack, this.serverSeq);
    return [syn, synAck, ack];
  }

  /** Data from the client (true) or the server, acknowledging everything the other side sent. */
  send(fromClient: boolean, payload: Uint8Array): Uint8Array[] {
    const out = [...this.open()];
    const ack = fromClient ? this.serverSeq : this.clientSeq;
    const seq = fromClient ? this.clientSeq : this.serverSeq;
    for (const p of this.packets(fromClient, payload, seq))
      out.push(patch(p, ack, TCP_FLAG.psh | TCP_FLAG.ack));
    if (fromClient) this.clientSeq = (this.clientSeq + payload.length) >>> 0;
    else this.serverSeq = (this.serverSeq + payload.length) >>> 0;
    return out;
  }

  private segment(fromClient: boolean, payload: Uint8Array, flags: number, ack: number): Uint8Array {
    const seq = fromClient ? this.clientSeq : this.serverSeq;
    return patch(this.packets(fromClient, payload, seq)[0]!, ack, flags);
  }

  private packets(fromClient: boolean, payload: Uint8Array, seq: number): Uint8Array[] {
    const e = this.ends;
    return buildIpPackets({
      ipProtocol: PACKET.tcp,
      srcAddress: fromClient ? e.client : e.server,
      dstAddress: fromClient ? e.server : e.client,
      srcPort: fromClient ? e.clientPort : e.serverPort,
      dstPort: fromClient ? e.serverPort : e.clientPort,
      payload,
      tcpSeq: seq,
    });
  }
}
