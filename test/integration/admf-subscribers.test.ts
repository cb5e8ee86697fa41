// Subscribers over the REST API (issue 19: one ADMF operation for a whole subscriber): its identities become
// several X1 tasks, created, modified and ended together; an NE that refuses or cannot be reached is
// reported per task and the subscriber shows what is out of sync, never a silent half.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MEMORY_NE_URL, memoryAdmf, neWithDestination, type MemoryAdmf } from '../support/admf-memory.js';
import { labSubscriber } from '../../src/probe/sources/population.js';
import type { SubscriberView } from '../../src/admf/subscriber-view.js';
import type { TaskOutcome } from '../../src/admf/subscribers.js';

type Answer = SubscriberView & { results: TaskOutcome[] };

const S = labSubscriber(0);
const IDENTITIES = [
  { kind: 'imsi', value: S.imsi },
  { kind: 'msisdn', value: `+${S.msisdn}` },
  { kind: 'impu', value: S.sipUri },
  { kind: 'impu', value: S.telUri },
  { kind: 'imei', value: S.imei },
];
const IMEI_KEY = `imei:${S.imei.slice(0, 14)}`;

async function call(m: MemoryAdmf, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  const r = await m.call(method, url, body);
  return { status: r.status, json: r.json as Answer };
}

const byTarget = (a: Answer) => Object.fromEntries(a.tasks.map((t) => [`${t.neId} ${t.target}`, t]));
const actions = (a: Answer) => a.results.map((r) => `${r.action} ${r.neId} ${r.target} ${r.outcome}`).sort();

