// Crash safety of the NE: a real `lix ne` process over mutual TLS is SIGKILLed at random points while tasks
// are being activated; after each restart every acknowledged task is there. Plus: the commit is visible to
// another database connection before the response reaches the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sqlite as Database } from '../../src/store/sqlite.js';
import { createX1Client, type X1Client } from '../../src/transport/https-client.js';
import { decodeX1 } from '../../src/x1/decode.js';
import { getTestPki, type TestPki } from '../support/pki.js';
import { neHarness } from '../support/ne-harness.js';
import { startNeProcess, stopNeProcess, type NeProcess } from '../support/ne-process.js';
import { destination, req, task, uuid, xml } from '../support/x1-builders.js';

const ROUNDS = Number(process.env.LIX_CRASH_ROUNDS ?? 20);

async function startNe(pki: TestPki, dataDir: string): Promise<NeProcess> {
  const ne = pki.identities['ne-1']!;
  return startNeProcess({ certFile: ne.certFile, keyFile: ne.keyFile, caFile: pki.caFile, dataDir });
}

const kill = (p: NeProcess) => stopNeProcess(p);

async function post(client: X1Client, body: Buffer): Promise<ReturnType<typeof decodeX1>> {
  const res = await client.post(body);
  return decodeX1(res.body);
}

test(
  `SIGKILL at random points, ${ROUNDS} rounds: every acknowledged task survives`,
  { timeout: 600_000 },
  async () => {
    const pki = await getTestPki();
    const dataDir = mkdtempSync(join(tmpdir(), 'lix-ne-crash-'));
    const acknowledged = new Set<string>();
    const did = uuid();
    for (let round = 0; round < ROUNDS; round++) {
      const ne = await startNe(pki, dataDir);
      const client = createX1Client({ tls: pki.tls('admf-1'), url: ne.url, timeoutMs: 5_000 });
      try {
        const list = await post(client, xml(req('ListAllDetailsRequest', {})));
        assert.ok(list.root === 'X1Response');
        const r = list.results[0]!;
        assert.ok(r.ok && r.message.type === 'ListAllDetailsResponse');
        const present = new Set(r.message.ListOfXIDs);
        for (const xid of acknowledged)
          assert.ok(present.has(xid), `round ${round}: acknowledged ${xid} lost`);
        if (round === 0)
          await post(client, xml(req('CreateDestinationRequest', { destinationDetails: destination(did) })));
        // Activate until the kill lands somewhere in the middle of it.
        const killAfter = 20 + Math.floor(Math.random() * 200);
        const timer = setTimeout(() => void kill(ne), killAfter);
        try {
          for (;;) {
            const xid = uuid();
            const res = await post(
              client,
              xml(req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })),
            );
            const m = res.root === 'X1Response' ? res.results[0] : undefined;
            if (m?.ok && m.message.type === 'ActivateTaskResponse') acknowledged.add(xid);
          }
        } catch {
          // The NE died under us: expected.
        } finally {
          clearTimeout(timer);
        }
      } finally {
        await kill(ne);
        await client.close();
      }
    }
    assert.ok(acknowledged.size >= ROUNDS, `only ${acknowledged.size} activations were acknowledged`);
    const ne = await startNe(pki, dataDir);
    const client = createX1Client({ tls: pki.tls('admf-1'), url: ne.url });
    try {
      const list = await post(client, xml(req('ListAllDetailsRequest', {})));
      const r = list.root === 'X1Response' ? list.results[0] : undefined;
      assert.ok(r?.ok && r.message.type === 'ListAllDetailsResponse');
      for (const xid of acknowledged) assert.ok(r.message.ListOfXIDs.includes(xid), `${xid} lost`);
    } finally {
      await kill(ne);
      await client.close();
    }
  },
);

test('the commit is visible to another connection before the response arrives', async () => {
  const h = await neHarness({}, { transport: 'https' });
  const db = new Database(join(h.dataDir, 'ne.sqlite'), { readonly: true });
  try {
    const did = uuid();
    await h.send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
    for (let i = 0; i < 20; i++) {
      const xid = uuid();
      const [r] = await h.send([req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })]);
      assert.ok(r?.type === 'ActivateTaskResponse');
      const row = db.prepare('SELECT provisioning FROM tasks WHERE xid = ?').get(xid) as
        { provisioning: string } | undefined;
      assert.equal(row?.provisioning, 'complete', 'committed before the response was written');
      const audit = db
        .prepare("SELECT count(*) AS n FROM audit WHERE xid = ? AND action = 'ActivateTaskRequest'")
        .get(xid) as { n: number };
      assert.equal(audit.n, 1, 'the audit row is committed with the change');
    }
  } finally {
    db.close();
    await h.close();
  }
});
