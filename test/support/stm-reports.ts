/** STM reports for tests: SIP between two documentation addresses, one per index, for one XID. */
import { EEP_PROTOCOL_TYPES } from '../../src/stm/eep.js';
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
