import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeX1 } from './decode.js';
import { encodeRequest, encodeResponse } from './encode.js';
import { X1Error } from './errors.js';
import type { ActivateTaskRequest, MessageHeader, TaskStatus } from './model.js';
import { expandIpv6, formatTimestamp, parseTimestamp } from './simple-types.js';

const header: MessageHeader = {
  admfIdentifier: 'admf-1',
  neIdentifier: 'ne-1',
  messageTimestamp: '2026-11-22T10:00:00.000001Z',
  version: 'v1.23.1',
  x1TransactionId: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE',
};

test('canonical output: lower-case UUIDs, expanded IPv6, E.164 without +', () => {
  const m: ActivateTaskRequest = {
    type: 'ActivateTaskRequest',
    header,
    taskDetails: {
      xId: '29F28E1C-F230-486A-A860-F5A784AB9172',
      targetIdentifiers: [
        { kind: 'e164Number', value: '+447700900000' },
        { kind: 'ipv6Address', value: '2001:DB8::1' },
        { kind: 'ipv4Cidr', value: { family: 'IPv6CIDR', value: '2001:db8::/32' } },
      ],
      deliveryType: 'X2Only',
      listOfDIDs: { dIds: ['19867C20-8C94-473E-B9CD-8B72B7B05FD4'], dSIds: [] },
      taskDetailsExtensions: [],
    },
  };
  const xml = encodeRequest([m]);
  assert.match(xml, /<x1:x1TransactionId>aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee</);
  assert.match(xml, /<x1:xId>29f28e1c-f230-486a-a860-f5a784ab9172</);
  assert.match(xml, /<x1:e164Number>447700900000</);
  assert.match(xml, /<x1:ipv6Address>2001:0db8:0000:0000:0000:0000:0000:0001</);
  assert.match(xml, /<e280:IPv6CIDR>2001:0db8:0000:0000:0000:0000:0000:0000\/32</);
  assert.match(xml, /<x1:dId>19867c20-8c94-473e-b9cd-8b72b7b05fd4</);
  const d = decodeX1(xml);
  assert.ok(d.root === 'X1Request' && d.results[0]!.ok);
});

test('text is escaped, and characters XML cannot carry are refused', () => {
  const xml = encodeResponse([
    {
      type: 'ErrorResponse',
      header: { ...header, x1TransactionId: header.x1TransactionId.toLowerCase() },
      requestMessageType: 'Ping',
      errorInformation: { errorCode: 1000, errorDescription: 'a < b & "c" > d' },
    },
  ]);
  assert.match(xml, /a &lt; b &amp; &quot;c&quot; &gt; d/);
  const d = decodeX1(xml);
  assert.ok(d.root === 'X1Response' && d.results[0]!.ok);
  assert.equal(
    (d.results[0] as { message: { errorInformation: { errorDescription: string } } }).message.errorInformation
      .errorDescription,
    'a < b & "c" > d',
  );
  assert.throws(
    () =>
      encodeResponse([
        {
          type: 'PingResponse',
          header: { ...header, admfIdentifier: 'a\u0000b' },
          oK: 'AcknowledgedAndCompleted',
        },
      ]),
    X1Error,
  );
});