test('a subscriber is created as one task per target, modified together and ended together', async () => {
  const m = await memoryAdmf();
  try {
    const did = await neWithDestination(m);
    const created = await call(m, 'POST', '/api/subscribers', {
      id: 'lab-0',
      name: 'lab subscriber 0',
      identities: IDENTITIES,
      nes: [{ ne: 'ne-1', dids: [did] }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const c = created.json;
    assert.equal(c.inSync, true);
    // The MSISDN and both IMPUs carry one number: one e164Number task covers tel: and sip: alike.
    assert.deepEqual(
      c.targets.map((t) => t.key),
      [`imsi:${S.imsi}`, `e164Number:${S.msisdn}`, IMEI_KEY],
    );
    assert.deepEqual(c.targets[1]!.covers.length, 3);
    assert.deepEqual(actions(c), [
      `activate ne-1 e164Number:${S.msisdn} ok`,
      `activate ne-1 ${IMEI_KEY} ok`,
      `activate ne-1 imsi:${S.imsi} ok`,
    ]);
    const xids = c.tasks.map((t) => t.xid!);
    assert.equal(new Set(xids).size, 3, 'each task its own XID');
    for (const xid of xids) {
      assert.equal((await m.admf.store.getTask(xid))?.state, 'active');
      assert.ok(m.ne.store.getTask(xid), `the NE has ${xid}`);
      assert.equal(await m.admf.store.subscriberOfTask(xid), 'lab-0');
      assert.equal(
        ((await m.call('GET', `/api/tasks/${xid}`)).json as { subscriber?: string }).subscriber,
        'lab-0',
      );
    }
    assert.equal(c.identities[1]!.value, S.msisdn, 'the MSISDN is stored as digits');
    assert.match(String(c.createdAt), /^\d{4}-\d\d-\d\dT/, 'ISO 8601 times');

    // Add an IMPU with its own target, remove the IMEI, add a second destination.
    const did2 = randomUUID();
    const d2 = await m.call('POST', '/api/nes/ne-1/destinations', {
      did: did2,
      uri: 'eep+udp://127.0.0.1:9061',
    });
    assert.equal(d2.status, 201);
    const modified = await call(m, 'PATCH', '/api/subscribers/lab-0', {
      addIdentities: [{ kind: 'impu', value: 'sip:alice@ims.example.net' }],
      removeIdentities: [{ kind: 'imei', value: S.imei }],
      nes: [{ ne: 'ne-1', dids: [did, did2] }],
    });
    assert.equal(modified.status, 200, JSON.stringify(modified.json));
    const mod = modified.json;
    assert.deepEqual(actions(mod), [
      `activate ne-1 sipUri:sip:alice@ims.example.net ok`,
      `deactivate ne-1 ${IMEI_KEY} ok`,
      `modify ne-1 e164Number:${S.msisdn} ok`,
      `modify ne-1 imsi:${S.imsi} ok`,
    ]);
    assert.equal(mod.inSync, true);
    const imeiXid = c.tasks.find((t) => t.target === IMEI_KEY)!.xid!;
    assert.equal((await m.admf.store.getTask(imeiXid))?.state, 'ended');
    assert.equal(m.ne.store.getTask(imeiXid), undefined, 'the NE no longer has the IMEI task');
    const imsiXid = byTarget(mod)[`ne-1 imsi:${S.imsi}`]!.xid!;
    assert.deepEqual(m.ne.store.getTask(imsiXid)!.details.listOfDIDs.dIds.toSorted(), [did, did2].toSorted());

    const shown = await call(m, 'GET', '/api/subscribers/lab-0');
    assert.equal(shown.status, 200);
    assert.equal(shown.json.tasks.length, 3);
    const listed = await m.call('GET', '/api/subscribers');
    assert.deepEqual(
      (listed.json as Answer[]).map((s) => [s.id, s.inSync]),
      [['lab-0', true]],
    );

    const ended = await call(m, 'DELETE', '/api/subscribers/lab-0');
    assert.equal(ended.status, 200, JSON.stringify(ended.json));
    assert.equal(ended.json.state, 'ended');
    assert.equal(ended.json.results.length, 3);
    assert.ok(ended.json.results.every((r) => r.action === 'deactivate' && r.outcome === 'ok'));
    assert.equal(m.ne.store.countTasks(), 0);
    const again = await call(m, 'PATCH', '/api/subscribers/lab-0', {});
    assert.equal(again.status, 409);

    const audit = (await m.call('GET', '/api/audit?limit=10000')).json as {
      action: string;
      detail?: string;
    }[];
    const subscriberRows = audit.filter((a) => a.action.endsWith('Subscriber'));
    assert.deepEqual(
      subscriberRows.map((a) => a.action),
      ['CreateSubscriber', 'ModifySubscriber', 'EndSubscriber', 'ModifySubscriber'],
    );
    assert.match(
      subscriberRows[1]!.detail!,
      /subscriber lab-0: .*deactivate imei:\d+ on ne-1 \([0-9a-f-]{36}\): ok/,
    );
    assert.equal(audit.filter((a) => a.action === 'ActivateTask').length, 4, 'every task change audited too');
  } finally {
    await m.close();
  }
});

test('one NE refuses, another is unreachable: reported per task, the subscriber shows what is out of sync', async () => {
  const m = await memoryAdmf();
  try {
    const did = await neWithDestination(m);
    // ne-2 was reachable once (its destination is stored) and is now down.
    assert.equal(
      (await m.call('POST', '/api/nes', { id: 'ne-2', url: 'https://ne-2.invalid/X1/NE' })).status,
      201,
    );
    const did2 = randomUUID();
    const now = m.clock.now();
    await m.admf.store.putDestination({
      neId: 'ne-2',
      did: did2,
      details: {
        dId: did2,
        deliveryType: 'X2Only',
        deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
        destinationDetailsExtensions: [],
      },
      createdAt: now,
      updatedAt: now,
    });
    const r = await call(m, 'POST', '/api/subscribers', {
      id: 'sub-2',
      identities: [
        { kind: 'imsi', value: S.imsi },
        { kind: 'msisdn', value: S.msisdn },
      ],
      nes: [
        { ne: 'ne-1', dids: [did] },
        { ne: 'ne-2', dids: [did2] },
      ],
    });
    assert.equal(r.status, 207, JSON.stringify(r.json));
    assert.deepEqual(actions(r.json), [
      `activate ne-1 e164Number:${S.msisdn} ok`,
      `activate ne-1 imsi:${S.imsi} ok`,
      `activate ne-2 e164Number:${S.msisdn} pending`,
      `activate ne-2 imsi:${S.imsi} pending`,
    ]);
    assert.equal(r.json.inSync, false);
    assert.deepEqual(
      r.json.outOfSync.map((t) => [t.neId, t.state]),
      [
        ['ne-2', 'activating'],
        ['ne-2', 'activating'],
      ],
    );
    assert.match(
      r.json.outOfSync[0]!.why!,
      /^pending: not installed yet \(.*ECONNREFUSED.*\); installed when the NE is healed$/,
    );

    // ne-1 loses the second destination behind the ADMF's back: the NE refuses the modify that wants it.
    const did3 = randomUUID();
    await m.admf.store.putDestination({
      neId: 'ne-1',
      did: did3,
      details: {
        dId: did3,
        deliveryType: 'X2Only',
        deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9062' },
        destinationDetailsExtensions: [],
      },
      createdAt: now,
      updatedAt: now,
    });
    const refused = await call(m, 'PATCH', '/api/subscribers/sub-2', {
      nes: [{ ne: 'ne-1', dids: [did, did3] }],
    });
    assert.equal(refused.status, 207, JSON.stringify(refused.json));
    const byAction = Object.fromEntries(
      refused.json.results.map((x) => [`${x.action} ${x.neId} ${x.target}`, x]),
    );
    const imsiModify = byAction[`modify ne-1 imsi:${S.imsi}`]!;
    assert.equal(imsiModify.outcome, 'refused');
    assert.equal(typeof imsiModify.x1?.errorCode, 'number');
    // ne-2 left the subscriber: its pending tasks are deactivated, which cannot reach it either.
    assert.equal(byAction[`deactivate ne-2 imsi:${S.imsi}`]!.outcome, 'unreachable');
    const shown = (await call(m, 'GET', '/api/subscribers/sub-2')).json;
    assert.equal(shown.inSync, false);
    const why = Object.fromEntries(shown.outOfSync.map((t) => [`${t.neId} ${t.target}`, t.why]));
    assert.equal(why[`ne-1 imsi:${S.imsi}`], 'the task holds other destinations or delivery type');
    assert.equal(why[`ne-2 imsi:${S.imsi}`], 'being deactivated');

    // Back to what ne-1 has: in sync there; ne-2's leftovers stay shown until it answers.
    const back = await call(m, 'PATCH', '/api/subscribers/sub-2', { nes: [{ ne: 'ne-1', dids: [did] }] });
    assert.equal(back.status, 207);
    assert.deepEqual(
      back.json.outOfSync.map((t) => [t.neId, t.wanted]),
      [
        ['ne-2', false],
        ['ne-2', false],
      ],
    );
  } finally {
    await m.close();
  }
});

test("bad input is refused in the user's terms and changes nothing", async () => {
  const m = await memoryAdmf();
  try {
    const did = await neWithDestination(m);
    const cases: [unknown, number, RegExp][] = [
      [
        { identities: [{ kind: 'imsi', value: '12' }], nes: [{ ne: 'ne-1', dids: [did] }] },
        400,
        /^identities\[0\]: invalid IMSI "12": an IMSI is 6 to 15 digits$/,
      ],
      [
        { identities: [{ kind: 'impu', value: 'mailto:a@b.c' }], nes: [{ ne: 'ne-1', dids: [did] }] },
        400,
        /an IMPU is a sip: or tel: URI/,
      ],
      [
        { identities: [{ kind: 'imsi', value: S.imsi }], nes: [{ ne: 'ne-9', dids: [did] }] },
        404,
        /no NE ne-9/,
      ],
      [
        { identities: [{ kind: 'imsi', value: S.imsi }], nes: [{ ne: 'ne-1', dids: [randomUUID()] }] },
        404,
        /^nes\[0\]: no destination .* on ne-1$/,
      ],
      [{ identities: [{ kind: 'ssn', value: '1' }], nes: [{ ne: 'ne-1', dids: [did] }] }, 400, /kind/],
      [{ identities: [], nes: [{ ne: 'ne-1', dids: [did] }] }, 400, /identities/],
    ];
    for (const [body, status, message] of cases) {
      const r = await m.call('POST', '/api/subscribers', body);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.match((r.json as { message: string }).message, message);
    }
    assert.deepEqual((await m.call('GET', '/api/subscribers')).json, []);
    assert.equal((await m.admf.store.listTasks()).length, 0);
    const ok = await call(m, 'POST', '/api/subscribers', {
      id: 's',
      identities: [{ kind: 'imsi', value: S.imsi }],
      nes: [{ ne: 'ne-1', dids: [did] }],
    });
    assert.equal(ok.status, 201);
    assert.equal(
      (
        await m.call('POST', '/api/subscribers', {
          id: 's',
          identities: IDENTITIES,
          nes: [{ ne: 'ne-1', dids: [did] }],
        })
      ).status,
      409,
    );
    const notThere = await m.call('PATCH', '/api/subscribers/s', {
      removeIdentities: [{ kind: 'msisdn', value: S.msisdn }],
    });
    assert.equal(notThere.status, 400);
    assert.match(
      (notThere.json as { message: string }).message,
      /^removeIdentities\[0\]: msisdn 447900000000 is not an identity of it$/,
    );
    const none = await m.call('PATCH', '/api/subscribers/s', {
      removeIdentities: [{ kind: 'imsi', value: S.imsi }],
    });
    assert.equal(none.status, 400);
    assert.equal((await m.call('GET', '/api/subscribers/nobody')).status, 404);
    assert.equal((await m.admf.store.listTasks()).length, 1);
  } finally {
    await m.close();
  }
});

test('the OpenAPI document has the subscriber operations with ids and answer schemas', async () => {
  const m = await memoryAdmf();
  try {
    const doc = (await m.call('GET', '/openapi.json', undefined, null)).json as {
      paths: Record<
        string,
        Record<
          string,
          {
            operationId?: string;
            responses: Record<string, { content?: { 'application/json': { schema: { type?: string } } } }>;
          }
        >
      >;
    };
    const ops = [
      ...Object.values(doc.paths['/api/subscribers']!),
      ...Object.values(doc.paths['/api/subscribers/{id}']!),
    ];
    assert.deepEqual(ops.map((o) => o.operationId).sort(), [
      'createSubscriber',
      'endSubscriber',
      'getSubscriber',
      'listSubscribers',
      'modifySubscriber',
    ]);
    const patch = doc.paths['/api/subscribers/{id}']!.patch!;
    assert.equal(patch.responses['200']!.content!['application/json'].schema.type, 'object');
    assert.equal(patch.responses['207']!.content!['application/json'].schema.type, 'object');
    assert.equal(
      doc.paths['/api/subscribers']!.get!.responses['200']!.content!['application/json'].schema.type,
      'array',
    );
  } finally {
    await m.close();
  }
});

test('pending tasks of an NE that was down are installed by its heal, and the subscriber comes into sync', async () => {
  const m = await memoryAdmf();
  try {
    // ne-1 is registered at an address where nothing answers; its destination was stored earlier.
    assert.equal(
      (await m.call('POST', '/api/nes', { id: 'ne-1', url: 'https://ne-1.down.invalid/X1/NE' })).status,
      201,
    );
    const did = randomUUID();
    const now = m.clock.now();
    await m.admf.store.putDestination({
      neId: 'ne-1',
      did,
      details: {
        dId: did,
        deliveryType: 'X2Only',
        deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
        destinationDetailsExtensions: [],
      },
      createdAt: now,
      updatedAt: now,
    });
    const r = await call(m, 'POST', '/api/subscribers', {
      id: 'later',
      identities: IDENTITIES,
      nes: [{ ne: 'ne-1', dids: [did] }],
    });
    assert.equal(r.status, 207);
    assert.ok(r.json.results.every((x) => x.outcome === 'pending'));
    // The NE answers at its real address now; healing installs the destination and the pending tasks.
    assert.equal((await m.call('PUT', '/api/nes/ne-1', { url: MEMORY_NE_URL })).status, 200);
    const healed = await m.call('POST', '/api/nes/ne-1/heal');
    assert.equal(healed.status, 200, JSON.stringify(healed.json));
    const after = (await call(m, 'GET', '/api/subscribers/later')).json;
    assert.equal(after.inSync, true, JSON.stringify(after.outOfSync));
    assert.equal(m.ne.store.countTasks(), 3);
  } finally {
    await m.close();
  }
});
