/**
 * STM reports inside a capture file: EEP messages carried by UDP datagrams or TCP streams (de-framed per
 * flow), and GRE-PCAPng datagrams to the GRE-in-UDP port. Used by `lix stm decode --pcap`.
 */
import { EepDeframer, protocolIdAt } from '../stm/eep.js';
import { GRE_UDP_PORT } from '../stm/gre.js';
import { ipOfFrame, PACKET, parseIpPacket, type ParsedPacket } from '../stm/packet.js';
import { readPackets } from '../stm/pcapng.js';
import { collectEep, collectGre, type CollectedReport } from '../stm/report-decode.js';
import { TcpSequencer } from '../stm/tcp-sequencer.js';

export interface FoundReports {
  readonly reports: CollectedReport[];
  /** EEP or GRE-PCAPng payloads (or stream runs) that did not decode. */
  malformed: number;
  /** Packets read from the capture. */
  packets: number;
  /** Why the capture could not be read to its end, if it could not. */
  error?: string;
}

const SCAN_LISTENER = 'capture';

function parse(linkType: number, frame: Uint8Array): ParsedPacket | undefined {
  const ip = ipOfFrame(linkType, frame);
  if (!ip) return undefined;
  try {
    return parseIpPacket(ip);
  } catch {
    return undefined;
  }
}

/** Every STM report of a pcap or pcapng capture, in capture order. */
export function findReports(capture: Uint8Array, grePort: number = GRE_UDP_PORT): FoundReports {
  const found: FoundReports = { reports: [], malformed: 0, packets: 0 };
  const flows = new Map<string, EepDeframer>();
  const tcpSeq = new TcpSequencer();
  const take = (fn: () => CollectedReport) => {
    try {
      found.reports.push(fn());
    } catch {
      found.malformed++;
    }
  };
  const stream = (d: EepDeframer, data: Uint8Array, remote: string, ts: bigint, end = false) => {
    for (const x of end ? d.flush() : d.push(data)) {
      if (x.ok) take(() => collectEep(x.frame, SCAN_LISTENER, remote, ts, tcpSeq));
      else found.malformed++;
    }
  };
  try {
    for (const p of readPackets(capture)) {
      found.packets++;
      const pkt = parse(p.linkType, p.data);
      if (!pkt || pkt.fragment || pkt.payload.length === 0) continue;
      const remote = `${pkt.srcAddress}:${pkt.srcPort}`;
      const ts = p.timestampMicros;
      if (pkt.ipProtocol === PACKET.udp) {
        if (protocolIdAt(pkt.payload, 0))
          take(() => collectEep(pkt.payload, SCAN_LISTENER, remote, ts, tcpSeq));
        else if (pkt.dstPort === grePort) take(() => collectGre(pkt.payload, SCAN_LISTENER, remote));
      } else if (pkt.ipProtocol === PACKET.tcp) {
        const key = `${remote}>${pkt.dstAddress}:${pkt.dstPort}`;
        let d = flows.get(key);
        if (!d && protocolIdAt(pkt.payload, 0)) flows.set(key, (d = new EepDeframer()));
        if (d) stream(d, pkt.payload, remote, ts);
      }
    }
  } catch (e) {
    found.error = e instanceof Error ? e.message : String(e);
  }
  for (const [key, d] of flows) stream(d, new Uint8Array(0), key, 0n, true);
  return found;
}
