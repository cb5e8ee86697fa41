// Property tests of the X1 codec (TS 103 221-1): random valid messages of every request and response type,
// every target identifier kind and delivery address encode to canonical XML that decodes back to the same model;
// equivalent spellings of that XML decode to the same model; a sample of 300+ messages is valid for xmllint and
// for the in-process validator. Codec bugs found earlier are regression tests at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readSchemaDir } from '../../src/lib/schema-dir.js';
import { X1Codec } from '../../src/x1/codec.js';
import { decodeX1, type DecodedDocument } from '../../src/x1/decode.js';
import { encodeRequest, encodeResponse } from '../../src/x1/encode.js';
import type {
  ActivateTaskRequest,
  CreateDestinationRequest,
  X1Request,
  X1Response,
} from '../../src/x1/model.js';
import { SchemaSet } from '../../src/x1/schema.js';
import { formatTimestamp, parseTimestamp } from '../../src/x1/simple-types.js';
import { XML_NS } from '../../src/x1/xml/reader.js';
import { skipUnless } from '../support/shared.js';
import {
  ALL_DELIVERY_ADDRESS_KINDS,
  ALL_REQUEST_TYPES,
  ALL_RESPONSE_TYPES,
  ALL_TARGET_KINDS,
  deliveryAddressOfKind,
  equivalentSpellingArb,
  requestArb,
  requestOfType,
  responseArb,
  responseOfType,
  targetOfKind,
  type GenMode,
} from '../support/x1-arbitraries.js';
import { ETSI_SCHEMA_DIR, xmllintAvailable, xmllintDocuments } from '../support/xmllint.js';

/** Runs per message type; 55 types, so about 8,000 messages per run of this file. */
const RUNS_PER_TYPE = 150;
const schema = SchemaSet.compile(readSchemaDir(ETSI_SCHEMA_DIR));

function messagesOf(d: DecodedDocument): unknown[] {
  assert.notEqual(d.root, 'X1TopLevelErrorResponse');
  if (d.root === 'X1TopLevelErrorResponse') return [];
  return d.results.map((r) => {
    if (!r.ok) throw r.error;
    return r.message;
  });
}
const decoded = (xml: string) => messagesOf(decodeX1(xml));

/** decode(encode(m)) is m, and encode(decode(encode(m))) is encode(m) byte for byte. */
function roundTrips(encode: (ms: never[]) => string, ms: readonly (X1Request | X1Response)[]): void {
  const xml = encode(ms as never[]);
  const back = decoded(xml);
  assert.deepStrictEqual(back, ms);
  assert.equal(encode(back as never[]), xml);
}
const requestRoundTrip = (m: X1Request) => roundTrips(encodeRequest, [m]);
const responseRoundTrip = (m: X1Response) => roundTrips(encodeResponse, [m]);

test('every request type: decode(encode(m)) is m and the encoding is canonical', async (t) => {
  for (const type of ALL_REQUEST_TYPES) {
    await t.test(type, () => {
      fc.assert(fc.property(requestOfType(type, 'rich'), requestRoundTrip), { numRuns: RUNS_PER_TYPE });
    });
  }
});

test('every response type: decode(encode(m)) is m and the encoding is canonical', async (t) => {
  for (const type of ALL_RESPONSE_TYPES) {
    await t.test(type, () => {
      fc.assert(fc.property(responseOfType(type, 'rich'), responseRoundTrip), { numRuns: RUNS_PER_TYPE });
    });
  }
});

const activateWith = (
  mode: GenMode,
  targets: fc.Arbitrary<ActivateTaskRequest['taskDetails']['targetIdentifiers']>,
) =>
  fc.tuple(requestOfType('ActivateTaskRequest', mode), targets).map(([m, targetIdentifiers]): X1Request => {
    const a = m as ActivateTaskRequest;
    return { ...a, taskDetails: { ...a.taskDetails, targetIdentifiers } };
  });
