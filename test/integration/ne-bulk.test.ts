// Bulk status answers at scale (issue: one small request, one huge answer). 20,000 tasks make a
// GetAllDetailsResponse of ~14 MB. It must be read from a snapshot slice by slice, no further ahead of the
// peer than the socket allows, while other peers' Pings are answered promptly; a container asking for more
// bulk answers than the cap gets an error for each one over it; the answer is the state when it was asked for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNeStore } from '../../src/store/sqlite-ne-store.js';
import type { NeSnapshot } from '../../src/store/ne-store.js';
import { createX1Client } from '../../src/transport/https-client.js';
import { decodeX1 } from '../../src/x1/decode.js';
import type { X1Request } from '../../src/x1/model.js';
import { neHarness, type NeHarness } from '../support/ne-harness.js';
import { getTestPki } from '../support/pki.js';
import { destination, req, task, uuid, xml } from '../support/x1-builders.js';

const TASKS = 20_000;
const DID = '19867c20-8c94-473e-b9cd-8b72b7b05fd4';
const xidOf = (i: number) => `29f28e1c-f230-486a-a860-${i.toString(16).padStart(12, '0')}`;

let h: NeHarness;
/** Slices read from snapshots, and snapshots open now. */
const reads = { slices: 0, open: 0 };

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lix-ne-bulk-'));
  const store = openNeStore(dataDir);
  store.transaction(() => {
    store.insertDestination(destination(DID));
    for (let i = 0; i < TASKS; i++) {
      store.insertTask({
        details: task(xidOf(i), [DID], {
          targetIdentifiers: [{ kind: 'sipUri', value: `sip:u${i}@ims.example` }],
        }),
        origin: 'x1',
        provisioningStatus: 'complete',
        at: '2026-12-04T10:00:00.000000Z',
      });
    }
  });
  store.close();
  h = await neHarness({}, { transport: 'https', dataDir });
  const real = h.store.snapshot.bind(h.store);
  h.store.snapshot = (): NeSnapshot => {
    const s = real();
    reads.open++;
    return {
      ...s,
      nextTasks: (n) => {
        reads.slices++;
        return s.nextTasks(n);
      },
      nextXids: (n) => s.nextXids(n),
      destinations: () => s.destinations(),
      dids: () => s.dids(),
      faultsByScope: (k) => s.faultsByScope(k),
      close: () => {
        reads.open--;
        s.close();
      },
    };
  };
});
after(() => h.close());

async function adminClient() {
  const pki = await getTestPki();
  return createX1Client({
    tls: pki.tls('admf-1'),
    url: h.url!,
    maxResponseBytes: 256 * 2 ** 20,
    timeoutMs: 60_000,
  });
}

const ping = (): X1Request => req('PingRequest', {});

async function pingMs(client: Awaited<ReturnType<typeof adminClient>>): Promise<number> {
  const t0 = performance.now();
  const res = await client.post(xml(ping()));
  assert.match(res.body.toString(), /PingResponse/);
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

test('a peer that stops reading holds the answer back; it is released when the peer goes', async () => {
  const pki = await getTestPki();
  const admf = pki.identities['admf-1']!;
  const url = new URL(h.url!);
  const body = xml(req('GetAllDetailsRequest', {}));
  const socket = connect({
    host: url.hostname,
    port: Number(url.port),
    cert: readFileSync(admf.certFile),
    key: readFileSync(admf.keyFile),
    ca: readFileSync(pki.caFile),
    checkServerIdentity: () => undefined,
  });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const before = reads.slices;
  socket.write(
    `POST ${url.pathname} HTTP/1.1\r\nHost: ne\r\nContent-Type: application/xml\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body);
  // Read the first bytes only, then stop reading.
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.pause();
  const client = await adminClient();
  try {
    await new Promise((r) => setTimeout(r, 1_000));
    const stalled = reads.slices - before;
    const total = Math.ceil(TASKS / 256);
    assert.ok(stalled < total / 2, `the NE read ${stalled} of ${total} slices for a peer that reads nothing`);
    // Meanwhile another peer is served.
    await pingMs(client);
    socket.destroy();
    await waitFor(() => reads.open === 0, 'the snapshot released after the peer went away');
  } finally {
    await client.close();
  }
});

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
}

test('while another peer fetches GetAllDetails of 20,000 tasks in a loop, Pings stay prompt', async () => {
  const pinger = await adminClient();
  const fetcher = await adminClient();
  try {
    for (let i = 0; i < 5; i++) await pingMs(pinger);
    const idle: number[] = [];
    for (let i = 0; i < 30; i++) idle.push(await pingMs(pinger));
    // One whole answer alone: the time a Ping would wait if the answer were built before being sent.
    const t0 = performance.now();
    const whole = await fetcher.post(xml(req('GetAllDetailsRequest', {})));
    const wholeMs = performance.now() - t0;
    const doc = decodeX1(whole.body.toString(), {
      limits: { maxBytes: 256 * 2 ** 20, maxElements: 50_000_000 },
    });
    assert.equal(doc.root, 'X1Response');
    const m = doc.root === 'X1Response' ? doc.results[0] : undefined;
    assert.ok(m?.ok && m.message.type === 'GetAllDetailsResponse');
    assert.equal(m.message.listOfTaskResponseDetails.length, TASKS);

    let fetching = true;
    let fetched = 0;
    const loop = (async () => {
      while (fetching) {
        const r = await fetcher.post(xml(req('GetAllDetailsRequest', {})));
        assert.ok(r.body.length > 10_000_000);
        fetched++;
      }
    })();
    const busy: number[] = [];
    await new Promise((r) => setTimeout(r, 50));
    while (busy.length < 40) busy.push(await pingMs(pinger));
    fetching = false;
    await loop;
    const ratio = median(busy) / median(idle);
    const vsWhole = median(busy) / wholeMs;
    console.log(
      `# Ping median idle ${median(idle).toFixed(2)} ms, during ${fetched} GetAllDetails ${median(busy).toFixed(2)} ms` +
        ` (x${ratio.toFixed(1)}); one whole answer ${wholeMs.toFixed(0)} ms`,
    );
    assert.ok(fetched >= 1, 'the bulk fetches ran while pinging');
    // A Ping waits for one slice at most, never for the whole answer.
    assert.ok(
      vsWhole < 0.25,
      `a Ping during bulk answers took ${(vsWhole * 100).toFixed(0)} % of a whole answer`,
    );
  } finally {
    await pinger.close();
    await fetcher.close();
  }
  assert.equal(reads.open, 0, 'every snapshot released');
});

