// The ADMF's X1 requester against the lix NE over real mutual TLS: every request type, identity checks,
// and the TIME2 behaviours against a deliberately slow or silent NE, driven by a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NeRequestError, type RequestBody } from '../../src/admf/ne-link.js';
import { neHarness } from '../support/ne-harness.js';
import { fakeNe } from '../support/admf-fake-ne.js';
import { testLink, TIME2_MS, until } from '../support/admf-helpers.js';
import { destination, task, uuid } from '../support/x1-builders.js';

test('every request type is answered by the lix NE, matched by transaction ID and schema-valid', async () => {
  const h = await neHarness(
    { deactivateAllEnabled: true, removeAllDestinationsEnabled: true },
    { transport: 'https' },
  );
  const t = await testLink(h.url!);
  try {
    const did = uuid();
    const xid = uuid();
    const steps: [RequestBody, string][] = [
      [{ type: 'PingRequest' }, 'PingResponse'],
      [{ type: 'KeepaliveRequest' }, 'KeepaliveResponse'],
      [
        { type: 'CreateDestinationRequest', destinationDetails: destination(did) },
        'CreateDestinationResponse',
      ],
      [
        {
          type: 'ModifyDestinationRequest',
          destinationDetails: destination(did, { friendlyName: 'renamed' }),
        },
        'ModifyDestinationResponse',
      ],
      [{ type: 'GetDestinationDetailsRequest', dId: did }, 'GetDestinationDetailsResponse'],
      [{ type: 'ActivateTaskRequest', taskDetails: task(xid, [did]) }, 'ActivateTaskResponse'],
      [
        {
          type: 'ModifyTaskRequest',
          taskDetails: task(xid, [did], {
            targetIdentifiers: [{ kind: 'e164Number', value: '4915112345678' }],
          }),
        },
        'ModifyTaskResponse',
      ],
      [{ type: 'GetTaskDetailsRequest', xId: xid }, 'GetTaskDetailsResponse'],
      [{ type: 'GetNEStatusRequest' }, 'GetNEStatusResponse'],
      [{ type: 'GetAllDetailsRequest' }, 'GetAllDetailsResponse'],
      [{ type: 'GetAllTaskDetailsRequest' }, 'GetAllTaskDetailsResponse'],
      [{ type: 'GetAllDestinationDetailsRequest' }, 'GetAllDestinationDetailsResponse'],
      [{ type: 'ListAllDetailsRequest' }, 'ListAllDetailsResponse'],
      [{ type: 'DeactivateTaskRequest', xId: xid }, 'DeactivateTaskResponse'],
      [{ type: 'ActivateTaskRequest', taskDetails: task(uuid(), [did]) }, 'ActivateTaskResponse'],
      [{ type: 'DeactivateAllTasksRequest' }, 'DeactivateAllTasksResponse'],
      [{ type: 'RemoveDestinationRequest', dId: did }, 'RemoveDestinationResponse'],
      [
        { type: 'CreateDestinationRequest', destinationDetails: destination(uuid()) },
        'CreateDestinationResponse',
      ],
      [{ type: 'RemoveAllDestinationsRequest' }, 'RemoveAllDestinationsResponse'],
      [{ type: 'GetTaskDetailsRequest', xId: xid }, 'ErrorResponse'],
    ];
    for (const [body, expected] of steps) {
      const a = await t.link.request(body);
      assert.equal(a.response.type, expected, `${body.type} → ${JSON.stringify(a.response)}`);
      assert.equal(a.response.header.x1TransactionId, a.transactionId);
      assert.equal(a.attempts, 1);
      if (a.response.type === 'ErrorResponse') assert.equal(a.response.errorInformation.errorCode, 2020);
    }
    const got = await t.link.request({ type: 'GetAllDetailsRequest' });
    assert.ok(got.response.type === 'GetAllDetailsResponse');
    assert.equal(got.response.listOfTaskResponseDetails.length, 0);
    assert.equal(t.events.length, steps.length + 1);
    assert.ok(t.events.every((e) => e.neId === 'ne-1' && e.latencyMs !== undefined));
    assert.equal(t.events.at(-2)?.outcome, 'error-response');
    assert.deepEqual([t.link.counters.disregarded, t.link.counters.timeouts], [0, 0]);
  } finally {
    await t.close();
    await h.close();
  }
});

test('a response from the wrong certificate identity is disregarded and logged; the request times out', async () => {
  const ne = await fakeNe({ as: 'ne-2' });
  const t = await testLink(ne.url, { maxResends: 1 });
  try {
    const p = t.link.request({ type: 'PingRequest' });
    const rejected = assert.rejects(p, (e: unknown) => e instanceof NeRequestError && e.kind === 'timeout');
    await until('the first answer, disregarded', () => t.link.counters.disregarded === 1);
    await t.clock.advance(TIME2_MS);
    await until('the second answer, disregarded', () => t.link.counters.disregarded === 2);
    await t.clock.advance(TIME2_MS);
    await rejected;
    assert.equal(ne.received.length, 2);
    assert.ok(
      t.events.some((e) => e.outcome === 'disregarded' && /certificate identity "ne-2"/.test(e.detail ?? '')),
    );
  } finally {
    await ne.close();
    await t.close();
  }
});