const createWith = (mode: GenMode, kind: (typeof ALL_DELIVERY_ADDRESS_KINDS)[number]) =>
  fc
    .tuple(requestOfType('CreateDestinationRequest', mode), deliveryAddressOfKind(kind))
    .map(([m, deliveryAddress]): X1Request => {
      const c = m as CreateDestinationRequest;
      return { ...c, destinationDetails: { ...c.destinationDetails, deliveryAddress } };
    });

test('every target identifier kind round-trips in a task', async (t) => {
  for (const kind of ALL_TARGET_KINDS) {
    await t.test(kind, () => {
      const targets = fc.array(targetOfKind(kind, 'rich'), { minLength: 1, maxLength: 3 });
      fc.assert(fc.property(activateWith('rich', targets), requestRoundTrip), { numRuns: 100 });
    });
  }
});

test('every delivery address kind round-trips in a destination', async (t) => {
  for (const kind of ALL_DELIVERY_ADDRESS_KINDS) {
    await t.test(kind, () => {
      fc.assert(fc.property(createWith('rich', kind), requestRoundTrip), { numRuns: 100 });
    });
  }
});

test('containers with many messages round-trip in order', () => {
  fc.assert(
    fc.property(fc.array(requestArb('rich'), { minLength: 2, maxLength: 8 }), (ms) =>
      roundTrips(encodeRequest, ms),
    ),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.array(responseArb('rich'), { minLength: 2, maxLength: 8 }), (ms) =>
      roundTrips(encodeResponse, ms),
    ),
    { numRuns: 200 },
  );
});

test('equivalent spellings (prefixes, default namespace, white space, comments, CDATA, references) decode alike', () => {
  const doc = fc.oneof(
    requestArb('rich').map((m) => ({
      m: m as X1Request | X1Response,
      xml: encodeRequest([m]),
      mode: 'rich',
    })),
    responseArb('rich').map((m) => ({
      m: m as X1Request | X1Response,
      xml: encodeResponse([m]),
      mode: 'rich',
    })),
    requestArb('schema').map((m) => ({
      m: m as X1Request | X1Response,
      xml: encodeRequest([m]),
      mode: 'schema',
    })),
    responseArb('schema').map((m) => ({
      m: m as X1Request | X1Response,
      xml: encodeResponse([m]),
      mode: 'schema',
    })),
  );
  const cases = doc.chain((d) => equivalentSpellingArb(d.xml).map((spelt) => ({ ...d, spelt })));
  fc.assert(
    fc.property(cases, ({ m, spelt, mode }) => {
      assert.deepStrictEqual(decoded(spelt), [m], spelt);
      if (mode === 'schema') assert.deepEqual(schema.validate(spelt), { valid: true }, spelt);
    }),
    { numRuns: 1000 },
  );
});

/** A deterministic sample: 5 messages of every type, every target kind, every delivery address kind. */
function schemaSample(): { docs: string[]; models: (X1Request | X1Response)[][] } {
  const models: (X1Request | X1Response)[][] = [];
  let seed = 1000;
  const take = <M extends X1Request | X1Response>(a: fc.Arbitrary<M>, n: number) =>
    fc.sample(a, { numRuns: n, seed: seed++ }).forEach((m) => models.push([m]));
  for (const type of ALL_REQUEST_TYPES) take(requestOfType(type, 'schema'), 5);
  for (const type of ALL_RESPONSE_TYPES) take(responseOfType(type, 'schema'), 5);
  for (const kind of ALL_TARGET_KINDS)
    take(activateWith('schema', fc.array(targetOfKind(kind, 'schema'), { minLength: 1, maxLength: 2 })), 1);
  for (const kind of ALL_DELIVERY_ADDRESS_KINDS) take(createWith('schema', kind), 3);
  fc.sample(fc.array(requestArb('schema'), { minLength: 2, maxLength: 5 }), {
    numRuns: 5,
    seed: seed++,
  }).forEach((ms) => models.push(ms));
  const docs = models.map((ms) =>
    ms[0]!.type.endsWith('Request') ? encodeRequest(ms as X1Request[]) : encodeResponse(ms as X1Response[]),
  );
  return { docs, models };
}

