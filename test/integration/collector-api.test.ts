// The collector's read-only HTTP API against a real collector fed real STM reports over EEP/UDP, on loopback:
// XID list, paging (every message once, in order), each filter, one message with its detail, auth, bad
// parameters, traversal attempts, 404s, the event stream, and the PCAPng download judged by tshark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasTool, skipUnless } from '../support/shared.js';
import { uuid } from '../support/x1-builders.js';
import {
  captureReports,
  collectorWithApi,
  get,
  IMSI,
  MSISDN,
  T0,
  type CollectorWithApi,
} from '../support/collector-api.js';

const CALLS = 40;
const TOTAL = CALLS * 6 + 2;
let h: CollectorWithApi;
const xid = uuid();

interface Summary {
  id: string;
  time: string;
  src: string;
  dst: string;
  protocol: string;
  summary: string;
  callId?: string;
}
interface Page {
  messages: Summary[];
  next: string | null;
}

const api = (path: string) => `${h.url}${path}`;
async function json<T>(path: string): Promise<T> {
  const r = await get(api(path));
  assert.equal(r.status, 200, `${path}: ${r.status} ${await r.clone().text()}`);
  return (await r.json()) as T;
}

before(async () => {
  // Small files: the XID's capture is spread over several rotated files.
  h = await collectorWithApi({ rotateBytes: 16 * 1024 });
  await h.send(captureReports(xid, CALLS));
});
after(() => h.close());

test('the XID list counts the messages, bytes, files and time range', async () => {
  const { xids } = await json<{
    xids: { xid: string; messages: number; bytes: number; files: number; first: string; last: string }[];
  }>('/api/xids');
  assert.equal(xids.length, 1);
  const x = xids[0]!;
  assert.equal(x.xid, xid);
  assert.equal(x.messages, TOTAL);
  assert.ok(x.files > 1, `rotated into ${x.files} files`);
  assert.ok(x.bytes > 16 * 1024);
  assert.equal(x.first, '2025-11-24T16:00:00.001000Z');
  assert.equal(Date.parse(x.last), Number(T0 / 1000n) + TOTAL);
});

test('a cursor walk returns every message once, in capture order, across rotated files', async () => {
  const seen: Summary[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page: Page = await json<Page>(`/api/xids/${xid}/messages?limit=7${after ? `&after=${after}` : ''}`);
    assert.ok(page.messages.length <= 7);
    seen.push(...page.messages);
    after = page.next;
    pages++;
  } while (after !== null);
  assert.equal(seen.length, TOTAL);
  assert.equal(new Set(seen.map((m) => m.id)).size, TOTAL);
  assert.equal(pages, Math.ceil(TOTAL / 7));
  const times = seen.map((m) => Date.parse(m.time));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
  assert.equal(seen[0]!.summary, 'INVITE sip:bob@example.net SIP/2.0');
  assert.equal(seen[0]!.callId, 'call-0@example.net');
  assert.equal(seen[0]!.src, '192.0.2.10:5060');
  assert.equal(seen[0]!.dst, '192.0.2.20:5060');
  assert.equal(seen[1]!.summary, 'SIP/2.0 100 Trying');
  const dia = seen[TOTAL - 2]!;
  assert.equal(dia.protocol, 'diameter');
  assert.equal(
    dia.summary,
    `Update-Location-Request (S6a) Session-Id=mme.example;1;42 User-Name=${IMSI} MSISDN=${MSISDN}`,
  );
  const gtp = seen[TOTAL - 1]!;
  assert.equal(gtp.protocol, 'gtpv2');
  assert.equal(
    gtp.summary,
    `Create Session Request IMSI=${IMSI} MSISDN=${MSISDN} F-TEID=0x1006@198.51.100.3`,
  );
  assert.equal(gtp.dst, '198.51.100.4:2123');
});

