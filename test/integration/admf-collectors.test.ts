// The ADMF's view of its collectors: a real collector with its HTTP API on loopback, fed real STM reports,
// named in the ADMF's API; the ADMF lists it with reachability, forwards pages, messages, the event stream and
// the PCAPng download with the collector's token (same answers as the collector's own), lets every role read,
// and answers 404 for an unknown collector and 502 with a reason for one that is down or refuses its token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { memoryAdmf, type MemoryAdmf } from '../support/admf-memory.js';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { hasTool, skipUnless } from '../support/shared.js';
import { until } from '../support/admf-helpers.js';
import { uuid } from '../support/x1-builders.js';
import {
  API_TOKEN,
  captureReports,
  collectorWithApi,
  get,
  type CollectorWithApi,
} from '../support/collector-api.js';

let c: CollectorWithApi;
let m: MemoryAdmf;
let admfUrl: string;
const xid = uuid();

before(async () => {
  c = await collectorWithApi();
  await c.send(captureReports(xid, 10));
  m = await memoryAdmf({
    collectors: [
      { name: 'lab', url: c.url, token: API_TOKEN },
      { name: 'down', url: 'http://127.0.0.1:1', token: API_TOKEN },
      { name: 'stale', url: c.url, token: 'a-token-the-collector-does-not-know' },
    ],
  });
  await m.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = m.app.server.address();
  admfUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
after(async () => {
  await m.close();
  await c.close();
});

const viaAdmf = (path: string, token: string | null = TEST_API_TOKEN, init?: RequestInit) =>
  get(`${admfUrl}/api/collectors/${path}`, token, init);

test('GET /api/collectors lists each collector with its reachability and the reason when not', async () => {
  const r = await get(`${admfUrl}/api/collectors`, TEST_API_TOKEN);
  assert.equal(r.status, 200);
  const { collectors } = (await r.json()) as {
    collectors: { name: string; reachable: boolean; error?: string }[];
  };
  const by = Object.fromEntries(collectors.map((x) => [x.name, x]));
  assert.equal(by.lab!.reachable, true);
  assert.equal(by.down!.reachable, false);
  assert.match(by.down!.error!, /ECONNREFUSED/);
  assert.equal(by.stale!.reachable, false);
  assert.match(by.stale!.error!, /refused the ADMF's token/);
});

test("xids, pages and messages through the ADMF equal the collector's own answers", async () => {
  for (const path of [
    'api/xids',
    `api/xids/${xid}/messages?limit=5&protocol=sip`,
    `api/xids/${xid}/messages?callId=call-3%40example.net`,
    `api/xids/${xid}/messages?from=2025-11-24T16:00:00.010Z&to=2025-11-24T16:00:00.020Z`,
  ]) {
    const direct = await (await get(`${c.url}/${path}`)).json();
    const r = await viaAdmf(`lab/${path.slice(4)}`);
    assert.equal(r.status, 200, path);
    assert.deepEqual(await r.json(), direct, path);
  }
  // A cursor walk through the ADMF returns every message once.
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const r = await viaAdmf(`lab/xids/${xid}/messages?limit=9${after ? `&after=${after}` : ''}`);
    const page = (await r.json()) as { messages: { id: string }[]; next: string | null };
    ids.push(...page.messages.map((x) => x.id));
    after = page.next;
  } while (after);
  assert.equal(ids.length, 62);
  assert.equal(new Set(ids).size, 62);
  const one = await viaAdmf(`lab/xids/${xid}/messages/${ids[0]}`);
  assert.equal(one.status, 200);
  assert.deepEqual(await one.json(), await (await get(`${c.url}/api/xids/${xid}/messages/${ids[0]}`)).json());
});

test('every role may read captures; no token is 401', async () => {
  const made = await m.call('POST', '/api/tokens', { name: 'viewer', role: 'auditor' });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const secret = (made.json as { token: string }).token;
  assert.equal((await viaAdmf('lab/xids', secret)).status, 200);
  assert.equal((await get(`${admfUrl}/api/collectors`, secret)).status, 200);
  assert.equal((await viaAdmf('lab/xids', null)).status, 401);
});

test('refusals: bad parameters 400 with a reason, unknown collector or XID 404, a collector down 502', async () => {
  const bad = await viaAdmf('lab/xids/not-a-uuid/messages');
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /xid must be a UUID/);
  const limit = await viaAdmf(`lab/xids/${xid}/messages?limit=5000`);
  assert.equal(limit.status, 400);
  assert.match(((await limit.json()) as { message: string }).message, /limit/);
  const unknown = await viaAdmf('nowhere/xids');
  assert.equal(unknown.status, 404);
  assert.match(((await unknown.json()) as { message: string }).message, /no collector named nowhere/);
  assert.equal((await viaAdmf(`lab/xids/${uuid()}/messages`)).status, 404);
  const down = await viaAdmf('down/xids');
  assert.equal(down.status, 502);
  assert.match(
    ((await down.json()) as { message: string }).message,
    /collector down \(http:\/\/127\.0\.0\.1:1\)/,
  );
  const stale = await viaAdmf('stale/xids');
  assert.equal(stale.status, 502);
  assert.match(((await stale.json()) as { message: string }).message, /refused the ADMF's token/);
  assert.equal((await viaAdmf('lab/xids', TEST_API_TOKEN, { method: 'DELETE' })).status, 404);
});

test('the event stream through the ADMF delivers new messages', async () => {
  const upstream: Socket[] = [];
  c.app.server.on('connection', (sock: Socket) => upstream.push(sock));
  const ac = new AbortController();
  const r = await viaAdmf(`lab/xids/${xid}/stream`, TEST_API_TOKEN, { signal: ac.signal });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = r.body!.getReader();
  let text = '';
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += new TextDecoder().decode(value);
    }
  })().catch(() => undefined);
  await new Promise((res) => setTimeout(res, 150));
  const later = captureReports(xid, 1)
    .slice(0, 2)
    .map((x, i) => ({ ...x, timestampMicros: x.timestampMicros + 60_000_000n + BigInt(i) }));
  await c.send(later);
  const end = Date.now() + 5000;
  while ((text.match(/^event: message$/gm) ?? []).length < 2 && Date.now() < end)
    await new Promise((res) => setTimeout(res, 50));
  ac.abort();
  await reading;
  // The client went away: the ADMF's request to the collector is closed too.
  assert.equal(upstream.length, 1, 'one connection from the ADMF to the collector for the stream');
  await until('the upstream connection closed', () => upstream[0]!.closed);
  const events = [...text.matchAll(/^data: (.*)$/gm)].map((x) => JSON.parse(x[1]!) as { summary: string });
  assert.deepEqual(
    events.map((e) => e.summary),
    ['INVITE sip:bob@example.net SIP/2.0', 'SIP/2.0 100 Trying'],
  );
});

test("the PCAPng download through the ADMF is the collector's, and tshark reads it", async (t) => {
  const skip = skipUnless(hasTool('tshark', ['-v']), 'tshark');
  if (skip) return t.skip(skip);
  const r = await viaAdmf(`lab/xids/${xid}/pcapng`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="${xid}.pcapng"`);
  const body = Buffer.from(await r.arrayBuffer());
  const direct = Buffer.from(await (await get(`${c.url}/api/xids/${xid}/pcapng`)).arrayBuffer());
  assert.ok(body.equals(direct));
  const file = join(c.out, '..', `admf-${xid}.pcapng`);
  writeFileSync(file, body);
  const count = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .trim()
    .split('\n').length;
  const { xids } = (await (await get(`${c.url}/api/xids`)).json()) as { xids: { messages: number }[] };
  assert.equal(count, xids[0]!.messages);
});
