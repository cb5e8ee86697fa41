// X1 clients behind a third-party TLS server that issues session tickets (Debian's nginx, mutual TLS, its
// defaults). nginx closes idle connections after 1 s; a client that kept the ticket resumes on the next
// connection, and a resumed session shows no server certificate: the identity must still come from one
// verified on that connection (docs/security.md). Every exchange after an idle gap is checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { silentLogger } from '../../src/lib/logger.js';
import { NetworkElement } from '../../src/ne/ne.js';
import { InMemoryDataPlane } from '../../src/ne/data-plane.js';
import { parseNeConfig } from '../../src/ne/config.js';
import { openNeStore } from '../../src/store/sqlite-ne-store.js';
import { createX1Client } from '../../src/transport/https-client.js';
import { X1Codec } from '../../src/x1/codec.js';
import { encodeResponse } from '../../src/x1/encode.js';
import { OK_RESPONSE_TYPES, type OkResponseType, type X1Response } from '../../src/x1/model.js';
import { formatTimestamp } from '../../src/x1/simple-types.js';
import { FakeClock } from '../support/fake-clock.js';
import { neHarness } from '../support/ne-harness.js';
import { testLink, until } from '../support/admf-helpers.js';
import { getTestPki, type TestPki } from '../support/pki.js';
import { nginxUnavailable, startNginx, type RunningNginx } from '../support/nginx.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const skip = process.env.CI === 'true' ? false : nginxUnavailable();
if (skip) console.log(`# skipped: ${skip}`);

/** Longer than nginx's keepalive_timeout (1 s): each exchange after it needs a new connection. */
const IDLE_GAP_MS = 1_400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A minimal X1 ADMF answerer (plain HTTP behind nginx): OK to every report, each transaction ID counted. */
function reportAnswerer(): { server: Server; seen: Map<string, number>; port: () => number } {
  const codec = new X1Codec();
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const doc = codec.decode(Buffer.concat(chunks));
      const out: X1Response[] = [];
      if (doc.root === 'X1Request') {
        for (const r of doc.results) {
          if (!r.ok) continue;
          const h = r.message.header;
          seen.set(h.x1TransactionId, (seen.get(h.x1TransactionId) ?? 0) + 1);
          const type = r.message.type.replace(/Request$/, 'Response') as OkResponseType;
          assert.ok(OK_RESPONSE_TYPES.includes(type));
          out.push({
            type,
            header: { ...h, messageTimestamp: formatTimestamp(BigInt(Date.now()) * 1000n) },
            oK: 'AcknowledgedAndCompleted',
          } as X1Response);
        }
      }
      const body = encodeResponse(out);
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return { server, seen, port: () => (server.address() as { port: number }).port };
}

let pki: TestPki;
let answerer: ReturnType<typeof reportAnswerer>;
let nginx: RunningNginx;
let ne: Awaited<ReturnType<typeof neHarness>>;

before(async () => {
  if (skip) return;
  pki = await getTestPki();
  answerer = reportAnswerer();
  await new Promise<void>((r) => answerer.server.listen(0, '127.0.0.1', r));
  // A plain lix NE behind nginx (nginx holds the NE's certificate and verifies the ADMF's).
  ne = await neHarness({ insecurePlainHttp: true }, { transport: 'https' });
  const neUpstream = Number(new URL(ne.url!).port);
  nginx = await startNginx([
    { ...pki.tls('admf-1'), upstreamPort: answerer.port() },
    { ...pki.tls('ne-1'), upstreamPort: neUpstream },
    // The wrong server for reports: a verified certificate, but not the ADMF's.
    { ...pki.tls('ne-1'), upstreamPort: answerer.port() },
  ]);
});

after(async () => {
  if (skip) return;
  await nginx?.stop();
  await ne?.close();
  await new Promise((r) => answerer?.server.close(r));
});

test('the X1 client reads a verified identity on every connection, after idle gaps', { skip }, async () => {
  const client = createX1Client({ tls: pki.tls('ne-1'), url: `${nginx.urls[0]}/X1/ADMF` });
  try {
    const { encodeRequest } = await import('../../src/x1/encode.js');
    const { req } = await import('../support/x1-builders.js');
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(IDLE_GAP_MS);
      const r = await client.post(encodeRequest([req('PingRequest', {})]));
      assert.equal(r.peerIdentity, 'admf-1', `exchange ${i}: identity of the verified server certificate`);
    }
  } finally {
    await client.close();
  }
});