test('IPv6 expansion', () => {
  assert.equal(expandIpv6('::'), '0000:0000:0000:0000:0000:0000:0000:0000');
  assert.equal(expandIpv6('::1'), '0000:0000:0000:0000:0000:0000:0000:0001');
  assert.equal(expandIpv6('FE80::1:2'), 'fe80:0000:0000:0000:0000:0000:0001:0002');
  assert.equal(expandIpv6('::ffff:192.0.2.1'), '0000:0000:0000:0000:0000:ffff:c000:0201');
  assert.equal(expandIpv6('1:2:3:4:5:6:7:8'), '0001:0002:0003:0004:0005:0006:0007:0008');
  assert.equal(expandIpv6('1::2::3'), undefined);
  assert.equal(expandIpv6('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(expandIpv6('12345::'), undefined);
});

test('timestamps have exactly six fractional digits and round-trip', () => {
  assert.equal(formatTimestamp(1_700_000_000_123_456n), '2023-11-14T22:13:20.123456Z');
  assert.equal(formatTimestamp(0n), '1970-01-01T00:00:00.000000Z');
  assert.equal(parseTimestamp('2023-11-14T22:13:20.123456Z'), 1_700_000_000_123_456n);
  assert.equal(parseTimestamp('2023-11-14T23:13:20.123456+01:00'), 1_700_000_000_123_456n);
  assert.equal(parseTimestamp('2023-11-14T22:13:20.123Z'), undefined);
  assert.equal(parseTimestamp('2023-13-45T22:13:20.123456Z'), undefined);
});

test('a bulk answer from stored task fragments decodes to the same model, and validates', async () => {
  const { encodeTaskDetailsFragment } = await import('./encode.js');
  const { bulkTaskResponse, collectChunks, encodeResponseChunks } = await import('./encode-stream.js');
  const { SchemaSet } = await import('./schema.js');
  const { readSchemaDir } = await import('../lib/schema-dir.js');
  const { ETSI_DIR } = await import('../../test/support/shared.js');
  const h = { ...header, x1TransactionId: header.x1TransactionId.toLowerCase() };
  const tasks = [0, 1, 2].map((i) => ({
    taskDetails: {
      xId: `29f28e1c-f230-486a-a860-00000000000${i}`,
      targetIdentifiers: [{ kind: 'imsi' as const, value: `00101000000000${i}` }],
      deliveryType: 'X2Only' as const,
      listOfDIDs: { dIds: ['19867c20-8c94-473e-b9cd-8b72b7b05fd4'], dSIds: [] },
      taskDetailsExtensions: [],
    },
    taskStatus: {
      provisioningStatus: 'complete' as const,
      listOfFaults: i === 1 ? [{ errorCode: 9020, errorDescription: 'probe lost' }] : [],
      amountOfX2Data: i * 10,
      numberOfModifications: 0,
      taskStatusExtensions: [],
    },
  }));
  const neStatusDetails = { neStatus: 'OK' as const, listOfFaults: [] };
  // Two slices, then the end; released once read.
  const slices = [tasks.slice(0, 2), tasks.slice(2), []].map((slice) =>
    slice.map((t) => ({
      taskDetailsXml: encodeTaskDetailsFragment(t.taskDetails),
      taskStatus: t.taskStatus,
    })),
  );
  let released = 0;
  const source = (s: typeof slices) => ({ nextSlice: () => s.shift() ?? [], release: () => released++ });
  const bulk = bulkTaskResponse('GetAllDetailsResponse', h, source(slices), {
    neStatusDetails,
    destinations: [],
  });
  const viaBulk = await collectChunks(encodeResponseChunks([bulk]));
  assert.equal(released, 1);
  const viaModel = encodeResponse([
    {
      type: 'GetAllDetailsResponse',
      header: h,
      neStatusDetails,
      listOfTaskResponseDetails: tasks,
      listOfDestinationResponseDetails: [],
    },
  ]);
  assert.deepEqual(decodeX1(viaBulk), decodeX1(viaModel));
  const schema = SchemaSet.compile(readSchemaDir(ETSI_DIR));
  assert.deepEqual(schema.validate(viaBulk), { valid: true });
  const none = await collectChunks(
    encodeResponseChunks([bulkTaskResponse('GetAllTaskDetailsResponse', h, source([]), undefined)]),
  );
  assert.deepEqual(schema.validate(none), { valid: true });
  assert.equal(released, 2);
});

test('bulk task status: the one-template fast path writes what the writer writes, for any status', async () => {
  const fc = (await import('fast-check')).default;
  const { encodeTaskDetailsFragment, newWriter } = await import('./encode.js');
  const { encodeTaskSlice, encodeTaskSliceBytes } = await import('./encode-stream.js');
  const { taskResponseDetails } = await import('./encode-details.js');
  const { timestampArb } = await import('../../test/support/x1-arbitraries.js');
  const { PROVISIONING_STATUSES } = await import('./model.js');
  const taskDetails = {
    xId: '29f28e1c-f230-486a-a860-000000000001',
    targetIdentifiers: [{ kind: 'imsi' as const, value: '001010000000001' }],
    deliveryType: 'X2Only' as const,
    listOfDIDs: { dIds: ['19867c20-8c94-473e-b9cd-8b72b7b05fd4'], dSIds: [] },
    taskDetailsExtensions: [],
  };
  const count = fc.option(fc.nat(), { nil: undefined });
  const status = fc.record({
    provisioningStatus: fc.constantFrom(...PROVISIONING_STATUSES),
    listOfFaults: fc.oneof(
      fc.constant([]),
      fc.constant([{ errorCode: 9020, errorDescription: 'probe <lost> & "found"' }]),
    ),
    timeOfLastIntercept: fc.option(timestampArb, { nil: undefined }),
    amountOfX2Data: count,
    amountOfX3Data: count,
    timeOfLastModification: fc.option(timestampArb, { nil: undefined }),
    numberOfModifications: count,
    taskStatusExtensions: fc.constant([]),
  });
  fc.assert(
    fc.property(status, (raw) => {
      const s = Object.fromEntries(
        Object.entries(raw).filter(([, v]) => v !== undefined),
      ) as unknown as TaskStatus;
      const bulk = encodeTaskSlice([
        { taskDetailsXml: encodeTaskDetailsFragment(taskDetails), taskStatus: s },
      ]);
      const w = newWriter();
      taskResponseDetails(w, { taskDetails, taskStatus: s });
      assert.equal(bulk, w.toString());
      assert.deepEqual(
        Buffer.from(
          encodeTaskSliceBytes([{ taskDetailsXml: encodeTaskDetailsFragment(taskDetails), taskStatus: s }]),
        ),
        Buffer.from(bulk),
      );
    }),
    { numRuns: 500 },
  );
});

test('a slice encoded to bytes is the UTF-8 of the slice as text, also past its first buffer', async () => {
  const { encodeTaskSlice, encodeTaskSliceBytes } = await import('./encode-stream.js');
  const tasks = Array.from({ length: 600 }, (_, i) => ({
    taskDetailsXml: `<x1:taskDetails><x1:xId>${i}</x1:xId>${'é€𝄞'.repeat(100)}</x1:taskDetails>`,
    taskStatus: {
      provisioningStatus: 'complete' as const,
      listOfFaults: i % 7 === 0 ? [{ errorCode: 9020, errorDescription: 'ünreachable <&>' }] : [],
      taskStatusExtensions: [],
    },
  }));
  const bytes = encodeTaskSliceBytes(tasks);
  assert.ok(bytes.length > 256 * 1024, 'grew past the first buffer');
  assert.deepEqual(Buffer.from(bytes), Buffer.from(encodeTaskSlice(tasks), 'utf8'));
});
