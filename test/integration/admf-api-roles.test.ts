// Named API credentials and roles over the REST API (in memory): each role against each route class, a
// revocation that holds on the running ADMF at once, audit rows naming the operator who acted, a token list
// that never shows a secret, and tokens hashed at rest in the SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { allRoutes } from '../../src/api/app.js';
import { roleAllows, ruleFor } from '../../src/api/roles.js';
import { API_ROLES, type ApiRole } from '../../src/store/admf-tokens.js';
import { Sqlite } from '../../src/store/sqlite.js';
import type { SqliteAdmfStore } from '../../src/store/admf-sqlite-store.js';
import { memoryAdmf, neWithDestination, type MemoryAdmf } from '../support/admf-memory.js';
import { uuid } from '../support/x1-builders.js';

type J = Record<string, unknown>;

/** The least role each route needs, written out by hand (the policy under test, not derived from it). */
const NEEDS: Readonly<Record<string, ApiRole>> = {
  'GET /api/nes': 'operator',
  'POST /api/nes': 'administrator',
  'GET /api/nes/:id': 'operator',
  'PUT /api/nes/:id': 'administrator',
  'DELETE /api/nes/:id': 'administrator',
  'GET /api/nes/:id/status': 'operator',
  'POST /api/nes/:id/ping': 'operator',
  'POST /api/nes/:id/reconcile': 'operator',
  'GET /api/nes/:id/drift': 'operator',
  'POST /api/nes/:id/heal': 'operator',
  'POST /api/nes/:id/deactivate-all-tasks': 'operator',
  'GET /api/destinations': 'operator',
  'GET /api/nes/:id/destinations': 'operator',
  'POST /api/nes/:id/destinations': 'operator',
  'DELETE /api/nes/:id/destinations': 'operator',
  'GET /api/nes/:id/destinations/:did': 'operator',
  'PUT /api/nes/:id/destinations/:did': 'operator',
  'DELETE /api/nes/:id/destinations/:did': 'operator',
  'GET /api/tasks': 'operator',
  'POST /api/tasks': 'operator',
  'GET /api/tasks/:xid': 'operator',
  'PUT /api/tasks/:xid': 'operator',
  'DELETE /api/tasks/:xid': 'operator',
  'GET /api/tasks/:xid/status': 'operator',
  'GET /api/health': 'operator',
  'GET /api/subscribers': 'operator',
  'POST /api/subscribers': 'operator',
  'GET /api/subscribers/:id': 'operator',
  'PATCH /api/subscribers/:id': 'operator',
  'DELETE /api/subscribers/:id': 'operator',
  'GET /api/reports': 'auditor',
  'GET /api/audit': 'auditor',
  'GET /api/whoami': 'auditor',
  // The console's live events: task and NE state, so an operator's (auditors see the records instead).
  'GET /api/events': 'operator',
  // The collectors' captures: the console's Captures page, for every operator.
  'GET /api/collectors': 'auditor',
  'GET /api/collectors/:name/xids': 'auditor',
  'GET /api/collectors/:name/xids/:xid/messages': 'auditor',
  'GET /api/collectors/:name/xids/:xid/messages/:id': 'auditor',
  'GET /api/collectors/:name/xids/:xid/stream': 'auditor',
  'GET /api/collectors/:name/xids/:xid/pcapng': 'auditor',
  'GET /api/tokens': 'administrator',
  'POST /api/tokens': 'administrator',
  'DELETE /api/tokens/:name': 'administrator',
};

async function withApi(fn: (m: MemoryAdmf) => Promise<void>) {
  const m = await memoryAdmf();
  try {
    await fn(m);
  } finally {
    await m.close();
  }
}

/** Makes a named credential with the startup (admin) token; returns its secret. */
async function addToken(m: MemoryAdmf, name: string, role: ApiRole): Promise<string> {
  const r = await m.call('POST', '/api/tokens', { name, role });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const j = r.json as J;
  assert.deepEqual([j.name, j.role, j.revoked], [name, role, false]);
  return j.token as string;
}

/**
 * Routes whose answer is an endless stream: a caller the role admits gets a stream that never ends, so only the
 * refusals are asked here (console-serve.test.ts and admf-collectors.test.ts read the streams).
 */
const STREAMS = new Set(['GET /api/events']);

const fill = (url: string) =>
  url.replace(':id', 'ne-9').replace(':did', uuid()).replace(':xid', uuid()).replace(':name', 'nobody');