test('TIME2 on a lifecycle request: GetTaskDetails for that XID goes first, other requests wait for it', async () => {
  const ne = await fakeNe();
  const t = await testLink(ne.url);
  try {
    const did = uuid();
    const xid = uuid();
    await t.link.request({ type: 'CreateDestinationRequest', destinationDetails: destination(did) });
    ne.slow.add('ActivateTaskRequest');
    ne.slow.add('GetTaskDetailsRequest');
    const activation = t.link.request({ type: 'ActivateTaskRequest', taskDetails: task(xid, [did]) });
    await until('the activation at the NE', () => ne.received.some((m) => m.type === 'ActivateTaskRequest'));
    await t.clock.advance(TIME2_MS);
    await until('the follow-up at the NE', () => ne.received.some((m) => m.type === 'GetTaskDetailsRequest'));
    const ping = t.link.request({ type: 'PingRequest' });
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      !ne.received.some((m) => m.type === 'PingRequest'),
      'nothing else leaves before the follow-up is answered',
    );
    ne.slow.clear();
    ne.release();
    const a = await activation;
    assert.equal(a.recoveredBy, 'GetTaskDetailsRequest');
    assert.ok(a.response.type === 'GetTaskDetailsResponse');
    assert.equal(a.response.taskResponseDetails.taskDetails.xId, xid);
    assert.equal((await ping).response.type, 'PingResponse');
    assert.deepEqual(
      ne.received.slice(-3).map((m) => m.type),
      ['ActivateTaskRequest', 'GetTaskDetailsRequest', 'PingRequest'],
    );
    const follow = ne.received.at(-2);
    assert.ok(follow?.type === 'GetTaskDetailsRequest' && follow.xId === xid);
    await until('the late activation answer', () => t.link.counters.late === 1);
  } finally {
    await ne.close();
    await t.close();
  }
});

test('TIME2 on a lost activation: GetTaskDetails answers that the XID does not exist', async () => {
  const ne = await fakeNe();
  const t = await testLink(ne.url);
  try {
    const did = uuid();
    await t.link.request({ type: 'CreateDestinationRequest', destinationDetails: destination(did) });
    ne.silent.add('ActivateTaskRequest');
    const xid = uuid();
    const activation = t.link.request({ type: 'ActivateTaskRequest', taskDetails: task(xid, [did]) });
    await until('the activation at the NE', () => ne.received.some((m) => m.type === 'ActivateTaskRequest'));
    await t.clock.advance(TIME2_MS);
    const a = await activation;
    assert.equal(a.recoveredBy, 'GetTaskDetailsRequest');
    assert.ok(a.response.type === 'ErrorResponse');
    assert.equal(a.response.errorInformation.errorCode, 2020);
  } finally {
    await ne.close();
    await t.close();
  }
});

test('TIME2 on any other request: sent again as a new request with a new transaction ID', async () => {
  const ne = await fakeNe();
  const t = await testLink(ne.url);
  try {
    ne.silent.add('GetNEStatusRequest');
    const status = t.link.request({ type: 'GetNEStatusRequest' });
    await until('the first attempt', () => ne.received.length === 1);
    ne.silent.clear();
    await t.clock.advance(TIME2_MS);
    const a = await status;
    assert.equal(a.response.type, 'GetNEStatusResponse');
    assert.equal(a.attempts, 2);
    const [first, second] = ne.received;
    assert.ok(first && second && first.type === 'GetNEStatusRequest' && second.type === 'GetNEStatusRequest');
    assert.notEqual(first.header.x1TransactionId, second.header.x1TransactionId);
    assert.equal(a.transactionId, second.header.x1TransactionId);
    assert.equal(t.events.filter((e) => e.outcome === 'timeout').length, 1);
  } finally {
    await ne.close();
    await t.close();
  }
});

test('a silent NE: every resend goes unanswered, then the request fails with a timeout', async () => {
  const ne = await fakeNe();
  const t = await testLink(ne.url, { maxResends: 2 });
  try {
    ne.silent.add('PingRequest');
    const p = t.link.request({ type: 'PingRequest' });
    const rejected = assert.rejects(p, (e: unknown) => e instanceof NeRequestError && e.kind === 'timeout');
    for (let i = 1; i <= 3; i++) {
      await until(`attempt ${i}`, () => ne.received.length === i);
      await t.clock.advance(TIME2_MS);
    }
    await rejected;
    assert.equal(new Set(ne.received.map((m) => m.header.x1TransactionId)).size, 3);
  } finally {
    await ne.close();
    await t.close();
  }
});

test('an NE that does not listen: the request fails at once as a transport failure', async () => {
  const ne = await fakeNe();
  const url = ne.url;
  await ne.close();
  const t = await testLink(url);
  try {
    await assert.rejects(
      t.link.request({ type: 'PingRequest' }),
      (e: unknown) => e instanceof NeRequestError && e.kind === 'transport',
    );
    assert.equal(t.events[0]?.outcome, 'transport');
  } finally {
    await t.close();
  }
});
