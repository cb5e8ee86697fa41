// The hostile-XML set against the codec: each input yields the right typed error and nothing else escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X1Codec } from '../../src/x1/codec.js';
import { decodeX1 } from '../../src/x1/decode.js';
import { X1Error } from '../../src/x1/errors.js';
import { readSchemaDir } from '../../src/lib/schema-dir.js';
import { SchemaSet } from '../../src/x1/schema.js';
import { ETSI_DIR } from '../support/shared.js';
import { hostileCases, pingXml } from '../support/hostile-xml.js';

const strict = { decode: (b: Uint8Array) => decodeX1(b) };
const validating = new X1Codec({ schema: SchemaSet.compile(readSchemaDir(ETSI_DIR)) });

test('the baseline Ping is accepted', () => {
  for (const codec of [strict, validating]) {
    const d = codec.decode(new TextEncoder().encode(pingXml()));
    assert.equal(d.root, 'X1Request');
    assert.ok(d.root === 'X1Request' && d.results.every((r) => r.ok));
  }
});

for (const h of hostileCases()) {
  test(`hostile: ${h.name}`, { timeout: 20_000 }, () => {
    for (const [label, codec] of [
      ['strict', strict],
      ['validating', validating],
    ] as const) {
      let error: X1Error | undefined;
      try {
        const d = codec.decode(h.body);
        assert.notEqual(d.root, 'X1TopLevelErrorResponse', `${label}: decoded a top-level error`);
        if (d.root !== 'X1TopLevelErrorResponse') {
          const bad = d.results.find((r) => !r.ok);
          if (bad && !bad.ok) error = bad.error;
        }
        assert.ok(!h.containerLevel || error === undefined, `${label}: expected a container-level error`);
      } catch (err) {
        if (!(err instanceof X1Error)) throw err;
        assert.ok(
          h.containerLevel,
          `${label}: expected a message-level error, got container-level: ${err.message}`,
        );
        error = err;
      }
      assert.ok(error, `${label}: ${h.name} was accepted`);
      assert.equal(error.kind, h.kind, `${label}: ${error.message}`);
      assert.match(error.message, h.reason, label);
    }
  });
}

test('a UTF-8 BOM before the XML declaration is legal XML and accepted (XML 1.0 §4.3.3, as xmllint does)', () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(pingXml())]);
  for (const codec of [strict, validating]) {
    const d = codec.decode(bytes);
    assert.ok(d.root === 'X1Request' && d.results.every((r) => r.ok));
  }
});

test('a container with one bad message still decodes the others', () => {
  const good = pingXml();
  const bad = pingXml({ tid: 'not-a-uuid' });
  const msg = (xml: string) => /<x1:x1RequestMessage[\s\S]*<\/x1:x1RequestMessage>/.exec(xml)![0];
  const doc = good.replace(msg(good), `${msg(good)}\n${msg(bad)}\n${msg(good)}`);
  for (const codec of [strict, validating]) {
    const d = codec.decode(new TextEncoder().encode(doc));
    assert.ok(d.root === 'X1Request');
    assert.deepEqual(
      d.results.map((r) => r.ok),
      [true, false, true],
    );
    const failed = d.results[1]!;
    assert.ok(!failed.ok && failed.error.kind === 'SchemaInvalid' && failed.error.messageIndex === 1);
    assert.ok(
      !failed.ok && failed.header.admfIdentifier === 'admf-1' && failed.requestMessageType === 'Ping',
    );
  }
});

test('with response-sized limits the per-value, depth and attribute limits still hold', () => {
  const big = { limits: { maxBytes: 64 * 2 ** 20, maxElements: 10_000_000 } };
  const cases: [string, RegExp][] = [
    ['20 MB attribute', /attribute value longer than/],
    ['100,000-deep nesting', /nesting deeper than/],
    ['100,000 attributes', /more than \d+ attributes/],
  ];
  for (const [name, reason] of cases) {
    const h = hostileCases().find((c) => c.name === name)!;
    assert.throws(
      () => decodeX1(h.body, big),
      (err: unknown) => err instanceof X1Error && err.kind === 'SchemaInvalid' && reason.test(err.message),
      name,
    );
  }
});

test('"<!DOCTYPE" inside a comment does not switch validation off (libxml2 sees what the strict reader accepted)', () => {
  // An ActivateTask with a foreign element in its extension: the strict decoder alone accepts it, the schema not.
  const taskDetails =
    '<x1:taskDetails><x1:xId>29f28e1c-f230-486a-a860-000000000001</x1:xId><x1:targetIdentifiers>' +
    '<x1:targetIdentifier><x1:sipUri>sip:a@example.net</x1:sipUri></x1:targetIdentifier></x1:targetIdentifiers>' +
    '<x1:deliveryType>X2Only</x1:deliveryType><x1:listOfDIDs><x1:dId>19867c20-8c94-473e-b9cd-8b72b7b05fd4</x1:dId>' +
    '</x1:listOfDIDs><x1:taskDetailsExtensions><x1:Owner>o</x1:Owner><f:x xmlns:f="urn:foreign">1</f:x>' +
    '</x1:taskDetailsExtensions></x1:taskDetails>';
  const activate = pingXml()
    .replace('x1:PingRequest', 'x1:ActivateTaskRequest')
    .replace('</x1:x1TransactionId>', `</x1:x1TransactionId>${taskDetails}`);
  const strictAlone = decodeX1(new TextEncoder().encode(activate));
  assert.ok(strictAlone.root === 'X1Request' && strictAlone.results[0]!.ok, 'the strict decoder accepts it');
  const withComment = activate.replace('<x1:admfIdentifier>', '<!-- <!DOCTYPE x> --><x1:admfIdentifier>');
  for (const doc of [activate, withComment]) {
    const d = validating.decode(new TextEncoder().encode(doc));
    const r = d.root === 'X1Request' ? d.results[0] : undefined;
    assert.ok(r && !r.ok && r.error.kind === 'SchemaInvalid' && /foreign/.test(r.error.message), doc);
  }
});
