/**
 * The collector's HTTP API on a large capture (issue #15): one XID of 1,000,000 SIP messages in one file,
 * generated once into a temp dir. Pages of 1,000 messages (`GET /api/xids/{xid}/messages?limit=1000&after=`)
 * at cursors spread over the file, over a real loopback socket, against reading the same bytes raw from the
 * file in the same run. Also: the first request (which indexes the whole file once), a page filtered by a
 * Call-ID near the end, and the index's memory.
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCollectorApi } from '../src/api/collector/app.js';
import { listenApi } from '../src/api/app.js';
import { buildIpPacket } from '../src/stm/packet.js';
import {
  encodeEnhancedPacket,
  encodeInterfaceDescription,
  encodeSectionHeader,
  LINKTYPE,
} from '../src/stm/pcapng.js';
import type { Bench, BenchResult } from './harness.js';

const MESSAGES = 1_000_000;
const PAGE = 1000;
const ROUNDS = 20;
const XID = '6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
const TOKEN = 'bench-collector-api-token-0123456789';
const CALL_DIGITS = 7;

/** One EPB per message; every 6 messages share a Call-ID (`call-NNNNNNN`), patched into a template. */
async function generate(path: string): Promise<{ head: number; block: number }> {
  const text =
    'INVITE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n' +
    'From: <sip:alice@example.net>;tag=1\r\nTo: <sip:bob@example.net>\r\n' +
    `Call-ID: call-${'0'.repeat(CALL_DIGITS)}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
  const ip = buildIpPacket({
    ipProtocol: 17,
    srcAddress: '192.0.2.10',
    dstAddress: '192.0.2.20',
    srcPort: 5060,
    dstPort: 5060,
    payload: new TextEncoder().encode(text),
  });
  const template = encodeEnhancedPacket({ interfaceId: 0, timestampMicros: 0n, data: ip });
  const dataAt = 28;
  ip.fill(0, 26, 28); // UDP checksum 0 (none, RFC 768): the patched Call-ID keeps the packet valid.
  template.set(ip, dataAt);
  const callAt = dataAt + 28 + text.indexOf('call-') + 5;
  const head = Buffer.concat([
    encodeSectionHeader({ shbUserAppl: 'lix bench' }),
    encodeInterfaceDescription(LINKTYPE.raw),
  ]);
  const fh = await open(path, 'w');
  try {
    await fh.write(head);
    const perChunk = 8192;
    const chunk = Buffer.alloc(perChunk * template.length);
    for (let base = 0; base < MESSAGES; base += perChunk) {
      const n = Math.min(perChunk, MESSAGES - base);
      for (let i = 0; i < n; i++) {
        const k = base + i;
        const o = i * template.length;
        chunk.set(template, o);
        const ts = 1_764_000_000_000_000n + BigInt(k) * 1000n;
        chunk.writeUInt32LE(Number(ts >> 32n), o + 12);
        chunk.writeUInt32LE(Number(ts & 0xffffffffn), o + 16);
        chunk.write(String(Math.floor(k / 6)).padStart(CALL_DIGITS, '0'), o + callAt, 'latin1');
      }
      await fh.write(chunk.subarray(0, n * template.length));
    }
  } finally {
    await fh.close();
  }
  return { head: head.length, block: template.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function pages(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lix-bench-capi-'));
  const path = join(dir, `${XID}-1.pcapng`);
  const app = await buildCollectorApi({ outDir: dir, token: TOKEN });
  try {
    const genStart = performance.now();
    const { head, block } = await generate(path);
    const genMs = performance.now() - genStart;
    const url = await listenApi(app, '127.0.0.1', 0);
    const get = async (p: string) => {
      const r = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`);
      return (await r.json()) as { messages: unknown[]; xids: { messages: number }[] };
    };
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const indexStart = performance.now();
    const list = await get('/api/xids');
    const indexMs = performance.now() - indexStart;
    globalThis.gc?.();
    const indexMiB =
      (process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore) / 2 ** 20;
    if (list.xids[0]?.messages !== MESSAGES) throw new Error(`indexed ${list.xids[0]?.messages} messages`);
    const fh = await open(path, 'r');
    const pageMs: number[] = [];
    const rawMs: number[] = [];
    try {
      for (let round = 0; round < ROUNDS + 3; round++) {
        // Spread over the file, the last page included.
        const k = Math.floor(((round % ROUNDS) / (ROUNDS - 1)) * (MESSAGES - PAGE - 1));
        const after = `1-${head + k * block}`;
        let t = performance.now();
        const page = await get(`/api/xids/${XID}/messages?limit=${PAGE}&after=${after}`);
        const p = performance.now() - t;
        if (page.messages.length !== PAGE) throw new Error(`page of ${page.messages.length}`);
        const buf = Buffer.alloc(PAGE * block);
        t = performance.now();
        await fh.read(buf, 0, buf.length, head + (k + 1) * block);
        const raw = performance.now() - t;
        if (round >= 3) {
          pageMs.push(p);
          rawMs.push(raw);
        }
      }
      const t = performance.now();
      const byCall = await get(
        `/api/xids/${XID}/messages?callId=call-${String(Math.floor((MESSAGES - 10) / 6)).padStart(CALL_DIGITS, '0')}`,
      );
      const callMs = performance.now() - t;
      if (byCall.messages.length === 0) throw new Error('no message of the Call-ID');
      const value = median(pageMs);
      const base = median(rawMs);
      return [
        {
          bench: 'collector.api.page',
          value,
          unit: 'ms/page',
          baseline: `raw read of the same ${PAGE} blocks from the file`,
          baselineValue: base,
          ratio: value / base,
          target: '<100 ms',
          extra: {
            messages: MESSAGES,
            pageMessages: PAGE,
            maxPageMs: Number(Math.max(...pageMs).toFixed(1)),
            fileMiB: Number(((head + MESSAGES * block) / 2 ** 20).toFixed(0)),
          },
        },
        {
          bench: 'collector.api.index',
          value: indexMs,
          unit: 'ms',
          extra: {
            generateMs: Number(genMs.toFixed(0)),
            indexMiB: Number(indexMiB.toFixed(1)),
            callIdPageMs: Number(callMs.toFixed(1)),
          },
        },
      ];
    } finally {
      await fh.close();
    }
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const benches: Bench[] = [{ name: 'collector.api', run: pages }];
export default benches;