test('filters: protocol, Call-ID, time range', async () => {
  const sip = await json<Page>(`/api/xids/${xid}/messages?limit=1000&protocol=sip`);
  assert.equal(sip.messages.length, CALLS * 6);
  assert.ok(sip.messages.every((m) => m.protocol === 'sip'));
  const dia = await json<Page>(`/api/xids/${xid}/messages?protocol=diameter`);
  assert.deepEqual(
    dia.messages.map((m) => m.protocol),
    ['diameter'],
  );
  const gtp = await json<Page>(`/api/xids/${xid}/messages?protocol=gtpv2`);
  assert.deepEqual(
    gtp.messages.map((m) => m.protocol),
    ['gtpv2'],
  );
  const call = await json<Page>(
    `/api/xids/${xid}/messages?callId=${encodeURIComponent('call-7@example.net')}`,
  );
  assert.deepEqual(
    call.messages.map((m) => m.summary),
    [
      'INVITE sip:bob@example.net SIP/2.0',
      'SIP/2.0 100 Trying',
      'SIP/2.0 200 OK',
      'ACK sip:bob@example.net SIP/2.0',
      'BYE sip:bob@example.net SIP/2.0',
      'SIP/2.0 200 OK',
    ],
  );
  assert.ok(call.messages.every((m) => m.callId === 'call-7@example.net'));
  const none = await json<Page>(`/api/xids/${xid}/messages?callId=nobody`);
  assert.deepEqual(none, { messages: [], next: null });
  // Messages 11..20 (1 ms apart from T0 + 1 ms): from and to are inclusive.
  const ms = Number(T0 / 1000n);
  const from = new Date(ms + 11).toISOString();
  const to = new Date(ms + 20).toISOString();
  const range = await json<Page>(`/api/xids/${xid}/messages?from=${from}&to=${to}`);
  assert.equal(range.messages.length, 10);
  assert.equal(range.messages[0]!.time, from.replace('Z', '000Z'));
  const both = await json<Page>(`/api/xids/${xid}/messages?from=${from}&to=${to}&protocol=sip&limit=3`);
  assert.equal(both.messages.length, 3);
  assert.equal(both.next, both.messages[2]!.id);
});

test('one message: SIP text, Diameter and GTPv2-C fields, the frame in base64', async () => {
  const all = await json<Page>(`/api/xids/${xid}/messages?limit=1000`);
  const sip = await json<Summary & { detail: { kind: string; text: string }; bytes: string }>(
    `/api/xids/${xid}/messages/${all.messages[0]!.id}`,
  );
  assert.equal(sip.detail.kind, 'text');
  assert.match(
    sip.detail.text,
    /^INVITE sip:bob@example.net SIP\/2.0\r\n[\s\S]*Call-ID: call-0@example.net\r\n/,
  );
  const frame = Buffer.from(sip.bytes, 'base64');
  assert.equal(frame[0]! >> 4, 4, 'an IPv4 packet');
  assert.ok(frame.subarray(28).toString('latin1').startsWith('INVITE'));
  const dia = await json<{ detail: { kind: string; fields: { name: string; value: string }[] } }>(
    `/api/xids/${xid}/messages/${all.messages[TOTAL - 2]!.id}`,
  );
  const f = Object.fromEntries(dia.detail.fields.map((x) => [x.name, x.value]));
  assert.equal(f['Command-Code'], '316 (Update-Location-Request)');
  assert.equal(f['Application-Id'], '16777251 (S6a)');
  assert.equal(f['User-Name'], IMSI);
  assert.equal(f['MSISDN'], MSISDN);
  const gtp = await json<{ detail: { fields: { name: string; value: string }[] } }>(
    `/api/xids/${xid}/messages/${all.messages[TOTAL - 1]!.id}`,
  );
  const g = Object.fromEntries(gtp.detail.fields.map((x) => [x.name, x.value]));
  assert.equal(g['Message Type'], '32 (Create Session Request)');
  assert.equal(g['IMSI'], IMSI);
  assert.equal(g['Sequence Number'], '7');
  assert.equal(g['F-TEID'], 'interface 10, TEID 0x00001006, 198.51.100.3');
});

test('auth: no token and a wrong token are refused with a reason', async () => {
  for (const path of ['/api/xids', `/api/xids/${xid}/messages`, `/api/xids/${xid}/pcapng`]) {
    const none = await get(api(path), null);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.match(((await none.json()) as { message: string }).message, /Authorization: Bearer/);
    const wrong = await get(api(path), 'not-the-collector-token-at-all');
    assert.equal(wrong.status, 401);
    assert.match(((await wrong.json()) as { message: string }).message, /not the collector API token/);
  }
});

test('read-only: other methods are refused with 405', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const r = await get(api(`/api/xids/${xid}/messages`), undefined, { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  }
});

test('bad parameters are refused with 400 and a reason naming the parameter', async () => {
  const cases: [string, RegExp][] = [
    [`/api/xids/${xid}/messages?limit=0`, /query parameter limit must be an integer from 1 to 1000/],
    [`/api/xids/${xid}/messages?limit=1001`, /limit must be an integer from 1 to 1000/],
    [`/api/xids/${xid}/messages?limit=ten`, /limit must be an integer/],
    [`/api/xids/${xid}/messages?after=abc`, /after must be a message id/],
    [`/api/xids/${xid}/messages?from=yesterday`, /from must be an ISO 8601 time/],
    [
      `/api/xids/${xid}/messages?from=2026-12-04T10:00:00Z&to=2026-12-04T09:00:00Z`,
      /from must not be later than to/,
    ],
    [`/api/xids/${xid}/messages?protocol=rtp`, /protocol must be one of sip, diameter, gtpv2/],
    [`/api/xids/${xid}/messages?callId=`, /callId must not be empty/],
    [`/api/xids/${xid}/messages?limit=1&limit=2`, /limit must be given once/],
    [`/api/xids/${xid}/messages?colour=red`, /colour is not known/],
    ['/api/xids/not-a-uuid/messages', /xid must be a UUID/],
    [`/api/xids/${xid}/messages/zz`, /id must be a message id/],
  ];
  for (const [path, reason] of cases) {
    const r = await get(api(path));
    assert.equal(r.status, 400, path);
    const body = (await r.json()) as { error: string; message: string };
    assert.equal(body.error, 'invalid');
    assert.match(body.message, reason, path);
  }
});

