/**
 * Report → bytes for each STM encoding: an EEP message (gzip payload when that makes it fit), or a GRE header
 * (RFC 2784, protocol type 0x88B5) + self-contained SHB/IDB/EPB PCAPng (DESIGN.md "STM reports").
 */
import { LixError } from '../lib/errors.js';
import { encodeEep, EepTooLargeError, type EepProtocolId } from './eep.js';
import { encodeGre, GRE_PROTOCOL } from './gre.js';
import { maxPayload } from './packet.js';
import { TcpSequencer } from './tcp-sequencer.js';
import { encodeStmPcapng, LINKTYPE } from './pcapng.js';
import { EepReportTemplates } from './eep-template.js';
import { reportPacket, reportToEep, type StmReport } from './report.js';

/** A report too large for its encoding; carries the sizes for the `tooLarge` event. */
export class StmTooLargeError extends LixError<'too-large'> {
  constructor(
    readonly size: number,
    readonly maxSize: number,
  ) {
    super('too-large', `report of ${size} bytes exceeds the limit of ${maxSize}`);
  }
}

export interface ReportEncoder {
  /** Bytes of the report; throws {@link StmTooLargeError} when it cannot fit, other errors for bad fields. */
  encode(r: StmReport, sequence: number): Uint8Array;
}

/**
 * EEP: the report's fields as chunks (see `reportToEep`). Common reports take the template fast path
 * ({@link EepReportTemplates}, byte-identical); the rest (gzip, bad fields) the generic `encodeEep`.
 */
export function eepEncoder(
  protocolId: EepProtocolId,
  captureAgentId: number,
  maxSize: number,
): ReportEncoder {
  const fast = new EepReportTemplates(protocolId, captureAgentId, maxSize);
  return {
    encode(r, sequence) {
      return fast.encode(r, sequence) ?? genericEep(r, sequence, protocolId, captureAgentId, maxSize);
    },
  };
}

/** The generic path: `encodeEep` of the report's EEP message, with a too-large error made a report error. */
export function genericEep(
  r: StmReport,
  sequence: number,
  protocolId: EepProtocolId,
  captureAgentId: number,
  maxSize: number,
): Uint8Array {
  try {
    return encodeEep(reportToEep(r, sequence, protocolId, captureAgentId), { maxSize });
  } catch (e) {
    if (e instanceof EepTooLargeError) throw new StmTooLargeError(e.compressedSize ?? e.size, maxSize);
    throw e;
  }
}

/** GRE-PCAPng: the report's IP packet (captured or synthesised) as raw IP, with the XID and NE as comments. */
export function grePcapngEncoder(maxSize: number, protocolType: number = GRE_PROTOCOL.pcapng): ReportEncoder {
  const seq = new TcpSequencer();
  return {
    encode(r) {
      if (r.ipPacket === undefined && r.payload.length > maxPayload(r.srcAddress, r.ipProtocol))
        throw new StmTooLargeError(r.payload.length, maxSize);
      const packet = reportPacket(r, seq);
      const png = encodeStmPcapng({
        linkType: LINKTYPE.raw,
        timestampMicros: r.timestampMicros,
        packet,
        xid: r.xid,
        neId: r.neId,
        liid: r.liid,
      });
      const out = encodeGre(protocolType, png);
      if (out.length > maxSize) throw new StmTooLargeError(out.length, maxSize);
      return out;
    },
  };
}
