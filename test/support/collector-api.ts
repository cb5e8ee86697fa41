/**
 * A collector with its HTTP API on loopback for tests, fed real STM reports over EEP/UDP: SIP calls (INVITE,
 * 100, 200, ACK, BYE, 200 per Call-ID), Diameter Update-Location requests over TCP and GTPv2-C Create Session
 * Requests, each with known identities.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildCollectorApi } from '../../src/api/collector/app.js';
import { listenApi } from '../../src/api/app.js';
import { startCollector, type Collector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';
import { EEP_PROTOCOL_TYPES } from '../../src/stm/eep.js';
import type { StmReport } from '../../src/stm/report.js';
import { createStmSender, type StmSender } from '../../src/transport/stm-sender.js';
import { until } from './admf-helpers.js';

export const API_TOKEN = 'collector-api-test-token-0123456789';
export const T0 = 1_764_000_000_000_000n;
const enc = new TextEncoder();

/** A Diameter AVP (RFC 6733 §4.1), vendor-specific when `vendor` is given. */
export function avp(code: number, data: Uint8Array, vendor?: number): Uint8Array {
  const head = vendor === undefined ? 8 : 12;
  const len = head + data.length;
  const out = new Uint8Array(len + ((4 - (len % 4)) % 4));
  const v = new DataView(out.buffer);
  v.setUint32(0, code);
  v.setUint32(4, len);
  out[4] = vendor === undefined ? 0x40 : 0xc0;
  if (vendor !== undefined) v.setUint32(8, vendor);
  out.set(data, head);
  return out;
}

/** A Diameter message with `avps` (RFC 6733 §3). */
export function diameterMessage(
  command: number,
  request: boolean,
  app: number,
  avps: Uint8Array[],
): Uint8Array {
  const body = avps.reduce((n, a) => n + a.length, 0);
  const out = new Uint8Array(20 + body);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length);
  out[0] = 1;
  v.setUint32(4, command);
  out[4] = request ? 0xc0 : 0x40;
  v.setUint32(8, app);
  v.setUint32(12, 0x1234);
  v.setUint32(16, 0x5678);
  let o = 20;
  for (const a of avps) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** TBCD digits (TS 29.002 §17.7.8). */
export function tbcd(digits: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(digits.length / 2));
  for (let i = 0; i < digits.length; i += 2)
    out[i / 2] = Number(digits[i]) | ((i + 1 < digits.length ? Number(digits[i + 1]) : 0xf) << 4);
  return out;
}

/** A GTPv2-C message with TEID and the given IEs `[type, value]` (TS 29.274 §5.5.1, §8.2). */
export function gtpv2Message(
  type: number,
  teid: number,
  seq: number,
  ies: [number, Uint8Array][],
): Uint8Array {
  const body = ies.reduce((n, [, v]) => n + 4 + v.length, 0);
  const out = new Uint8Array(12 + body);
  const v = new DataView(out.buffer);
  out[0] = 0x48;
  out[1] = type;
  v.setUint16(2, out.length - 4);
  v.setUint32(4, teid);
  v.setUint32(8, seq << 8);
  let o = 12;
  for (const [t, val] of ies) {
    out[o] = t;
    v.setUint16(o + 1, val.length);
    out.set(val, o + 4);
    o += 4 + val.length;
  }
  return out;
}

export const IMSI = '001010123456789';
export const MSISDN = '4915112345678';