test('NE reports through nginx after idle gaps are each acknowledged exactly once', { skip }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lix-ne-resume-'));
  const clock = new FakeClock();
  const store = openNeStore(dataDir);
  const client = createX1Client({ tls: pki.tls('ne-1'), url: `${nginx.urls[0]}/X1/ADMF`, timeoutMs: 5_000 });
  const element = new NetworkElement({
    config: parseNeConfig({ id: 'ne-1', admfId: 'admf-1', dataDir, tlsDir: '/unused' }),
    store,
    dataPlane: new InMemoryDataPlane(),
    codec: new X1Codec(),
    clock,
    logger: silentLogger,
    poster: client,
  });
  await element.start();
  const before = answerer.seen.size;
  try {
    const reports = 4;
    for (let i = 0; i < reports; i++) {
      if (i > 0) await sleep(IDLE_GAP_MS);
      element.ctx.issues.warn({ kind: 'ne', id: 'ne-1' }, `report ${i} after an idle gap`);
      await until(`report ${i} acknowledged`, () => element.reporter.counters.sent === i + 1, 4_000);
    }
    assert.equal(store.pendingReports(10).length, 0, 'the outbox is empty');
    assert.equal(element.reporter.counters.disregarded, 0);
    assert.equal(answerer.seen.size - before, reports, 'each report reached the ADMF');
    for (const [tid, n] of answerer.seen) assert.equal(n, 1, `transaction ${tid} answered once`);
  } finally {
    await element.stop();
    store.close();
    await client.close();
  }
});

test('the ADMF tasks an NE behind nginx after idle gaps: every answer is accepted', { skip }, async () => {
  const t = await testLink(`${nginx.urls[1]}/X1/NE`);
  try {
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(IDLE_GAP_MS);
      const answer = await Promise.race([
        t.link.request({ type: 'PingRequest' }),
        sleep(4_000).then(() => assert.fail(`ping ${i}: no accepted answer (disregarded?)`)),
      ]);
      assert.equal(answer.response.type, 'PingResponse', `ping ${i}`);
    }
    assert.equal(t.link.counters.disregarded, 0);
    assert.equal(t.link.counters.identityMismatches, 0);
  } finally {
    await t.close();
  }
});

test(
  'an answer from the wrong identity drops the connection, is counted and raises an NE fault',
  { skip },
  async () => {
    // nginx presents ne-1's certificate where the NE expects the ADMF: the identity is verified but wrong.
    const dataDir = mkdtempSync(join(tmpdir(), 'lix-ne-wrongid-'));
    const clock = new FakeClock();
    const store = openNeStore(dataDir);
    const client = createX1Client({
      tls: pki.tls('ne-1'),
      url: `${nginx.urls[2]}/X1/ADMF`,
      timeoutMs: 5_000,
    });
    const element = new NetworkElement({
      config: parseNeConfig({ id: 'ne-1', admfId: 'admf-1', dataDir, tlsDir: '/unused' }),
      store,
      dataPlane: new InMemoryDataPlane(),
      codec: new X1Codec(),
      clock,
      logger: silentLogger,
      poster: client,
    });
    await element.start();
    try {
      element.ctx.issues.warn({ kind: 'ne', id: 'ne-1' }, 'a report');
      await until('the answer disregarded', () => element.reporter.counters.disregarded === 1, 4_000);
      assert.equal(element.reporter.counters.connectionsDropped, 1);
      assert.equal(client.droppedConnections, 1);
      const faults = store.listFaults({ kind: 'ne', id: 'ne-1' });
      assert.deepEqual(
        faults.map((f) => f.errorCode),
        [1030],
        'AdmfIdentityMismatch (etsi 1030) shown in status',
      );
      assert.equal(store.pendingReports(10).length, 2, 'the report and the fault report wait in the outbox');
    } finally {
      await element.stop();
      store.close();
      await client.close();
    }
  },
);