test('each role against each route: 403 naming the role needed, or past the role check', () =>
  withApi(async (m) => {
    const tokens: Record<ApiRole, string> = {
      administrator: await addToken(m, 'root-2', 'administrator'),
      operator: await addToken(m, 'alice', 'operator'),
      auditor: await addToken(m, 'bob', 'auditor'),
    };
    const routes = allRoutes({ admf: m.admf, codec: undefined as never });
    for (const route of routes) {
      const key = `${route.method} ${route.url}`;
      // A route another change adds is closed to all but administrators unless roles.ts classes it.
      const needs = NEEDS[key] ?? ruleFor(route.method, route.url).role;
      for (const role of API_ROLES) {
        if (STREAMS.has(key) && roleAllows(role, needs)) continue;
        const body = route.method === 'POST' || route.method === 'PUT' ? {} : undefined;
        const r = await m.call(route.method, fill(route.url), body, tokens[role]);
        const what = `${role} ${key} → ${r.status} ${JSON.stringify(r.json)}`;
        assert.notEqual(r.status, 401, what);
        if (roleAllows(role, needs)) {
          assert.notEqual(r.status, 403, what);
        } else {
          assert.equal(r.status, 403, what);
          const j = r.json as J;
          assert.deepEqual([j.error, j.role], ['forbidden', needs], what);
          assert.match(
            j.message as string,
            new RegExp(
              `needs the ${needs} role; ${role === 'operator' ? 'alice' : 'bob'} has the ${role} role`,
            ),
          );
        }
      }
    }
    // Missing and unknown tokens stay 401 on every class, an auditor's route included.
    for (const url of ['/api/audit', '/api/tasks', '/api/tokens']) {
      assert.equal((await m.call('GET', url, undefined, null)).status, 401);
      assert.equal((await m.call('GET', url, undefined, 'lix_not-a-token-at-all')).status, 401);
    }
    // Each caller sees its own identity; the startup token is the administrator "admin".
    assert.deepEqual((await m.call('GET', '/api/whoami', undefined, tokens.auditor)).json, {
      name: 'bob',
      role: 'auditor',
    });
    assert.deepEqual((await m.call('GET', '/api/whoami')).json, { name: 'admin', role: 'administrator' });
  }));

test('every route the API serves is classed by hand here (a new route needs a decision)', () =>
  withApi(async (m) => {
    const served = allRoutes({ admf: m.admf, codec: undefined as never }).map((r) => `${r.method} ${r.url}`);
    for (const key of served)
      if (NEEDS[key] === undefined)
        assert.equal(
          ruleFor(...(key.split(' ') as [string, string])).role,
          'administrator',
          `${key}: unclassed routes need an administrator`,
        );
    for (const key of Object.keys(NEEDS)) assert.ok(served.includes(key), `${key} is served`);
    const doc = (await m.call('GET', '/openapi.json', undefined, null)).json as {
      paths: Record<string, Record<string, { description: string; operationId?: string }>>;
    };
    assert.match(doc.paths['/api/tokens']!.post!.description, /^Least role: administrator /);
    assert.equal(doc.paths['/api/tokens']!.post!.operationId, 'createToken');
    assert.match(doc.paths['/api/audit']!.get!.description, /^Least role: auditor /);
  }));

test('an operator tasks, an auditor only reads: the same task through both', () =>
  withApi(async (m) => {
    const alice = await addToken(m, 'alice', 'operator');
    const bob = await addToken(m, 'bob', 'auditor');
    const did = await neWithDestination(m);
    const body = { ne: 'ne-1', targets: [{ kind: 'sipUri', value: 'sip:x@example.net' }], dids: [did] };
    assert.equal((await m.call('POST', '/api/tasks', body, bob)).status, 403);
    assert.equal((await m.admf.store.listTasks()).length, 0, 'the refused request changed nothing');
    const made = await m.call('POST', '/api/tasks', body, alice);
    assert.equal(made.status, 201, JSON.stringify(made.json));
    assert.equal((await m.call('GET', '/api/tasks', undefined, bob)).status, 403);
    assert.equal((await m.call('GET', '/api/audit', undefined, bob)).status, 200);
    assert.equal((await m.call('GET', '/api/reports', undefined, bob)).status, 200);
    // An operator may not register NEs nor manage credentials.
    assert.equal((await m.call('DELETE', '/api/nes/ne-1', undefined, alice)).status, 403);
    assert.equal(
      (await m.call('POST', '/api/tokens', { name: 'eve', role: 'administrator' }, alice)).status,
      403,
    );
    assert.equal((await m.admf.store.listApiTokens()).length, 2);
  }));