/** The reports of the test capture for `xid`: `calls` SIP calls of 6 messages, then one ULR and one CSR. */
export function captureReports(xid: string, calls: number): StmReport[] {
  const out: StmReport[] = [];
  let t = T0;
  const base = { xid, neId: 'ne-1', ipVersion: 4 as const };
  const sip = (text: string, fromA: boolean): StmReport => ({
    ...base,
    timestampMicros: (t += 1000n),
    ipProtocol: 17,
    srcAddress: fromA ? '192.0.2.10' : '192.0.2.20',
    dstAddress: fromA ? '192.0.2.20' : '192.0.2.10',
    srcPort: 5060,
    dstPort: 5060,
    protocolType: EEP_PROTOCOL_TYPES.sip,
    payload: enc.encode(text),
  });
  for (let k = 0; k < calls; k++) {
    const h = (cseq: string) =>
      `Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK${k}\r\nFrom: <sip:alice@example.net>;tag=a${k}\r\n` +
      `To: <sip:bob@example.net>\r\nCall-ID: call-${k}@example.net\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
    out.push(
      sip(`INVITE sip:bob@example.net SIP/2.0\r\n${h('1 INVITE')}`, true),
      sip(`SIP/2.0 100 Trying\r\n${h('1 INVITE')}`, false),
      sip(`SIP/2.0 200 OK\r\n${h('1 INVITE')}`, false),
      sip(`ACK sip:bob@example.net SIP/2.0\r\n${h('1 ACK')}`, true),
      sip(`BYE sip:bob@example.net SIP/2.0\r\n${h('2 BYE')}`, true),
      sip(`SIP/2.0 200 OK\r\n${h('2 BYE')}`, false),
    );
  }
  out.push({
    ...base,
    timestampMicros: (t += 1000n),
    ipProtocol: 6,
    srcAddress: '198.51.100.1',
    dstAddress: '198.51.100.2',
    srcPort: 40000,
    dstPort: 3868,
    protocolType: EEP_PROTOCOL_TYPES.diameter,
    payload: diameterMessage(316, true, 16777251, [
      avp(263, enc.encode('mme.example;1;42')),
      avp(1, enc.encode(IMSI)),
      avp(701, tbcd(MSISDN), 10415),
    ]),
  });
  out.push({
    ...base,
    timestampMicros: (t += 1000n),
    ipProtocol: 17,
    srcAddress: '198.51.100.3',
    dstAddress: '198.51.100.4',
    srcPort: 2123,
    dstPort: 2123,
    protocolType: EEP_PROTOCOL_TYPES.gtpv2c,
    payload: gtpv2Message(32, 0, 7, [
      [1, tbcd(IMSI)],
      [76, tbcd(MSISDN)],
      // Sender F-TEID for Control Plane: IPv4, interface type 10 (S11 MME), TEID 0x1006, 198.51.100.3.
      [87, Uint8Array.of(0x8a, 0, 0, 0x10, 0x06, 198, 51, 100, 3)],
    ]),
  });
  return out;
}

export interface CollectorWithApi {
  readonly collector: Collector;
  readonly app: FastifyInstance;
  /** Base URL of the API. */
  readonly url: string;
  readonly out: string;
  readonly sender: StmSender;
  /** Sends reports and waits until the collector decoded and wrote them. */
  send(reports: readonly StmReport[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts a collector (EEP/UDP on loopback) writing to a temp dir, with its API on a free loopback port. */
export async function collectorWithApi(o: { rotateBytes?: number } = {}): Promise<CollectorWithApi> {
  const out = mkdtempSync(join(tmpdir(), 'lix-capi-'));
  const collector = await startCollector({
    listen: ['eep+udp://127.0.0.1:0'],
    outDir: out,
    logger: silentLogger,
    retention: false,
    ...(o.rotateBytes !== undefined && { rotate: { maxBytes: o.rotateBytes } }),
  });
  const app = await buildCollectorApi({ outDir: out, token: API_TOKEN, pollMs: 50 });
  const url = await listenApi(app, '127.0.0.1', 0);
  const sender = createStmSender(collector.listeners[0]!.text, { logger: silentLogger });
  let sent = 0;
  return {
    collector,
    app,
    url,
    out,
    sender,
    async send(reports) {
      for (const r of reports) {
        sender.send(r);
        sent++;
        // Paced: a loopback UDP burst beyond the socket buffer would drop reports.
        if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await until(
        'the collector decoded every report',
        () => collector.stats().totals.decoded >= sent,
        10_000,
      );
      collector.flush();
    },
    async close() {
      await sender.close();
      await app.close();
      await collector.stop();
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** GET with the token (or `token`, or none when null). */
export function get(
  url: string,
  token: string | null = API_TOKEN,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { ...(token !== null && { authorization: `Bearer ${token}` }), ...(init.headers as object) },
  });
}