test('more bulk requests in one container than the cap: each one over it gets an error, the rest answer', async () => {
  const res = await h.send([
    req('ListAllDetailsRequest', {}),
    ping(),
    req('GetAllTaskDetailsRequest', {}),
    req('GetAllDetailsRequest', {}),
    req('ListAllDetailsRequest', {}),
  ]);
  assert.deepEqual(
    res.map((r) => r.type),
    ['ListAllDetailsResponse', 'PingResponse', 'GetAllTaskDetailsResponse', 'ErrorResponse', 'ErrorResponse'],
  );
  const err = res[3];
  assert.ok(err?.type === 'ErrorResponse');
  assert.equal(err.errorInformation.errorCode, 1000);
  assert.match(err.errorInformation.errorDescription, /at most 2 of GetAllDetails/);
  const list = res[0];
  assert.ok(list?.type === 'ListAllDetailsResponse');
  assert.equal(list.ListOfXIDs.length, TASKS);
  assert.deepEqual(list.ListOfDIDs.dIds, [DID]);
  assert.equal(reads.open, 0);
});

test('an answer is the state when it was asked for: changes committed while it is written are not in it', async () => {
  const added = uuid();
  const gone = xidOf(TASKS - 1);
  const pieces = await h.ne.handleInPieces(xml(req('GetAllTaskDetailsRequest', {})), 'admf-1');
  assert.notEqual(typeof pieces, 'string');
  const it = (pieces as AsyncIterable<string>)[Symbol.asyncIterator]();
  let text = (await it.next()).value as string;
  const changed = await h.send([
    req('ActivateTaskRequest', { taskDetails: task(added, [DID]) }),
    req('DeactivateTaskRequest', { xId: gone }),
  ]);
  assert.deepEqual(
    changed.map((r) => r.type),
    ['ActivateTaskResponse', 'DeactivateTaskResponse'],
  );
  for (let r = await it.next(); !r.done; r = await it.next()) text += r.value;
  const doc = decodeX1(text, { limits: { maxBytes: 256 * 2 ** 20, maxElements: 50_000_000 } });
  const m = doc.root === 'X1Response' ? doc.results[0] : undefined;
  assert.ok(m?.ok && m.message.type === 'GetAllTaskDetailsResponse');
  const xids = new Set(m.message.listOfTaskResponseDetails?.map((t) => t.taskDetails.xId));
  assert.equal(xids.size, TASKS);
  assert.ok(xids.has(gone), 'the deactivated task was still there when asked for');
  assert.ok(!xids.has(added), 'the task activated later is not in the answer');
  // And the next answer has both changes.
  const [after] = await h.send([req('ListAllDetailsRequest', {})]);
  assert.ok(after?.type === 'ListAllDetailsResponse');
  assert.ok(after.ListOfXIDs.includes(added) && !after.ListOfXIDs.includes(gone));
  assert.equal(reads.open, 0);
});

test('80 GetAllDetails in one container over HTTPS: 200 with 2 answers and 78 errors, never a 500', async () => {
  const c = await adminClient();
  try {
    const many = Array.from({ length: 80 }, () => req('GetAllDetailsRequest', {}));
    const res = await c.post(xml(...many));
    assert.equal(res.status, 200);
    const doc = decodeX1(res.body.toString(), {
      limits: { maxBytes: 256 * 2 ** 20, maxElements: 50_000_000 },
    });
    assert.equal(doc.root, 'X1Response');
    const types =
      doc.root === 'X1Response' ? doc.results.map((r) => (r.ok ? r.message.type : 'undecodable')) : [];
    assert.deepEqual(types.slice(0, 2), ['GetAllDetailsResponse', 'GetAllDetailsResponse']);
    assert.equal(types.filter((t) => t === 'ErrorResponse').length, 78);
  } finally {
    await c.close();
  }
  assert.equal(reads.open, 0);
});

test("the ADMF's /X1/ADMF answers a container of 2,000 messages message by message, never a 500", async () => {
  const { admfHarness } = await import('../support/admf-harness.js');
  const a = await admfHarness();
  const pki = await getTestPki();
  const c = createX1Client({ tls: pki.tls('ne-1'), url: a.running.x1Url, maxResponseBytes: 64 * 2 ** 20 });
  try {
    const many = Array.from({ length: 2_000 }, () => req('GetAllDetailsRequest', {}));
    const body = xml(...many);
    assert.ok(body.length < 1 << 20, 'within the body limit');
    const res = await c.post(body);
    assert.equal(res.status, 200);
    const doc = decodeX1(res.body.toString(), {
      limits: { maxBytes: 64 * 2 ** 20, maxElements: 50_000_000 },
    });
    assert.ok(doc.root === 'X1Response' && doc.results.length === 2_000);
  } finally {
    await c.close();
    await a.close();
  }
});
