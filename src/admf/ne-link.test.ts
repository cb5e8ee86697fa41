import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../lib/logger.js';
import { X1Codec } from '../x1/codec.js';
import { decodeX1 } from '../x1/decode.js';
import { encodeResponse, encodeTopLevelError } from '../x1/encode.js';
import type { MessageHeader, X1Request } from '../x1/model.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { NeLink, NeRequestError, type ExchangeEvent } from './ne-link.js';

const TIME2 = 15_000;

interface Call {
  readonly request: X1Request;
  answer(body: string, peer?: string): void;
}

/** A poster whose answers the test writes by hand. */
function scripted() {
  const calls: Call[] = [];
  const poster = {
    post: (body: string) =>
      new Promise<{ status: number; body: Uint8Array; peerIdentity: string | undefined }>((resolve) => {
        const doc = decodeX1(body);
        assert.ok(doc.root === 'X1Request' && doc.results[0]?.ok);
        calls.push({
          request: doc.results[0].message,
          answer: (b, peer = 'ne-1') => resolve({ status: 200, body: Buffer.from(b), peerIdentity: peer }),
        });
      }),
  };
  return { calls, poster };
}

function ping(h: MessageHeader, over: Partial<MessageHeader> = {}): string {
  return encodeResponse([
    { type: 'PingResponse', header: { ...h, ...over }, oK: 'AcknowledgedAndCompleted' },
  ]);
}

function setup() {
  const clock = new FakeClock();
  const { calls, poster } = scripted();
  const events: ExchangeEvent[] = [];
  const link = new NeLink({
    neId: 'ne-1',
    admfId: 'admf-1',
    version: 'v1.23.1',
    poster,
    codec: new X1Codec(),
    clock,
    logger: silentLogger,
    time2Ms: TIME2,
    maxResends: 0,
    onExchange: (e) => events.push(e),
  });
  return { clock, calls, link, events };
}

const flush = () => new Promise((r) => setImmediate(r));

test('responses are matched by transaction ID, in whatever order they come', async () => {
  const { calls, link } = setup();
  const a = link.request({ type: 'PingRequest' });
  const b = link.request({ type: 'PingRequest' });
  await flush();
  const [ca, cb] = calls;
  cb!.answer(ping(cb!.request.header));
  ca!.answer(ping(ca!.request.header));
  assert.equal((await a).transactionId, ca!.request.header.x1TransactionId);
  assert.equal((await b).transactionId, cb!.request.header.x1TransactionId);
  assert.equal(link.inFlight, 0);
});

test('a response naming another NE or ADMF in its header is disregarded; the request then times out', async () => {
  for (const over of [{ neIdentifier: 'ne-2' }, { admfIdentifier: 'admf-9' }]) {
    const { clock, calls, link, events } = setup();
    const p = link.request({ type: 'PingRequest' });
    const failed = assert.rejects(p, (e: unknown) => e instanceof NeRequestError && e.kind === 'timeout');
    await flush();
    calls[0]!.answer(ping(calls[0]!.request.header, over));
    await flush();
    assert.equal(link.counters.disregarded, 1);
    assert.ok(events.some((e) => e.outcome === 'disregarded'));
    await clock.advance(TIME2);
    await failed;
  }
});

test('an unreadable answer is disregarded; a top-level error fails the request at once', async () => {
  const { clock, calls, link } = setup();
  const p = link.request({ type: 'PingRequest' });
  const failed = assert.rejects(p, (e: unknown) => e instanceof NeRequestError && e.kind === 'timeout');
  await flush();
  calls[0]!.answer('<not-x1/>');
  await flush();
  assert.equal(link.counters.disregarded, 1);
  await clock.advance(TIME2);
  await failed;

  const q = link.request({ type: 'GetNEStatusRequest' });
  await flush();
  calls[1]!.answer(
    encodeTopLevelError({
      admfIdentifier: 'admf-1',
      neIdentifier: 'ne-1',
      messageTimestamp: '2026-11-22T10:00:00.000000Z',
      version: 'v1.23.1',
    }),
  );
  await assert.rejects(q, (e: unknown) => e instanceof NeRequestError && e.kind === 'top-level');
});

test('a late answer is counted and dropped; close() fails what is pending and refuses new requests', async () => {
  const { clock, calls, link } = setup();
  const p = link.request({ type: 'PingRequest' });
  const failed = assert.rejects(p, (e: unknown) => e instanceof NeRequestError && e.kind === 'timeout');
  await flush();
  await clock.advance(TIME2);
  await failed;
  calls[0]!.answer(ping(calls[0]!.request.header));
  await flush();
  assert.equal(link.counters.late, 1);

  const pending = link.request({ type: 'PingRequest' });
  await flush();
  link.close();
  await assert.rejects(pending, (e: unknown) => e instanceof NeRequestError && e.kind === 'closed');
  await assert.rejects(link.request({ type: 'PingRequest' }), /closed/);
});

test('a request past its deadline does not leave (nor is sent again); onSent gives each attempt its stamp time', async () => {
  const { clock, calls, link } = setup();
  const sentAt: number[] = [];
  const deadline = clock.now() + 500;
  const ok = link.request(
    { type: 'KeepaliveRequest' },
    { notAfter: deadline, onSent: (t) => sentAt.push(t) },
  );
  await flush();
  assert.equal(calls.length, 1);
  assert.deepEqual(sentAt, [clock.now()]);
  assert.equal(Date.parse(calls[0]!.request.header.messageTimestamp), sentAt[0]);
  calls[0]!.answer(
    encodeResponse([
      { type: 'KeepaliveResponse', header: calls[0]!.request.header, oK: 'AcknowledgedAndCompleted' },
    ]),
  );
  await ok;
  await clock.advance(501);
  await assert.rejects(
    link.request({ type: 'KeepaliveRequest' }, { notAfter: deadline, onSent: (t) => sentAt.push(t) }),
    (e: unknown) =>
      e instanceof NeRequestError && e.kind === 'late' && /1 ms past its deadline/.test(e.message),
  );
  assert.equal(calls.length, 1, 'nothing left');
  assert.equal(sentAt.length, 1);
  assert.equal(link.counters.sent, 1);
});
