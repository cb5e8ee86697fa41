import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X1Codec } from './codec.js';
import { decodeX1 } from './decode.js';
import { encodeRequest } from './encode.js';
import { codeFor, X1Error } from './errors.js';
import type { MessageHeader, X1Request, X1Response } from './model.js';
import { X1Responder, type RefusedMessage } from './responder.js';
import { okResponse, type ResponderIdentity } from './responses.js';

const me: ResponderIdentity = {
  neId: 'ne-1',
  admfId: 'admf-1',
  version: 'v1.23.1',
  profile: 'etsi',
  nowMicros: () => 1_796_000_000_000_000n,
};

function header(n: number): MessageHeader {
  return {
    admfIdentifier: 'admf-1',
    neIdentifier: 'ne-1',
    messageTimestamp: '2026-12-03T10:00:00.000001Z',
    version: 'v1.23.1',
    x1TransactionId: `00000000-0000-4000-8000-00000000000${n}`,
  };
}

/** A responder whose handler fails the way each message's transaction number says. */
function harness() {
  const seen = {
    begins: 0,
    refused: [] as RefusedMessage[],
    failed: [] as string[],
    containers: [] as string[],
  };
  const responder = new X1Responder<number>({
    codec: new X1Codec(),
    me,
    internalError: 'internal error; see the log',
    begin: () => ++seen.begins,
    checkIdentity: (_m, peer) => {
      if (peer !== 'admf-1') throw new X1Error('AdmfIdentityMismatch', `certificate identity "${peer}"`);
    },
    dispatch: async (m: X1Request, _peer, state): Promise<X1Response> => {
      assert.equal(state, seen.begins, 'the container state reaches every message');
      if (m.header.x1TransactionId.endsWith('2')) throw new X1Error('XidDoesNotExist', 'no such task');
      if (m.header.x1TransactionId.endsWith('3')) throw new TypeError('a bug');
      return okResponse(me, m.header, 'PingResponse', 'AcknowledgedAndCompleted');
    },
    containerRefused: (why, root) => seen.containers.push(`${root ?? '-'}: ${why}`),
    messageRefused: (r) => seen.refused.push(r),
    messageFailed: (m, err) => {
      seen.failed.push(`${m.header.x1TransactionId.slice(-1)} ${String(err)}`);
    },
  });
  return { responder, seen };
}

const pings = [1, 2, 3].map((n): X1Request => ({ type: 'PingRequest', header: header(n) }));

test('each message is answered on its own: ok, its X1 error, GenericFailure for anything else', async () => {
  const { responder, seen } = harness();
  const out = decodeX1(await responder.respond(Buffer.from(encodeRequest(pings)), 'admf-1'));
  assert.equal(out.root, 'X1Response');
  if (out.root !== 'X1Response') return;
  const answers = out.results.map((r) => (r.ok ? r.message : undefined));
  assert.equal(answers[0]?.type, 'PingResponse');
  const e2 = answers[1];
  const e3 = answers[2];
  assert.ok(e2?.type === 'ErrorResponse' && e3?.type === 'ErrorResponse');
  assert.equal(e2.errorInformation.errorCode, codeFor('etsi', 'XidDoesNotExist'));
  assert.equal(e2.header.x1TransactionId, header(2).x1TransactionId);
  assert.equal(e3.errorInformation.errorCode, codeFor('etsi', 'GenericFailure'));
  assert.equal(e3.errorInformation.errorDescription, 'internal error; see the log');
  assert.equal(e3.requestMessageType, 'Ping');
  assert.deepEqual(seen.failed, ['2 X1Error: no such task', '3 TypeError: a bug']);
  assert.equal(seen.begins, 1);
});

test('a peer whose identity does not fit gets an error per message and no handler runs', async () => {
  const { responder, seen } = harness();
  const out = decodeX1(await responder.respond(Buffer.from(encodeRequest(pings.slice(0, 1))), 'ne-9'));
  assert.ok(out.root === 'X1Response' && out.results[0]?.ok);
  const r = out.results[0].message;
  assert.ok(r.type === 'ErrorResponse');
  assert.equal(r.errorInformation.errorCode, codeFor('etsi', 'AdmfIdentityMismatch'));
  assert.deepEqual(seen.failed, ['1 X1Error: certificate identity "ne-9"']);
});

test('an unreadable container or a response container gets the top-level error', async () => {
  const { responder, seen } = harness();
  for (const body of ['<x1:X1Request', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>']) {
    const out = decodeX1(await responder.respond(Buffer.from(body), 'admf-1'));
    assert.equal(out.root, 'X1TopLevelErrorResponse');
  }
  const response = await responder.respond(Buffer.from(encodeRequest(pings.slice(0, 1))), 'admf-1');
  const out = decodeX1(await responder.respond(Buffer.from(response), 'admf-1'));
  assert.equal(out.root, 'X1TopLevelErrorResponse');
  assert.equal(seen.containers.length, 3);
  assert.match(seen.containers[2]!, /^X1Response: not a request container/);
});

test('a message that fails to decode is answered with its error, the others still run', async () => {
  const { responder, seen } = harness();
  const xml = encodeRequest(pings.slice(0, 1)).replace(
    '</x1:X1Request>',
    '<x1:x1RequestMessage xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x1:PingRequest">' +
      '<x1:admfIdentifier>admf-1</x1:admfIdentifier></x1:x1RequestMessage></x1:X1Request>',
  );
  const out = decodeX1(await responder.respond(Buffer.from(xml), 'admf-1'));
  assert.ok(out.root === 'X1Response');
  assert.equal(out.results.length, 2);
  assert.ok(out.results[0]?.ok && out.results[0].message.type === 'PingResponse');
  assert.ok(out.results[1]?.ok && out.results[1].message.type === 'ErrorResponse');
  assert.equal(seen.refused.length, 1);
  assert.equal(seen.refused[0]?.requestMessageType, 'Ping');
});