test('a sample of 300+ messages of every type is schema-valid, and the validating codec decodes each back', async (t) => {
  const { docs, models } = schemaSample();
  assert.ok(docs.length >= 300, `only ${docs.length} documents`);
  const codec = new X1Codec({ schema });
  docs.forEach((xml, i) => {
    assert.deepEqual(schema.validate(xml), { valid: true }, xml);
    assert.deepStrictEqual(messagesOf(codec.decode(xml)), models[i], xml);
  });
  await t.test('xmllint agrees', (tt) => {
    const skip = skipUnless(xmllintAvailable(), 'xmllint');
    if (skip) return tt.skip(skip);
    const verdicts = xmllintDocuments(docs);
    const refused = verdicts.flatMap((v, i) =>
      v.valid ? [] : [`${v.errors.join('; ')}\n${docs[i]!.slice(0, 800)}`],
    );
    assert.deepEqual(refused, [], 'xmllint refused generated messages');
    tt.diagnostic(`${docs.length} documents, ${models.flat().length} messages, all valid for xmllint`);
  });
});

test('formatTimestamp and parseTimestamp are inverse from 1970 to 9999', () => {
  const max = 253402300799999999n; // 9999-12-31T23:59:59.999999Z
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max }), (us) => assert.equal(parseTimestamp(formatTimestamp(us)), us)),
    { numRuns: 2000 },
  );
});

// ---------------------------------------------------------------------------------------------------------
// Codec bugs found by these properties, fixed: each test asserts the correct behaviour.

function taskWith(
  target: ActivateTaskRequest['taskDetails']['targetIdentifiers'][number],
): ActivateTaskRequest {
  const [m] = fc.sample(requestOfType('ActivateTaskRequest', 'schema'), {
    numRuns: 1,
    seed: 7,
  }) as ActivateTaskRequest[];
  return { ...m!, taskDetails: { ...m!.taskDetails, targetIdentifiers: [target] } };
}

test('ShortString lengths count characters, not UTF-16 code units (vrf of 200 astral characters)', () => {
  const m = taskWith({ kind: 'vrf', value: '\u{1F600}'.repeat(200) });
  const xml = encodeRequest([m]);
  assert.deepEqual(schema.validate(xml), { valid: true });
  assert.deepStrictEqual(decoded(xml), [m]);
});

test('attribute values with tab and newline in extension content survive encode and decode', () => {
  const m = taskWith({
    kind: 'targetIdentifierExtension',
    value: {
      owner: 'o',
      content: [{ ns: 'urn:x', name: 'e', attrs: [{ ns: '', name: 'a', value: 'l1\nl2\tt' }], children: [] }],
    },
  });
  assert.deepStrictEqual(decoded(encodeRequest([m])), [m]);
});

test('an xml:lang attribute in extension content is written with the reserved xml prefix', () => {
  const m = taskWith({
    kind: 'targetIdentifierExtension',
    value: {
      owner: 'o',
      content: [{ ns: 'urn:x', name: 'e', attrs: [{ ns: XML_NS, name: 'lang', value: 'en' }], children: [] }],
    },
  });
  assert.deepStrictEqual(decoded(encodeRequest([m])), [m]);
});

test('parseTimestamp reads years 0001-0099 as themselves, and formatTimestamp handles instants before 1970', () => {
  const year50 = new Date(0);
  year50.setUTCFullYear(50, 2, 1);
  assert.equal(parseTimestamp('0050-03-01T00:00:00.000000Z'), BigInt(year50.getTime()) * 1000n);
  assert.equal(formatTimestamp(-1n), '1969-12-31T23:59:59.999999Z');
});

test('a pattern dot accepts U+2028 and U+2029 as XSD does (internationalizedEmailAddress " @\\u2028")', () => {
  for (const value of [' @\u2028', '\u2029@x']) {
    const m = taskWith({ kind: 'internationalizedEmailAddress', value });
    const xml = encodeRequest([m]);
    assert.deepEqual(schema.validate(xml), { valid: true });
    assert.deepStrictEqual(decoded(xml), [m]);
  }
  const bad = taskWith({ kind: 'internationalizedEmailAddress', value: 'a@\n' });
  assert.throws(() => decoded(encodeRequest([bad])), /invalid internationalizedEmailAddress/);
});
