// The NE's reports to the ADMF over mutual TLS: delivered and valid; kept in the durable outbox while the
// ADMF is away (also across an NE restart); resent as a new request after TIME2 without an answer; a
// response from the wrong identity is disregarded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/lib/logger.js';
import { createX1Server, type X1Server } from '../../src/transport/https-server.js';
import { decodeX1 } from '../../src/x1/decode.js';
import { encodeResponse } from '../../src/x1/encode.js';
import type { X1Request } from '../../src/x1/model.js';
import { getTestPki } from '../support/pki.js';
import { neHarness, type NeHarness } from '../support/ne-harness.js';
import { destination, req, task, uuid } from '../support/x1-builders.js';

interface FakeAdmf {
  readonly server: X1Server;
  readonly url: string;
  readonly received: X1Request[];
  close(): Promise<void>;
}

/** An ADMF endpoint that records reports; `silent` never answers, `as` picks its certificate. */
async function fakeAdmf(opts: { port?: number; silent?: boolean; as?: string } = {}): Promise<FakeAdmf> {
  const pki = await getTestPki();
  const received: X1Request[] = [];
  const hanging: (() => void)[] = [];
  const server = await createX1Server({
    tls: pki.tls(opts.as ?? 'admf-1'),
    listen: { host: '127.0.0.1', port: opts.port ?? 0 },
    path: '/X1/ADMF',
    logger: silentLogger,
    handler: async (r) => {
      const doc = decodeX1(r.body);
      assert.ok(doc.root === 'X1Request');
      const msgs = doc.results.map((x) => {
        assert.ok(x.ok, 'the NE sent an invalid report');
        return x.message;
      });
      received.push(...msgs);
      if (opts.silent) await new Promise<void>((resolve) => hanging.push(resolve));
      return {
        body: encodeResponse(
          msgs.map((m) => ({
            type: m.type.replace('Request', 'Response') as 'ReportTaskIssueResponse',
            header: { ...m.header, messageTimestamp: '2026-11-22T10:00:01.000000Z' },
            oK: 'AcknowledgedAndCompleted',
          })),
        ),
      };
    },
  });
  const port = server.address().port;
  return {
    server,
    url: `https://127.0.0.1:${port}/X1/ADMF`,
    received,
    async close() {
      for (const h of hanging) h();
      await server.close();
    },
  };
}

async function lateActivation(h: NeHarness): Promise<string> {
  const did = uuid();
  const xid = uuid();
  await h.send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
  h.dataPlane.delayMs = 10_000;
  const pending = h.send([req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })]);
  await h.clock.advance(4_000);
  await pending;
  await h.clock.advance(6_000);
  h.dataPlane.delayMs = 0;
  return xid;
}

async function until(what: string, cond: () => boolean, h?: NeHarness): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    if (h) await h.clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a report reaches the ADMF, schema-valid, and leaves the outbox', async () => {
  const admf = await fakeAdmf();
  const h = await neHarness({ admfUrl: admf.url }, { transport: 'https' });
  try {
    const xid = await lateActivation(h);
    await until('the report', () => admf.received.length > 0);
    const r = admf.received[0]!;
    assert.ok(r.type === 'ReportTaskIssueRequest');
    assert.deepEqual(
      [r.xId, r.taskReportType, r.taskIssueErrorCode],
      [xid, 'FullyActionedAndSuccessful', 9040],
    );
    assert.deepEqual([r.header.admfIdentifier, r.header.neIdentifier], ['admf-1', 'ne-1']);
    await until('an empty outbox', () => h.store.pendingReports(1).length === 0);
  } finally {
    await h.close();
    await admf.close();
  }
});

test('reports wait in the outbox while the ADMF is away, also across an NE restart', async () => {
  const placeholder = await fakeAdmf();
  const port = placeholder.server.address().port;
  await placeholder.close(); // nothing listens there now
  const url = `https://127.0.0.1:${port}/X1/ADMF`;
  let h = await neHarness({ admfUrl: url }, { transport: 'https' });
  const dataDir = h.dataDir;
  const xid = await lateActivation(h);
  await until('a failed attempt', () => (h.store.pendingReports(1)[0]?.attempts ?? 0) > 0, h);
  await h.close();
  h = await neHarness({ admfUrl: url }, { transport: 'https', dataDir });
  try {
    assert.equal(h.store.pendingReports(10).length, 1, 'the report survived the restart');
    const admf = await fakeAdmf({ port });
    try {
      await until('delivery after the ADMF came back', () => admf.received.length > 0, h);
      const r = admf.received[0]!;
      assert.ok(r.type === 'ReportTaskIssueRequest' && r.xId === xid);
      await until('an empty outbox', () => h.store.pendingReports(1).length === 0, h);
    } finally {
      await admf.close();
    }
  } finally {
    await h.close();
  }
});

test('no answer within TIME2: the report is sent again as a new request with a new transaction ID', async () => {
  const admf = await fakeAdmf({ silent: true });
  const h = await neHarness({ admfUrl: admf.url }, { transport: 'https' });
  try {
    await lateActivation(h);
    await until('the first attempt', () => admf.received.length >= 1);
    await h.clock.advance(15_000); // TIME2
    await until('the second attempt', () => admf.received.length >= 2, h);
    const [a, b] = admf.received;
    assert.ok(a?.type === 'ReportTaskIssueRequest' && b?.type === 'ReportTaskIssueRequest');
    assert.notEqual(a.header.x1TransactionId, b.header.x1TransactionId);
    assert.equal(a.xId, b.xId);
    assert.equal(h.store.pendingReports(10).length, 1, 'still pending: never answered');
  } finally {
    await h.close();
    await admf.close();
  }
});

test('a response from a certificate that is not the ADMF is disregarded', async () => {
  const admf = await fakeAdmf({ as: 'ne-2' });
  const h = await neHarness({ admfUrl: admf.url }, { transport: 'https' });
  try {
    await lateActivation(h);
    await until('a disregarded response', () => h.ne.reporter.counters.disregarded > 0);
    // The report still waits, and behind it the NE fault the wrong identity raised (docs/security.md).
    assert.deepEqual(
      h.store.pendingReports(10).map((r) => r.kind),
      ['ReportTaskIssue', 'ReportNEIssue'],
    );
    assert.equal(h.ne.reporter.counters.sent, 0);
  } finally {
    await h.close();
    await admf.close();
  }
});
