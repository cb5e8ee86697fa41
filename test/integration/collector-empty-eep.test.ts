// An EEP message without a payload (a header alone, or address chunks and no payload chunk) is malformed
// input: the collector writes nothing for it (it used to write a bogus 0.0.0.0 → 0.0.0.0 packet) and counts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../src/collector/collector.js';
import { silentLogger } from '../../src/lib/logger.js';

/** A HEP3 message by hand: "HEP3", total length, then chunks (vendor 0, type, length, value). */
function hep3(chunks: readonly [type: number, value: readonly number[]][]): Buffer {
  const body = chunks.map(([type, value]) => {
    const c = Buffer.alloc(6 + value.length);
    c.writeUInt16BE(0, 0);
    c.writeUInt16BE(type, 2);
    c.writeUInt16BE(6 + value.length, 4);
    Buffer.from(value).copy(c, 6);
    return c;
  });
  const total = 6 + body.reduce((n, c) => n + c.length, 0);
  const head = Buffer.from([0x48, 0x45, 0x50, 0x33, total >> 8, total & 0xff]);
  return Buffer.concat([head, ...body]);
}

const u16 = (n: number) => [n >> 8, n & 0xff];
/** Family IPv4, protocol UDP, 10.1.1.1:5060 → 10.2.2.2:5060. */
const ADDRESSES: [number, number[]][] = [
  [0x01, [2]],
  [0x02, [17]],
  [0x03, [10, 1, 1, 1]],
  [0x04, [10, 2, 2, 2]],
  [0x07, u16(5060)],
  [0x08, u16(5060)],
];

async function udpSend(port: number, datagrams: readonly Uint8Array[]): Promise<void> {
  const s = createSocket('udp4');
  for (const d of datagrams) await new Promise<void>((r) => s.send(d, port, '127.0.0.1', () => r()));
  await new Promise<void>((r) => s.close(() => r()));
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 500) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('an EEP message without a payload is counted as malformed and nothing is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-collector-empty-'));
  const out = join(dir, 'captures');
  const c = await startCollector({ listen: ['eep+udp://127.0.0.1:0'], outDir: out, logger: silentLogger });
  try {
    const port = c.listeners[0]!.port;
    const headerOnly = hep3([]);
    assert.equal(headerOnly.length, 6);
    await udpSend(port, [headerOnly]);
    await until(() => c.stats().totals.received === 1, 'the header-only message');
    c.flush();
    let t = c.stats().totals;
    assert.deepEqual([t.malformed, t.decoded, t.written], [1, 0, 0]);
    assert.equal(c.stats().sources[0]?.malformed, 1, 'counted for its source');

    await udpSend(port, [hep3(ADDRESSES), hep3([...ADDRESSES, [0x0f, []]])]);
    await until(() => c.stats().totals.received === 3, 'no payload chunk; an empty one');
    c.flush();
    t = c.stats().totals;
    assert.deepEqual([t.malformed, t.decoded, t.written], [3, 0, 0]);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'no file was written');

    // The same addresses with a payload are a report, written as one packet.
    await udpSend(port, [hep3([...ADDRESSES, [0x0f, [...Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n')]]])]);
    await until(() => c.stats().totals.received === 4, 'the report with a payload');
    c.flush();
    t = c.stats().totals;
    assert.deepEqual([t.malformed, t.decoded, t.written], [3, 1, 1]);
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
