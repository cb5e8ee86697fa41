// tshark as the independent judge of lix's DTLS: it dissects a captured lix handshake and, given the NSS key
// log that only tests can ask for (DtlsConnectOptions.keylog), decrypts the records and finds the EEP
// messages and GRE packets intact. Capturing on lo needs root (as CI runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEep } from '../../src/stm/eep.js';
import { eepEncoder, grePcapngEncoder } from '../../src/stm/report-encode.js';
import { collectGre } from '../../src/stm/report-decode.js';
import { GRE_PROTOCOL } from '../../src/stm/gre.js';
import { dtlsConnect } from '../../src/transport/dtls/client.js';
import { DtlsServer } from '../../src/transport/dtls/server.js';
import { dtlsCredsOf } from '../support/dtls.js';
import { getTestPki } from '../support/pki.js';
import { sipReport } from '../support/stm-reports.js';
import { hasTool, skipUnless } from '../support/shared.js';

const skip = skipUnless(
  hasTool('tshark', ['-v']) && process.getuid?.() === 0,
  'tshark and root (capture on lo)',
);
const creds = dtlsCredsOf;

async function capture(file: string, port: number): Promise<() => Promise<void>> {
  const p = spawn('tshark', ['-i', 'lo', '-f', `udp port ${port}`, '-w', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const end = Date.now() + 10_000;
  while (!err.includes('Capturing on') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 1000)); // as in stm-transport-schemes: let the capture go live
  return async () => {
    await new Promise((r) => setTimeout(r, 300));
    p.kill('SIGINT');
    await new Promise((r) => p.once('exit', r));
  };
}

const XID = '8f1c5a4e-2b1d-4c3e-9f00-00000000beef';
/** A captured SIP report `i` (the same for both encodings). */
const report = (i: number, tag: string) =>
  sipReport(XID, i, `OPTIONS sip:x SIP/2.0\r\nCall-ID: ${i}@${tag}\r\n\r\n`);

/**
 * Sends `sent` (one turn of the event loop) from a lix DTLS client to a lix server while tshark captures on lo;
 * returns tshark's run over the capture (optionally with the key log) and the decrypted records, one per
 * application-data record, as tshark reads them.
 */
async function keylogSession(sent: readonly Buffer[]) {
  const pki = await getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'lix-dtls-keylog-'));
  const server = await DtlsServer.listen({ host: '127.0.0.1', port: 0, creds: creds(pki.tls('admf-1')) });
  const got: Buffer[] = [];
  server.on('data', (d) => got.push(d));
  const wire = join(dir, 'dtls.pcapng');
  const stop = await capture(wire, server.port);
  const lines: string[] = [];
  const client = dtlsConnect({
    host: '127.0.0.1',
    port: server.port,
    creds: creds(pki.tls('ne-1')),
    keylog: (l) => lines.push(l),
  });
  try {
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    for (const b of sent) client.send(b);
    const end = Date.now() + 5000;
    while (got.length < sent.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await stop();
    const keylog = join(dir, 'keylog.txt');
    writeFileSync(keylog, lines.join('\n') + '\n');
    const tshark = (withKeys: boolean, extra: string[] = []) =>
      execFileSync(
        'tshark',
        ['-r', wire, '-d', `udp.port==${server.port},dtls`]
          .concat(withKeys ? ['-o', `tls.keylog_file:${keylog}`] : [])
          .concat(extra),
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
    // tshark lists a datagram's records' data comma-separated on its line.
    const rows = tshark(true, ['-T', 'fields', '-e', 'data.data'])
      .split('\n')
      .filter((l) => l.trim() !== '');
    return {
      summary: tshark(false),
      decrypted: tshark(true),
      datagrams: rows.length,
      records: rows.flatMap((l) => l.split(',')).map((h) => Buffer.from(h.trim(), 'hex')),
    };
  } finally {
    client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tshark dissects a lix DTLS handshake and, with the test key log, finds the EEP messages', async (t) => {
  if (skip) return t.skip(skip);
  const encoder = eepEncoder('HEP3', 7, 16_000);
  const sent = [0, 1, 2].map((i) => Buffer.from(encoder.encode(report(i, 'keylog'), i)));
  const r = await keylogSession(sent);
  assert.match(r.summary, /Hello Verify Request/);
  assert.match(
    r.summary,
    /Server Hello, Certificate, Server Key Exchange, Certificate Request, Server Hello Done/,
  );
  assert.match(
    r.summary,
    /Certificate, Client Key Exchange, Certificate Verify, Change Cipher Spec, Encrypted Handshake/,
  );
  assert.doesNotMatch(r.summary, /Malformed/);
  // With the key log tshark decrypts both Finished messages (it checks their record MACs while doing so).
  assert.equal(r.decrypted.match(/Change Cipher Spec, Finished/g)?.length, 2);
  // The three records were sent in one turn of the event loop, so they share one datagram (RFC 6347 §4.1.1).
  assert.equal(r.datagrams, 1, 'one datagram carries the three records');
  const calls = r.records.map((b) => {
    const m = decodeEep(b);
    return /Call-ID: (\d+)@keylog/.exec(new TextDecoder().decode(m.payload))?.[1];
  });
  assert.deepEqual(calls, ['0', '1', '2']);
});

test('gre-pcapng over DTLS: with the key log tshark finds each GRE packet intact, one per record', async (t) => {
  if (skip) return t.skip(skip);
  const encoder = grePcapngEncoder(16_000);
  const sent = [0, 1, 2].map((i) => Buffer.from(encoder.encode(report(i, 'gre'), i)));
  const r = await keylogSession(sent);
  assert.deepEqual(r.records, sent, 'tshark decrypts three records, each one GRE packet as sent');
  for (const [i, rec] of r.records.entries()) {
    const collected = collectGre(rec, 'gre-pcapng+dtls', '127.0.0.1:1', GRE_PROTOCOL.pcapng);
    assert.equal(collected.packets.length, 1);
    assert.match(Buffer.from(collected.packets[0]!.data).toString('latin1'), new RegExp(`Call-ID: ${i}@gre`));
  }
});
