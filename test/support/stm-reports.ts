/** STM reports for tests: SIP between two documentation addresses, one per index, for one XID. */
import { EEP_PROTOCOL_TYPES, encodeEep } from '../../src/stm/eep.js';
import type { StmReport } from '../../src/stm/report.js';

export function sipReport(xid: string, i: number, text: string, ipProtocol: 6 | 17 = 17): StmReport {
  return {
    xid,
    neId: 'ne-1',
    timestampMicros: 1_700_000_000_000_000n + BigInt(i) * 1000n,
    ipVersion: 4,
    ipProtocol,
    srcAddress: '192.0.2.1',
    dstAddress: '192.0.2.2',
    srcPort: 5060,
    dstPort: 5060,
    protocolType: EEP_PROTOCOL_TYPES.sip,
    payload: new TextEncoder().encode(text),
  };
}

/** An encoded HEP3 message of `payloadBytes` bytes of "A" for `xid`, numbered `seq` (collector input). */
export function eepBytes(seq: number, xid: string, payloadBytes = 60): Uint8Array {
  return Uint8Array.from(
    encodeEep(
      {
        protocolId: 'HEP3',
        ipFamily: 2,
        ipProtocol: 17,
        srcAddress: '10.1.1.1',
        dstAddress: '10.2.2.2',
        srcPort: 5060,
        dstPort: 5060,
        timestampSec: 1_763_800_000,
        timestampUsec: seq,
        protocolType: 1,
        captureAgentId: 7,
        nodeName: 'ne-1',
        correlationId: xid,
        eventType: 'interception',
        sequence: seq,
        payload: new Uint8Array(payloadBytes).fill(0x41),
        otherChunks: [],
      },
      { compress: 'never' },
    ),
  );
}