test('a revoked token is refused at once by the running ADMF; the name stays taken', () =>
  withApi(async (m) => {
    const alice = await addToken(m, 'alice', 'operator');
    assert.equal((await m.call('GET', '/api/tasks', undefined, alice)).status, 200);
    const revoked = await m.call('DELETE', '/api/tokens/alice');
    assert.equal(revoked.status, 200);
    assert.equal((revoked.json as J).revoked, true);
    assert.match((revoked.json as J).revokedAt as string, /^\d{4}-\d\d-\d\dT/);
    const after = await m.call('GET', '/api/tasks', undefined, alice);
    assert.equal(after.status, 401);
    assert.equal(after.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.match((after.json as J).message as string, /revoked/);
    assert.equal((await m.call('POST', '/api/tokens', { name: 'alice', role: 'auditor' })).status, 409);
    assert.equal((await m.call('POST', '/api/tokens', { name: 'admin', role: 'auditor' })).status, 409);
    assert.equal((await m.call('DELETE', '/api/tokens/nobody')).status, 404);
    assert.equal((await m.call('POST', '/api/tokens', { name: 'a b', role: 'auditor' })).status, 400);
    assert.equal((await m.call('POST', '/api/tokens', { name: 'carol', role: 'root' })).status, 400);
    // The startup token is untouched.
    assert.equal((await m.call('GET', '/api/tasks')).status, 200);
  }));

test('audit rows name the operator who acted, and /api/audit filters by operator', () =>
  withApi(async (m) => {
    const alice = await addToken(m, 'alice', 'operator');
    const carol = await addToken(m, 'carol', 'operator');
    const did = await neWithDestination(m); // as admin, the startup token
    const made = await m.call(
      'POST',
      '/api/tasks',
      { ne: 'ne-1', targets: [{ kind: 'sipUri', value: 'sip:x@example.net' }], dids: [did] },
      alice,
    );
    const xid = (made.json as J).xid as string;
    assert.equal((await m.call('DELETE', `/api/tasks/${xid}`, undefined, carol)).status, 200);
    const rows = (await m.call('GET', `/api/audit?xid=${xid}`)).json as J[];
    const byAction = (action: string, actor: string) =>
      rows.filter((r) => r.action === action && r.actor === actor).map((r) => r.operator);
    assert.deepEqual(byAction('ActivateTask', 'operator'), ['alice']);
    assert.deepEqual(byAction('DeactivateTask', 'operator'), ['carol']);
    // The X1 exchanges each request caused name its operator too; actor stays x1.
    assert.deepEqual(byAction('ActivateTaskRequest', 'x1'), ['alice']);
    assert.deepEqual(byAction('DeactivateTaskRequest', 'x1'), ['carol']);
    // A reconciliation an operator asks for is the system's work done for that operator.
    assert.equal((await m.call('POST', '/api/nes/ne-1/reconcile', undefined, carol)).status, 200);
    const reconciled = ((await m.call('GET', '/api/audit?ne=ne-1')).json as J[]).filter(
      (r) => r.action === 'Reconcile',
    );
    assert.deepEqual(
      reconciled.map((r) => [r.actor, r.operator]),
      [['system', 'carol']],
    );
    const admins = (await m.call('GET', '/api/audit?operator=admin')).json as J[];
    assert.ok(admins.some((r) => r.action === 'AddNe'));
    assert.ok(admins.some((r) => r.action === 'AddApiToken' && r.detail === 'alice (operator)'));
    // A subscriber (several tasks at once) is audited with its operator like a single task.
    const sub = await m.call(
      'POST',
      '/api/subscribers',
      {
        id: 'sub-1',
        identities: [{ kind: 'imsi', value: '001010123456789' }],
        nes: [{ ne: 'ne-1', dids: [did] }],
      },
      alice,
    );
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const subRows = ((await m.call('GET', '/api/audit?operator=alice')).json as J[]).filter((r) =>
      /ubscriber/.test(String(r.action)),
    );
    assert.ok(subRows.length > 0, 'the subscriber operation is audited as alice');
    const carols = (await m.call('GET', '/api/audit?operator=carol')).json as J[];
    assert.ok(carols.length >= 2);
    assert.ok(carols.every((r) => r.operator === 'carol'));
  }));

test('the token list never shows a secret or a hash; tokens are hashed at rest in the SQLite file', () =>
  withApi(async (m) => {
    const alice = await addToken(m, 'alice', 'operator');
    assert.match(alice, /^lix_[A-Za-z0-9_-]{43}$/);
    assert.ok(Buffer.from(alice.slice(4), 'base64url').length * 8 >= 128);
    assert.notEqual(await addToken(m, 'alice-2', 'operator'), alice);
    await m.call('GET', '/api/tasks', undefined, alice);
    const hash = createHash('sha256').update(alice).digest('hex');
    const list = await m.call('GET', '/api/tokens');
    const text = JSON.stringify(list.json);
    assert.ok(!text.includes(alice) && !text.includes(alice.slice(4)) && !text.includes(hash), text);
    const row = (list.json as J[]).find((t) => t.name === 'alice')!;
    assert.deepEqual(Object.keys(row).sort(), ['createdAt', 'lastUsedAt', 'name', 'revoked', 'role']);
    const file = (m.admf.store as SqliteAdmfStore).file;
    const db = new Sqlite(file);
    try {
      const stored = db.prepare("SELECT * FROM api_tokens WHERE name = 'alice'").get() as J;
      assert.equal(stored.hash, hash);
      assert.ok(!Object.values(stored).includes(alice));
    } finally {
      db.close();
    }
    for (const f of [file, `${file}-wal`])
      if (existsSync(f)) assert.equal(readFileSync(f).includes(alice.slice(4)), false, `${f} holds no token`);
  }));
