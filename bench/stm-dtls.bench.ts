/**
 * `stm.dtls` (issue #16): the `eep+dtls` and `gre-pcapng+dtls` senders (encode + AES-GCM records packed to the
 * path MTU + send) against the plain `eep+udp` / `gre-pcapng+udp` senders in the same run, all sending the same
 * report to loopback (the DTLS receiver in another process; target ratio ≥ 0.5), and the time of
 * one DTLS handshake with mutual authentication (lix client ↔ lix server, lab PKI, loopback).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { silentLogger } from '../src/lib/logger.js';
import { EEP_PROTOCOL_TYPES } from '../src/stm/eep.js';
import type { StmReport } from '../src/stm/report.js';
import { dtlsConnect } from '../src/transport/dtls/client.js';
import { DtlsServer } from '../src/transport/dtls/server.js';
import { createStmSender } from '../src/transport/stm-sender.js';
import type { TlsConfig } from '../src/transport/tls-options.js';
import { dtlsCredsOf } from '../test/support/dtls.js';
import { getTestPki } from '../test/support/pki.js';
import { pairedRates, type Bench, type BenchResult } from './harness.js';

const REPORT: StmReport = {
  xid: '8f1c5a4e-2b1d-4c3e-9f00-000000000001',
  neId: 'ne-1',
  timestampMicros: 1_763_800_000_000_000n,
  ipVersion: 4,
  ipProtocol: 17,
  srcAddress: '10.1.1.1',
  dstAddress: '10.2.2.2',
  srcPort: 5060,
  dstPort: 5060,
  protocolType: EEP_PROTOCOL_TYPES.sip,
  payload: new TextEncoder().encode(
    'INVITE sip:+447700900123@ims.example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK1\r\n' +
      'From: <sip:alice@example.net>;tag=1\r\nTo: <sip:bob@example.net>\r\nCall-ID: 1@example.net\r\n' +
      'CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:alice@10.1.1.1>\r\nContent-Length: 0\r\n\r\n',
  ),
};

const creds = dtlsCredsOf;

async function handshakeMs(server: DtlsServer, t: TlsConfig, n: number): Promise<number> {
  const c = creds(t);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const client = dtlsConnect({ host: '127.0.0.1', port: server.port, creds: c });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('close', (reason) => reject(new Error(reason)));
    });
    client.close();
  }
  return (performance.now() - start) / n;
}

/** The DTLS server in a child process (bench/support/dtls-receiver.ts); resolves with its port. */
async function receiver(t: TlsConfig): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(join(import.meta.dirname, 'support', 'dtls-receiver.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LIX_DTLS_TLS: JSON.stringify(t) },
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`DTLS receiver exited (${code})`)));
  });
  return { port, child };
}

/** One encoding over DTLS against the same encoding over plain UDP, per-round ratios (pairedRates). */
async function sendRatio(
  encoding: 'eep' | 'gre-pcapng',
  dtlsPort: number,
  rxPort: number,
  tls: TlsConfig,
): Promise<BenchResult> {
  const udp = createStmSender(`${encoding}+udp://127.0.0.1:${rxPort}`, { logger: silentLogger });
  const dtls = createStmSender(`${encoding}+dtls://127.0.0.1:${dtlsPort}`, { logger: silentLogger, tls });
  try {
    dtls.send(REPORT);
    if (!(await dtls.drain!(10_000))) throw new Error(`${encoding}+dtls sender did not connect`);
    const r = await pairedRates(
      () => udp.send(REPORT),
      () => dtls.send(REPORT),
    );
    return {
      bench: encoding === 'eep' ? 'stm.dtls.send' : 'stm.dtls.send.gre',
      value: r.subject,
      unit: 'msg/s',
      baseline: `${encoding}+udp sender`,
      baselineValue: r.baseline,
      ratio: r.ratio,
      target: '>=0.5',
    };
  } finally {
    await dtls.close();
    await udp.close();
  }
}

async function dtlsSend(): Promise<readonly BenchResult[]> {
  const pki = await getTestPki();
  const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, creds: creds(pki.tls('admf-1')) });
  const remote = await receiver(pki.tls('admf-1'));
  const rx = createSocket('udp4');
  rx.on('message', () => undefined);
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  try {
    const eep = await sendRatio('eep', remote.port, rx.address().port, pki.tls('ne-1'));
    const gre = await sendRatio('gre-pcapng', remote.port, rx.address().port, pki.tls('ne-1'));
    const hs = await handshakeMs(server, pki.tls('ne-1'), 20);
    return [eep, gre, { bench: 'stm.dtls.handshake', value: hs, unit: 'ms', extra: { handshakes: 20 } }];
  } finally {
    rx.close();
    await server.close();
    remote.child.disconnect();
  }
}

const benches: Bench[] = [{ name: 'stm.dtls', run: dtlsSend }];
export default benches;
