// The ADMF REST API in memory (fastify inject, no port): every route, with good and bad input. Bad input
// gets a clear 4xx and changes nothing, neither at the ADMF nor at the NE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allRoutes } from '../../src/api/app.js';
import { memoryAdmf, MEMORY_NE_URL, type MemoryAdmf } from '../support/admf-memory.js';
import { uuid } from '../support/x1-builders.js';

type J = Record<string, unknown> & { error?: string; message?: string };

async function snapshot(m: MemoryAdmf) {
  return JSON.stringify({
    nes: (await m.admf.store.listNes()).map((n) => [n.id, n.url, n.options]),
    dests: await m.admf.store.listDestinations(),
    tasks: await m.admf.store.listTasks(),
    ne: [m.ne.store.listXids(), m.ne.store.listDestinations()],
  });
}

/** Every call must fail with `status` and change nothing. */
async function refused(m: MemoryAdmf, status: number, calls: [string, string, unknown?][], pattern?: RegExp) {
  const before = await snapshot(m);
  for (const [method, url, body] of calls) {
    const r = await m.call(method as 'POST', url, body);
    assert.equal(
      r.status,
      status,
      `${method} ${url} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.json)}`,
    );
    const j = r.json as J;
    assert.ok(typeof j.error === 'string' && typeof j.message === 'string' && j.message.length > 0);
    if (pattern) assert.match(j.message, pattern);
  }
  assert.equal(await snapshot(m), before, 'nothing changed');
}

async function withApi(fn: (m: MemoryAdmf) => Promise<void>) {
  const m = await memoryAdmf();
  try {
    await fn(m);
  } finally {
    await m.close();
  }
}

async function withNe(m: MemoryAdmf) {
  const r = await m.call('POST', '/api/nes', { id: 'ne-1', url: MEMORY_NE_URL });
  assert.equal(r.status, 201);
}

