/**
 * STM codec benches: EEP encode and decode of the same SIP reports, ours against hep-js (the sipcapture
 * Node library, test-only). Targets (issue: STM codecs): encode >= 3x and decode >= 10x hep-js.
 */
import { createRequire } from 'node:module';
import { decodeEep, encodeEep, type EepMessage } from '../src/stm/eep.js';
import { interleavedRates, type Bench } from './harness.js';

interface HepJs {
  encapsulate(msg: string, rcinfo: Record<string, unknown>): Buffer;
  decapsulate(b: Buffer): unknown;
}
const hep = createRequire(import.meta.url)('hep-js') as HepJs;

function sipText(i: number, extraHeaders: number): string {
  const extra = Array.from({ length: extraHeaders }, (_, k) => `X-Bench-${k}: value-${i}-${k}\r\n`).join('');
  return (
    `INVITE sip:+4477009${String(i).padStart(5, '0')}@ims.example.net SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK${i}\r\nFrom: <sip:alice@example.net>;tag=${i}\r\n` +
    `To: <sip:bob@example.net>\r\nCall-ID: ${i}@example.net\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n` +
    `${extra}Content-Length: 0\r\n\r\n`
  );
}

/** Four SIP messages of about 300 B, 700 B, 1.2 kB and 2.5 kB, as the NE would report them. */
const texts = [0, 10, 25, 60].map((n, i) => sipText(i, n));
const XID = '8f1c5a4e-2b1d-4c3e-9f00-000000000001';

const ours: EepMessage[] = texts.map((t) => ({
  protocolId: 'HEP3',
  ipFamily: 2,
  ipProtocol: 17,
  srcAddress: '10.1.1.1',
  dstAddress: '10.2.2.2',
  srcPort: 5060,
  dstPort: 5060,
  timestampSec: 1_700_000_000,
  timestampUsec: 123_456,
  protocolType: 1,
  captureAgentId: 2001,
  nodeName: 'ne-1',
  correlationId: XID,
  payload: new TextEncoder().encode(t),
  otherChunks: [],
}));
const rcinfo = {
  protocolFamily: 2,
  protocol: 17,
  srcIp: '10.1.1.1',
  dstIp: '10.2.2.2',
  srcPort: 5060,
  dstPort: 5060,
  timeSeconds: 1_700_000_000,
  timeUseconds: 123_456,
  payloadType: 1,
  captureId: 2001,
  hepNodeName: 'ne-1',
  correlation_id: XID,
};

const benches: Bench[] = [
  {
    name: 'stm.eep',
    async run() {
      // Same chunks on both sides: check once that hep-js and we produce the same bytes.
      const encoded = ours.map((m) => encodeEep(m));
      texts.forEach((t, i) => {
        if (!hep.encapsulate(t, rcinfo).equals(encoded[i]!))
          throw new Error('hep-js and lix encode differently');
      });
      const buffers = encoded.map((b) => Buffer.from(b));
      let i = 0;
      const enc = await interleavedRates(
        () => hep.encapsulate(texts[i++ & 3]!, rcinfo),
        () => encodeEep(ours[i++ & 3]!),
      );
      const dec = await interleavedRates(
        () => hep.decapsulate(buffers[i++ & 3]!),
        () => decodeEep(buffers[i++ & 3]!),
      );
      const bytes = Math.round(encoded.reduce((n, b) => n + b.length, 0) / encoded.length);
      return [
        {
          bench: 'stm.eep.encode',
          value: enc.subject,
          unit: 'msg/s',
          baseline: 'hep-js.encode',
          baselineValue: enc.baseline,
          ratio: enc.subject / enc.baseline,
          target: '>=3',
          extra: { avgBytes: bytes },
        },
        {
          bench: 'stm.eep.decode',
          value: dec.subject,
          unit: 'msg/s',
          baseline: 'hep-js.decode',
          baselineValue: dec.baseline,
          ratio: dec.subject / dec.baseline,
          target: '>=10',
          extra: { avgBytes: bytes },
        },
      ];
    },
  },
];

export default benches;
