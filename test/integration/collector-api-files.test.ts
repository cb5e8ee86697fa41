// The collector API's index follows its files as the collector and retention change them: a block written
// halfway is served once whole, a rotated file joins the XID, a purged file leaves it (a cursor into it
// continues with the next file), a file replaced under the same name is indexed anew, and damage ends a
// file's index without hiding what came before. Files are written here block by block with the project's
// PCAPng encoder, SIP packets built by src/stm/packet.ts, and read through the real HTTP API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildCollectorApi } from '../../src/api/collector/app.js';
import { listenApi } from '../../src/api/app.js';
import { buildIpPacket } from '../../src/stm/packet.js';
import {
  encodeEnhancedPacket,
  encodeInterfaceDescription,
  encodeSectionHeader,
  LINKTYPE,
} from '../../src/stm/pcapng.js';
import { API_TOKEN, get } from '../support/collector-api.js';
import { uuid } from '../support/x1-builders.js';

let dir: string;
let app: FastifyInstance;
let url: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lix-capi-files-'));
  app = await buildCollectorApi({ outDir: dir, token: API_TOKEN });
  url = await listenApi(app, '127.0.0.1', 0);
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const head = () => Buffer.concat([encodeSectionHeader(), encodeInterfaceDescription(LINKTYPE.raw)]);

/** The EPB of SIP OPTIONS number `i` (CSeq i). */
function block(i: number): Buffer {
  const sip = `OPTIONS sip:bob@example.net SIP/2.0\r\nCall-ID: c-${i}\r\nCSeq: ${i} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  const data = buildIpPacket({
    ipProtocol: 17,
    srcAddress: '192.0.2.1',
    dstAddress: '192.0.2.2',
    srcPort: 5060,
    dstPort: 5060,
    payload: new TextEncoder().encode(sip),
  });
  return Buffer.from(
    encodeEnhancedPacket({
      interfaceId: 0,
      timestampMicros: 1_764_000_000_000_000n + BigInt(i) * 1000n,
      data,
    }),
  );
}

interface Page {
  messages: { id: string; callId?: string }[];
  next: string | null;
}

async function all(xid: string): Promise<string[]> {
  const out: string[] = [];
  let after: string | null = null;
  do {
    const r = await get(`${url}/api/xids/${xid}/messages?limit=3${after ? `&after=${after}` : ''}`);
    assert.equal(r.status, 200);
    const p = (await r.json()) as Page;
    out.push(...p.messages.map((m) => m.callId!));
    after = p.next;
  } while (after);
  return out;
}

test('a block written halfway is served once it is whole', async () => {
  const xid = uuid();
  const file = join(dir, `${xid}-1.pcapng`);
  writeFileSync(file, Buffer.concat([head(), block(1), block(2)]));
  assert.deepEqual(await all(xid), ['c-1', 'c-2']);
  const third = block(3);
  appendFileSync(file, third.subarray(0, 20));
  assert.deepEqual(await all(xid), ['c-1', 'c-2']);
  appendFileSync(file, third.subarray(20));
  assert.deepEqual(await all(xid), ['c-1', 'c-2', 'c-3']);
});

test('rotation adds a file; a purged file leaves, and a cursor into it continues with the next file', async () => {
  const xid = uuid();
  const files = [1, 2, 3].map((n) => join(dir, `${xid}-${n}.pcapng`));
  files.forEach((f, n) => writeFileSync(f, Buffer.concat([head(), block(n * 10 + 1), block(n * 10 + 2)])));
  assert.deepEqual(await all(xid), ['c-1', 'c-2', 'c-11', 'c-12', 'c-21', 'c-22']);
  const first = (await (await get(`${url}/api/xids/${xid}/messages?limit=1`)).json()) as Page;
  assert.equal(first.messages[0]!.callId, 'c-1');
  unlinkSync(files[0]!);
  const rest = (await (await get(`${url}/api/xids/${xid}/messages?after=${first.next}`)).json()) as Page;
  assert.deepEqual(
    rest.messages.map((m) => m.callId),
    ['c-11', 'c-12', 'c-21', 'c-22'],
  );
  const { xids } = (await (await get(`${url}/api/xids`)).json()) as {
    xids: { xid: string; files: number }[];
  };
  assert.equal(xids.find((x) => x.xid === xid)?.files, 2);
  assert.equal((await get(`${url}/api/xids/${xid}/messages/${first.messages[0]!.id}`)).status, 404);
  for (const f of files.slice(1)) unlinkSync(f);
  assert.equal((await get(`${url}/api/xids/${xid}/messages`)).status, 404);
});

test('a file replaced under the same name is indexed anew', async () => {
  const xid = uuid();
  const file = join(dir, `${xid}-1.pcapng`);
  writeFileSync(file, Buffer.concat([head(), block(1), block(2), block(3)]));
  assert.deepEqual(await all(xid), ['c-1', 'c-2', 'c-3']);
  unlinkSync(file);
  writeFileSync(file, Buffer.concat([head(), block(7), block(8), block(9), block(10)]));
  assert.deepEqual(await all(xid), ['c-7', 'c-8', 'c-9', 'c-10']);
});

test('damage ends the index of a file; what came before is served, the download stops there', async () => {
  const xid = uuid();
  const file = join(dir, `${xid}-1.pcapng`);
  const good = Buffer.concat([head(), block(1), block(2)]);
  const bad = Buffer.alloc(64, 0xff);
  writeFileSync(file, Buffer.concat([good, bad, block(3)]));
  assert.deepEqual(await all(xid), ['c-1', 'c-2']);
  const dl = Buffer.from(await (await get(`${url}/api/xids/${xid}/pcapng`)).arrayBuffer());
  assert.ok(dl.equals(good));
  // Not a PCAPng file at all: nothing is listed, nothing crashes.
  const junk = uuid();
  writeFileSync(join(dir, `${junk}-1.pcapng`), 'GET / HTTP/1.1\r\n\r\n'.repeat(10));
  assert.deepEqual(await all(junk), []);
});

test('requests at the same time index a new file once', async () => {
  const xid = uuid();
  const n = 20_000;
  const blocks = Array.from({ length: n }, (_, i) => block(i));
  writeFileSync(join(dir, `${xid}-1.pcapng`), Buffer.concat([head(), ...blocks]));
  const count = () =>
    get(`${url}/api/xids/${xid}/messages?limit=1`)
      .then(() => get(`${url}/api/xids`))
      .then((r) => r.json() as Promise<{ xids: { xid: string; messages: number }[] }>);
  // The first request starts indexing (several slices); the others come while it reads.
  const first = count();
  const others: ReturnType<typeof count>[] = [];
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 3));
    others.push(count());
  }
  for (const a of await Promise.all([first, ...others]))
    assert.equal(a.xids.find((x) => x.xid === xid)?.messages, n);
});
