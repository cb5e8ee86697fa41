// sngrep as an independent HEP receiver: it listens for our HEP3 over UDP (-L) and writes what it decoded to
// a pcap (-O); tshark then finds every SIP message we sent, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/logger.js';
import { EEP_PROTOCOL_TYPES } from '../../src/stm/eep.js';
import { createStmSender } from '../../src/transport/stm-sender.js';
import { hasTool, skipUnless } from '../support/shared.js';

const skip = skipUnless(hasTool('sngrep', ['-V']) && hasTool('tshark', ['-v']), 'sngrep and tshark');
const dir = mkdtempSync(join(tmpdir(), 'lix-sngrep-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const sip = (method: string, n: number) =>
  new TextEncoder().encode(
    `${method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK${n}\r\n` +
      `From: <sip:alice@example.com>;tag=a${n}\r\nTo: <sip:bob@example.com>\r\nCall-ID: call-${n}@example.com\r\n` +
      `CSeq: 1 ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );

test('sngrep receives our HEP3 and writes the SIP messages we sent', async (t) => {
  if (skip) return t.skip(skip);
  const port = await freeUdpPort();
  const out = join(dir, 'sngrep.pcap');
  const p = spawn('sngrep', ['-N', '-q', '-F', '-L', `udp:127.0.0.1:${port}`, '-O', out], {
    stdio: 'ignore',
  });
  try {
    await new Promise((r) => setTimeout(r, 800));
    const sender = createStmSender(`eep+udp://127.0.0.1:${port}`, { logger: silentLogger });
    const methods = ['INVITE', 'OPTIONS', 'REGISTER', 'MESSAGE'];
    methods.forEach((m, i) =>
      sender.send({
        xid: '8f1c5a4e-2b1d-4c3e-9f00-00000000abcd',
        neId: 'ne-1',
        timestampMicros: 1_763_800_000_000_000n + BigInt(i * 1000),
        ipVersion: 4,
        ipProtocol: 17,
        srcAddress: '10.1.1.1',
        dstAddress: '10.2.2.2',
        srcPort: 5060,
        dstPort: 5060,
        protocolType: EEP_PROTOCOL_TYPES.sip,
        payload: sip(m, i),
      }),
    );
    await sender.close();
    assert.equal(sender.counters.sent, methods.length);
    await new Promise((r) => setTimeout(r, 800));
  } finally {
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  }
  assert.ok(existsSync(out) && statSync(out).size > 0, 'sngrep wrote a capture');
  const seen = execFileSync(
    'tshark',
    ['-r', out, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Method', '-e', 'ip.src'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
    .split('\n')
    .filter(Boolean);
  assert.deepEqual(seen, [
    'INVITE\t10.1.1.1',
    'OPTIONS\t10.1.1.1',
    'REGISTER\t10.1.1.1',
    'MESSAGE\t10.1.1.1',
  ]);
});