test('path traversal attempts are refused and open no file outside --out', async () => {
  // A file beside the output directory that a traversal would reach.
  const outside = join(h.out, '..', `${uuid()}-1.pcapng`);
  writeFileSync(outside, 'not to be served');
  const attempts = [
    '/api/xids/..%2F..%2Fetc%2Fpasswd/pcapng',
    '/api/xids/%2e%2e/pcapng',
    '/api/xids/%2E%2E%2Fx/messages',
    `/api/xids/..%2f${uuid()}/pcapng`,
    '/api/xids/a%00b/pcapng',
    `/api/xids/${xid}%00/pcapng`,
    '/api/xids/..\\..\\etc/pcapng',
    '/api/xids/%5c..%5cetc/pcapng',
    '/api/xids/%zz/pcapng',
  ];
  // Raw request lines: fetch would normalise dot segments away before sending.
  for (const a of [
    ...attempts,
    '/api/xids/../../etc/passwd',
    `/api/xids/${xid}/../../../etc/pcapng`,
    '/api/./xids',
  ]) {
    const raw = await rawGet(a);
    assert.match(raw, /^HTTP\/1\.1 400 /, `${a} answered ${raw.split('\r\n', 1)[0]}`);
    assert.doesNotMatch(raw, /not to be served/);
  }
});

async function rawGet(path: string): Promise<string> {
  const { connect } = await import('node:net');
  const u = new URL(h.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () =>
      s.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'collector-api-test-token-0123456789'}\r\nConnection: close\r\n\r\n`,
      ),
    );
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

test('unknown XID, unknown message id and unknown route are 404', async () => {
  const other = uuid();
  assert.equal((await get(api(`/api/xids/${other}/messages`))).status, 404);
  assert.equal((await get(api(`/api/xids/${other}/pcapng`))).status, 404);
  assert.equal((await get(api(`/api/xids/${xid}/messages/1-3`))).status, 404);
  assert.equal((await get(api(`/api/xids/${xid}/messages/999-0`))).status, 404);
  assert.equal((await get(api('/api/nothing'))).status, 404);
});

test('the event stream sends each new message once', async () => {
  const ac = new AbortController();
  const r = await get(api(`/api/xids/${xid}/stream`), undefined, { signal: ac.signal });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = r.body!.getReader();
  const events: Summary[] = [];
  let buf = '';
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += new TextDecoder().decode(value);
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(ev);
        if (/^event: message$/m.test(ev) && data) events.push(JSON.parse(data[1]!) as Summary);
      }
    }
  })().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(events.length, 0, 'old messages are not replayed');
  const more = captureReports(xid, 2)
    .slice(0, 6)
    .map((m, i) => ({ ...m, timestampMicros: m.timestampMicros + 10_000_000n + BigInt(i) }));
  await h.send(more);
  const end = Date.now() + 5000;
  while (events.length < 6 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  await reading;
  assert.equal(events.length, 6);
  assert.deepEqual(
    events.map((e) => e.summary.split(' ')[0]),
    ['INVITE', 'SIP/2.0', 'SIP/2.0', 'ACK', 'BYE', 'SIP/2.0'],
  );
  assert.equal(new Set(events.map((e) => e.id)).size, 6);
});

test('the PCAPng download holds every message and tshark reads it', async (t) => {
  const skip = skipUnless(hasTool('tshark', ['-v']), 'tshark');
  if (skip) return t.skip(skip);
  const { xids } = await json<{ xids: { messages: number }[] }>('/api/xids');
  const r = await get(api(`/api/xids/${xid}/pcapng`));
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="${xid}.pcapng"`);
  const file = join(h.out, '..', `download-${xid}.pcapng`);
  writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  const lines = execFileSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Protocol'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
    .trim()
    .split('\n');
  assert.equal(lines.length, xids[0]!.messages);
  assert.ok(lines.some((l) => l.endsWith('SIP')));
  assert.ok(lines.some((l) => /DIAMETER/.test(l)));
  assert.ok(lines.some((l) => /GTPv2/.test(l)));
  const info = execFileSync('capinfos', ['-c', '-M', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.match(info, new RegExp(`Number of packets:\\s+${xids[0]!.messages}\\b`));
});
