// REST ActivateTask against an NE that is down: the answer and the stored task agree. The API answers 202
// Accepted with the task pending (`activating`, `pending: true`, a message saying what happens next) and GET
// /api/tasks/XID shows the same; when the NE comes back the task is installed (at once for heal auto, by
// the operator's heal otherwise) and becomes active. It used to answer 502 while a later heal installed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import type { NeOptions } from '../../src/store/admf-store.js';
import { admfWithNe, TEST_API_TOKEN, type AdmfWithNe } from '../support/admf-harness.js';
import { until } from '../support/admf-helpers.js';
import { neHarness, type NeHarness } from '../support/ne-harness.js';
import { uuid } from '../support/x1-builders.js';

type J = Record<string, unknown>;

async function call(app: FastifyInstance, method: 'GET' | 'POST', url: string, body?: object) {
  const res = await app.inject({
    method,
    url,
    ...(body && { payload: body }),
    headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
  });
  return { status: res.statusCode, json: JSON.parse(res.body) as J };
}

/** An ADMF with its REST API (in memory) and ne-1, with a destination; then ne-1 goes down. */
async function neDown(options: Partial<NeOptions>) {
  const h = await admfWithNe({}, options, { probeIntervalMs: 30_000 });
  const app = await buildApi({
    admf: h.running.admf,
    codec: h.running.admf.deps.codec,
    token: TEST_API_TOKEN,
  });
  const did = uuid();
  const d = await call(app, 'POST', '/api/nes/ne-1/destinations', { did, uri: 'eep+udp://127.0.0.1:9060' });
  assert.equal(d.status, 201, JSON.stringify(d.json));
  const port = Number(new URL(h.ne.url!).port);
  await h.ne.close();
  return { h, app, did, port };
}

/** Activates a task while the NE is down: 202 pending, and the stored task says the same. */
async function activatePending(h: AdmfWithNe, app: FastifyInstance, did: string): Promise<string> {
  const xid = uuid();
  const r = await call(app, 'POST', '/api/tasks', {
    ne: 'ne-1',
    xid,
    targets: [{ kind: 'sipUri', value: 'sip:alice@example.net' }],
    dids: [did],
  });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  assert.equal(r.json.state, 'activating');
  assert.equal(r.json.pending, true);
  assert.match(String(r.json.message), /ECONNREFUSED|connect/);
  assert.match(String(r.json.message), /pending \(activating\): it is installed when ne-1 answers again/);
  const g = await call(app, 'GET', `/api/tasks/${xid}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.state, 'activating', 'the stored state agrees with the answer');
  const audit = await h.running.admf.store.readAudit({ xid });
  const entry = audit.find((a) => a.action === 'ActivateTask');
  assert.equal(entry?.outcome, 'error', 'the audit says the request did not reach the NE');
  assert.match(entry?.detail ?? '', /the task is pending/);
  return xid;
}

async function neBack(h: AdmfWithNe, port: number): Promise<NeHarness> {
  const ne = await neHarness({ admfUrl: h.running.x1Url, listenPort: port }, { transport: 'https' });
  await h.clock.advance(30_000); // the ADMF's probe finds it answering and reconciles it
  return ne;
}

test('NE down, heal auto: 202 pending, GET agrees; the NE comes back and the task is active there', async () => {
  const { h, app, did, port } = await neDown({ heal: 'auto' });
  let ne2: NeHarness | undefined;
  try {
    const xid = await activatePending(h, app, did);
    ne2 = await neBack(h, port);
    const back = ne2;
    await until('the task installed and active', async () => {
      const g = await call(app, 'GET', `/api/tasks/${xid}`);
      return g.json.state === 'active' && back.store.listXids().includes(xid);
    });
  } finally {
    await ne2?.close();
    await app.close();
    await h.running.close();
  }
});

test('NE down, heal manual: pending until the operator heals; then active', async () => {
  const { h, app, did, port } = await neDown({});
  let ne2: NeHarness | undefined;
  try {
    const xid = await activatePending(h, app, did);
    ne2 = await neBack(h, port);
    await until('reconciled', async () => {
      const r = await call(app, 'POST', '/api/nes/ne-1/reconcile');
      return r.status === 200;
    });
    const g = await call(app, 'GET', `/api/tasks/${xid}`);
    assert.equal(g.json.state, 'activating', 'still pending: nothing is installed without a heal');
    assert.deepEqual(ne2.store.listXids(), []);
    const heal = await call(app, 'POST', '/api/nes/ne-1/heal');
    assert.equal(heal.status, 200, JSON.stringify(heal.json));
    assert.deepEqual(ne2.store.listXids(), [xid]);
    assert.equal((await call(app, 'GET', `/api/tasks/${xid}`)).json.state, 'active');
  } finally {
    await ne2?.close();
    await app.close();
    await h.running.close();
  }
});