async function withDestination(m: MemoryAdmf): Promise<string> {
  const did = uuid();
  const r = await m.call('POST', '/api/nes/ne-1/destinations', {
    did,
    uri: 'eep+udp://127.0.0.1:9060',
    friendlyName: 'lemf',
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return did;
}

const target = { kind: 'sipUri', value: 'sip:alice@example.net' };

test('the API token is required on every /api route; /openapi.json is public and lists every route', () =>
  withApi(async (m) => {
    // A missing token and a wrong one are told apart (RFC 6750 §3: no error code without credentials).
    const missing = await m.call('GET', '/api/nes', undefined, null);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    assert.match((missing.json as J).message!, /^no API token/);
    const wrong = await m.call('GET', '/api/nes', undefined, 'wrong-token-0123456789');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.match((wrong.json as J).message!, /^invalid API token/);
    const r = await m.call('POST', '/api/nes', { id: 'ne-1', url: MEMORY_NE_URL }, null);
    assert.equal(r.status, 401);
    assert.equal((await m.admf.store.listNes()).length, 0);
    const doc = (await m.call('GET', '/openapi.json', undefined, null)).json as {
      openapi: string;
      paths: Record<string, object>;
    };
    assert.equal(doc.openapi, '3.1.0');
    const routes = allRoutes({ admf: m.admf, codec: undefined as never });
    for (const route of routes) {
      const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
      assert.ok(doc.paths[path]?.[route.method.toLowerCase() as never], `${route.method} ${path} documented`);
    }
    assert.equal((await m.call('GET', '/api/nope')).status, 404);
  }));

test('NEs: register, list, show, change, ping, live status, remove; bad input refused', () =>
  withApi(async (m) => {
    await withNe(m);
    await refused(m, 400, [
      ['POST', '/api/nes', { id: 'ne 2', url: MEMORY_NE_URL }],
      ['POST', '/api/nes', { id: 'ne-2' }],
      ['POST', '/api/nes', { id: 'ne-2', url: 'ftp://x' }],
      ['POST', '/api/nes', { id: 'ne-2', url: MEMORY_NE_URL, colour: 'red' }],
      ['POST', '/api/nes', { id: 'ne-2', url: MEMORY_NE_URL, timeP1Ms: 60_000, timeP2Ms: 600_000 }],
      ['PUT', '/api/nes/ne-1', { url: MEMORY_NE_URL, heal: 'sometimes' }],
    ]);
    await refused(m, 415, [['POST', '/api/nes', 'not json']]);
    await refused(m, 409, [['POST', '/api/nes', { id: 'ne-1', url: MEMORY_NE_URL }]]);
    await refused(m, 404, [
      ['GET', '/api/nes/ne-9'],
      ['PUT', '/api/nes/ne-9', { url: MEMORY_NE_URL }],
      ['DELETE', '/api/nes/ne-9'],
      ['POST', '/api/nes/ne-9/ping'],
      ['GET', '/api/nes/ne-9/status'],
    ]);
    const list = (await m.call('GET', '/api/nes')).json as J[];
    assert.deepEqual(
      list.map((n) => n.id),
      ['ne-1'],
    );
    const put = await m.call('PUT', '/api/nes/ne-1', { url: MEMORY_NE_URL, heal: 'auto', keepalive: true });
    assert.equal(put.status, 200);
    assert.deepEqual((put.json as { options: J }).options.heal, 'auto');
    const ping = await m.call('POST', '/api/nes/ne-1/ping');
    assert.deepEqual([ping.status, (ping.json as J).response], [200, 'PingResponse']);
    const one = (await m.call('GET', '/api/nes/ne-1')).json as { health: J };
    assert.equal(one.health.reachable, true);
    const status = await m.call('GET', '/api/nes/ne-1/status');
    assert.deepEqual([status.status, (status.json as J).neStatus], [200, 'OK']);
    assert.equal((await m.call('DELETE', '/api/nes/ne-1')).status, 204);
    assert.equal(
      (await m.call('GET', '/api/nes')).json instanceof Array &&
        ((await m.call('GET', '/api/nes')).json as J[]).length,
      0,
    );
  }));

test('destinations: create, list, show, modify, remove; bad input refused; the NE refusal comes back with its code', () =>
  withApi(async (m) => {
    await withNe(m);
    const did = await withDestination(m);
    await refused(m, 400, [
      [
        'POST',
        '/api/nes/ne-1/destinations',
        { uri: 'eep+udp://127.0.0.1:9060', address: { ip: '127.0.0.1', port: 9, transport: 'udp' } },
      ],
      ['POST', '/api/nes/ne-1/destinations', { friendlyName: 'no address' }],
      ['POST', '/api/nes/ne-1/destinations', { did: 'not-a-uuid', uri: 'eep+udp://127.0.0.1:9060' }],
      ['POST', '/api/nes/ne-1/destinations', { address: { ip: '127.0.0.1', port: 70000, transport: 'udp' } }],
      ['POST', '/api/nes/ne-1/destinations', { address: { ip: '300.1.1.1', port: 9, transport: 'udp' } }],
      ['PUT', `/api/nes/ne-1/destinations/${did}`, { uri: 'eep+udp://127.0.0.1:9060', deliveryType: 'X4' }],
    ]);
    await refused(m, 409, [['POST', '/api/nes/ne-1/destinations', { did, uri: 'eep+udp://127.0.0.1:9060' }]]);
    await refused(m, 404, [
      ['POST', '/api/nes/ne-9/destinations', { uri: 'eep+udp://127.0.0.1:9060' }],
      ['GET', `/api/nes/ne-1/destinations/${uuid()}`],
      ['PUT', `/api/nes/ne-1/destinations/${uuid()}`, { uri: 'eep+udp://127.0.0.1:9060' }],
      ['DELETE', `/api/nes/ne-1/destinations/${uuid()}`],
    ]);
    const unusable = await m.call('POST', '/api/nes/ne-1/destinations', { uri: 'mailto:lemf@example.net' });
    assert.equal(unusable.status, 422);
    assert.equal(((unusable.json as J).x1 as J).errorCode, 6020);
    const byAddress = await m.call('POST', '/api/nes/ne-1/destinations', {
      address: { ip: '::1', port: 9060, transport: 'udp' },
    });
    assert.equal(byAddress.status, 201, JSON.stringify(byAddress.json));
    assert.equal(((await m.call('GET', '/api/destinations')).json as J[]).length, 2);
    assert.equal(((await m.call('GET', '/api/nes/ne-1/destinations')).json as J[]).length, 2);
    const mod = await m.call('PUT', `/api/nes/ne-1/destinations/${did}`, { uri: 'eep+tcp://127.0.0.1:9061' });
    assert.equal(mod.status, 200);
    assert.deepEqual(m.ne.store.getDestination(did)?.details.deliveryAddress, {
      kind: 'uri',
      value: 'eep+tcp://127.0.0.1:9061',
    });
    const got = (await m.call('GET', `/api/nes/ne-1/destinations/${did}`)).json as {
      details: { deliveryAddress: J };
    };
    assert.equal(got.details.deliveryAddress.value, 'eep+tcp://127.0.0.1:9061');
    assert.equal((await m.call('DELETE', `/api/nes/ne-1/destinations/${did}`)).status, 204);
    assert.equal(m.ne.store.getDestination(did), undefined);
  }));

test('tasks: activate, list, show, live status, modify, deactivate; bad input refused and nothing changed', () =>
  withApi(async (m) => {
    await withNe(m);
    const did = await withDestination(m);
    const act = await m.call('POST', '/api/tasks', { ne: 'ne-1', targets: [target], dids: [did] });
    assert.equal(act.status, 201, JSON.stringify(act.json));
    const xid = (act.json as J).xid as string;
    assert.equal((act.json as J).state, 'active');
    assert.deepEqual(m.ne.store.listXids(), [xid]);
    await refused(m, 400, [
      [
        'POST',
        '/api/tasks',
        { ne: 'ne-1', targets: [{ kind: 'e164Number', value: '+49 abc' }], dids: [did] },
      ],
      ['POST', '/api/tasks', { ne: 'ne-1', targets: [{ kind: 'shoeSize', value: '42' }], dids: [did] }],
      ['POST', '/api/tasks', { ne: 'ne-1', targets: [{ kind: 'udpPort', value: 'x' }], dids: [did] }],
      ['POST', '/api/tasks', { ne: 'ne-1', targets: [target], dids: [] }],
      ['POST', '/api/tasks', { ne: 'ne-1', targets: [], dids: [did] }],
      ['POST', '/api/tasks', { ne: 'ne-1', targets: [target], dids: [did], deliveryType: 'X9' }],
      ['POST', '/api/tasks', { ne: 'ne-1', targets: [target], dids: [did], xid: 'abc' }],
      ['POST', '/api/tasks', { targets: [target], dids: [did] }],
      ['PUT', `/api/tasks/${xid}`, { targets: [{ kind: 'imsi', value: 'not-digits' }], dids: [did] }],
      ['GET', '/api/tasks?state=sleeping'],
      ['GET', '/api/reports?limit=0'],
      ['GET', '/api/audit?since=-1'],
    ]);
    await refused(m, 404, [
      ['POST', '/api/tasks', { ne: 'ne-9', targets: [target], dids: [did] }],
      ['GET', `/api/tasks/${uuid()}`],
      ['PUT', `/api/tasks/${uuid()}`, { targets: [target], dids: [did] }],
      ['DELETE', `/api/tasks/${uuid()}`],
      ['GET', `/api/tasks/${uuid()}/status`],
    ]);
    await refused(m, 409, [['POST', '/api/tasks', { ne: 'ne-1', xid, targets: [target], dids: [did] }]]);
    const missingDid = await m.call('POST', '/api/tasks', { ne: 'ne-1', targets: [target], dids: [uuid()] });
    assert.equal(missingDid.status, 422);
    assert.equal(((missingDid.json as J).x1 as J).errorCode, 2040);
    assert.deepEqual(m.ne.store.listXids(), [xid], 'the NE refused: nothing there');

    assert.equal(((await m.call('GET', '/api/tasks?ne=ne-1&state=active')).json as J[]).length, 1);
    assert.equal(((await m.call('GET', `/api/tasks/${xid}`)).json as J).state, 'active');
    const live = (await m.call('GET', `/api/tasks/${xid}/status`)).json as { live: { taskStatus: J } };
    assert.equal(live.live.taskStatus.provisioningStatus, 'complete');
    const mod = await m.call('PUT', `/api/tasks/${xid}`, {
      targets: [{ kind: 'e164Number', value: '4915112345678' }],
      dids: [did],
    });
    assert.equal(mod.status, 200, JSON.stringify(mod.json));
    assert.deepEqual(m.ne.store.getTask(xid)?.details.targetIdentifiers, [
      { kind: 'e164Number', value: '4915112345678' },
    ]);
    const deact = await m.call('DELETE', `/api/tasks/${xid}`);
    assert.deepEqual([deact.status, (deact.json as J).state], [200, 'ended']);
    assert.deepEqual(m.ne.store.listXids(), []);
    await refused(m, 409, [
      ['DELETE', `/api/tasks/${xid}`],
      ['PUT', `/api/tasks/${xid}`, { targets: [target], dids: [did] }],
    ]);
  }));

test('reconcile, drift and heal through the API; reports, audit and health', () =>
  withApi(async (m) => {
    await withNe(m);
    await refused(m, 404, [['GET', '/api/nes/ne-1/drift']]);
    const did = await withDestination(m);
    const act = await m.call('POST', '/api/tasks', { ne: 'ne-1', targets: [target], dids: [did] });
    const xid = (act.json as J).xid as string;
    await m.ne.send([
      {
        type: 'DeactivateTaskRequest',
        xId: xid,
        header: {
          admfIdentifier: 'admf-1',
          neIdentifier: 'ne-1',
          messageTimestamp: '2026-11-22T10:00:00.000000Z',
          version: 'v1.23.1',
          x1TransactionId: uuid(),
        },
      },
    ]);
    const rec = await m.call('POST', '/api/nes/ne-1/reconcile');
    assert.equal(rec.status, 200);
    assert.deepEqual((rec.json as { tasks: J }).tasks.missingFromNe, [xid]);
    assert.deepEqual(
      ((await m.call('GET', '/api/nes/ne-1/drift')).json as { inSync: boolean }).inSync,
      false,
    );
    const healed = await m.call('POST', '/api/nes/ne-1/heal');
    assert.equal(healed.status, 200);
    assert.equal((healed.json as { after: { inSync: boolean } }).after.inSync, true);
    assert.deepEqual(m.ne.store.listXids(), [xid]);

    const reports = await m.call('GET', `/api/reports?ne=ne-1&limit=10`);
    assert.deepEqual([reports.status, reports.json], [200, []]);
    const audit = (await m.call('GET', `/api/audit?xid=${xid}`)).json as J[];
    assert.ok(audit.some((a) => a.actor === 'operator' && a.action === 'ActivateTask'));
    assert.ok(audit.some((a) => a.actor === 'x1' && a.action === 'ActivateTaskRequest'));
    const page = (await m.call('GET', `/api/audit?since=${audit[0]!.id as number}&limit=1`)).json as J[];
    assert.equal(page.length, 1);
    const health = (await m.call('GET', '/api/health')).json as { admf: J; nes: { id: string; health: J }[] };
    assert.equal(health.admf.id, 'admf-1');
    assert.deepEqual([health.nes[0]?.id, health.nes[0]?.health.reachable], ['ne-1', true]);
  }));

test('DeactivateAllTasks and RemoveAllDestinations: done when the NE agrees, refused (nothing changed) when not', () =>
  withApi(async (m) => {
    await withNe(m);
    const did = await withDestination(m);
    for (let i = 0; i < 2; i++)
      assert.equal(
        (await m.call('POST', '/api/tasks', { ne: 'ne-1', targets: [target], dids: [did] })).status,
        201,
      );
    await refused(m, 422, [['DELETE', '/api/nes/ne-1/destinations']]);
    const all = await m.call('POST', '/api/nes/ne-1/deactivate-all-tasks');
    assert.equal(all.status, 200, JSON.stringify(all.json));
    assert.deepEqual(
      (all.json as J[]).map((t) => t.state),
      ['ended', 'ended'],
    );
    assert.deepEqual(m.ne.store.listXids(), []);
    await refused(m, 404, [['POST', '/api/nes/ne-9/deactivate-all-tasks']]);
  }));
