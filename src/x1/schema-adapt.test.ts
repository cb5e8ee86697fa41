import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptSchemaFiles, rebasePatternedAnyUri } from './schema-adapt.js';

const xsd = (body: string, p = 'xs') =>
  `<${p}:schema xmlns:${p}="http://www.w3.org/2001/XMLSchema">${body}</${p}:schema>`;

test('a pattern-restricted anyURI is rebased on token, with every facet kept', () => {
  const text = xsd(
    '<xs:simpleType name="U"><xs:restriction base="xs:anyURI">\n  <xs:maxLength value="9"/><xs:pattern value="u:[a-z\\[\\]]+"/></xs:restriction></xs:simpleType>',
  );
  const r = rebasePatternedAnyUri(text);
  assert.equal(r.rebased, 1);
  assert.equal(r.text, text.replace('base="xs:anyURI"', 'base="xs:token"'));
});

test('anyURI without a pattern, other bases and other prefixes are handled as they should be', () => {
  const plain = xsd(
    '<xs:simpleType name="A"><xs:restriction base="xs:anyURI"><xs:maxLength value="4"/></xs:restriction></xs:simpleType><xs:simpleType name="B"><xs:restriction base="xs:string"><xs:pattern value="b"/></xs:restriction></xs:simpleType>',
  );
  assert.deepEqual(rebasePatternedAnyUri(plain), { text: plain, rebased: 0 });
  // The pattern of the next restriction does not count for an earlier anyURI one.
  const two = xsd(
    '<xs:simpleType name="A"><xs:restriction base="xs:anyURI"/></xs:simpleType><xs:simpleType name="C"><xs:restriction base="xs:anyURI"></xs:restriction></xs:simpleType><xs:simpleType name="D"><xs:restriction base="xs:string"><xs:pattern value="d"/></xs:restriction></xs:simpleType>',
  );
  assert.equal(rebasePatternedAnyUri(two).rebased, 0);
  const other = xsd(
    "<xsd:simpleType><xsd:restriction base='xsd:anyURI'><xsd:pattern value='x'/></xsd:restriction></xsd:simpleType>",
    'xsd',
  );
  assert.equal(rebasePatternedAnyUri(other).text, other.replace("'xsd:anyURI'", "'xsd:token'"));
});

test('adaptSchemaFiles keeps untouched files byte for byte', () => {
  const a = new TextEncoder().encode(
    xsd('<xs:simpleType name="A"><xs:restriction base="xs:string"/></xs:simpleType>'),
  );
  const b = new TextEncoder().encode(
    xsd(
      '<xs:simpleType name="U"><xs:restriction base="xs:anyURI"><xs:pattern value="u"/></xs:restriction></xs:simpleType>',
    ),
  );
  const out = adaptSchemaFiles(
    new Map([
      ['a.xsd', a],
      ['b.xsd', b],
    ]),
  );
  assert.equal(out.get('a.xsd'), a);
  assert.match(new TextDecoder().decode(out.get('b.xsd')), /base="xs:token"/);
});
