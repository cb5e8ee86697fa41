import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_READER_LIMITS, readXml, XmlReadError } from './reader.js';

const read = (s: string) => readXml(new TextEncoder().encode(s));

test('namespaces: default, prefixed, redeclared in a child, xml prefix predefined', () => {
  const root = read('<a xmlns="urn:a" xmlns:p="urn:p"><p:b xml:lang="en"/><c xmlns="urn:c"><d/></c></a>');
  assert.equal(root.ns, 'urn:a');
  assert.equal(root.children[0]!.ns, 'urn:p');
  assert.equal(root.children[0]!.attrs[0]!.ns, 'http://www.w3.org/XML/1998/namespace');
  assert.equal(root.children[1]!.ns, 'urn:c');
  assert.equal(root.children[1]!.children[0]!.ns, 'urn:c');
  assert.equal(root.children[1]!.scope.get(''), 'urn:c');
});

test('unprefixed attributes are in no namespace', () => {
  const root = read('<a xmlns="urn:a" x="1"/>');
  assert.deepEqual(root.attrs, [{ ns: '', name: 'x', value: '1' }]);
});

test('text: predefined entities, character references, CDATA, comments and PIs', () => {
  const root = read('<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;<![CDATA[<c>&]]><!-- note --><?pi x?>d</a>');
  assert.equal(root.text, `<>&'"AB<c>&d`);
});

test('line endings are normalised and attribute white space becomes spaces', () => {
  const root = read('<a b="x\ty\nz">1\r\n2\r3</a>');
  assert.equal(root.text, '1\n2\n3');
  assert.equal(root.attrs[0]!.value, 'x y z');
});

test('line numbers of elements', () => {
  const root = read('<?xml version="1.0"?>\n<a>\n  <b/>\n\n  <c/>\n</a>');
  assert.deepEqual([root.line, root.children[0]!.line, root.children[1]!.line], [2, 3, 5]);
});

test('malformed documents are refused with a reason and a line', () => {
  const cases: [string, RegExp][] = [
    ['<a>', /unterminated element/],
    ['<a></b>', /does not match/],
    ['<a b="1" b="2"/>', /duplicate attribute/],
    ['<a xmlns:p="urn:1" xmlns:q="urn:1" p:x="1" q:x="2"/>', /duplicate attribute/],
    ['<a b=1/>', /quoted attribute value/],
    ['<a b="<"/>', /"<" in attribute value/],
    ['<a>&#xD800;</a>', /not an XML character/],
    ['<a>&amp</a>', /malformed reference/],
    ['<a>]]></a>', /"]]>" in text/],
    ['<a><!-- a -- b --></a>', /"--" inside comment/],
    ['<a xmlns:p=""/>', /empty namespace/],
    ['<a xmlns:xml="urn:x"/>', /reserved namespace/],
    ['<1a/>', /malformed name/],
    ['<a:b:c xmlns:a="urn:a"/>', /malformed qualified name/],
    ['<?xml version="1.0" encoding="ISO-8859-1"?><a/>', /unsupported encoding/],
    ['<a/><?xml version="1.0"?>', /XML declaration not at the start/],
    ['<a><!ELEMENT x ANY></a>', /markup declaration/],
  ];
  for (const [xml, reason] of cases) {
    assert.throws(
      () => read(xml),
      (e: unknown) => e instanceof XmlReadError && reason.test(e.message) && e.line >= 1,
      xml,
    );
  }
});

test('string input with an unpaired surrogate is refused', () => {
  assert.throws(() => readXml('<a>\uD800</a>'), /unpaired surrogate/);
});

test('repeated start tags resolve against their own scope (the attribute cache is keyed by scope)', () => {
  const a = read('<a xmlns:p="urn:1"><b p:x="1"/></a>');
  const b = read('<a xmlns:p="urn:2"><b p:x="1"/></a>');
  assert.equal(a.children[0]!.attrs[0]!.ns, 'urn:1');
  assert.equal(b.children[0]!.attrs[0]!.ns, 'urn:2');
  const c = read('<a xmlns:p="urn:1"><b p:x="1"/></a>');
  assert.equal(c.children[0]!.attrs[0]!.ns, 'urn:1');
  assert.throws(() => read('<a xmlns:q="urn:1"><b p:x="1"/></a>'), /unbound prefix p/);
});

test('names: prefixed and unprefixed, first and repeated reads (known names are recognised, not rescanned)', () => {
  for (let i = 0; i < 2; i++) {
    const root = read(
      '<r xmlns="urn:d" xmlns:p="urn:p"><b/><p:longElementName>t</p:longElementName ><c>x</c></r>',
    );
    assert.deepEqual(
      root.children.map((c) => [c.ns, c.name, c.text]),
      [
        ['urn:d', 'b', ''],
        ['urn:p', 'longElementName', 't'],
        ['urn:d', 'c', 'x'],
      ],
    );
    assert.equal(root.name, 'r');
  }
});

test('end tags must match exactly, short and long names alike', () => {
  read('<averyveryverylongname></averyveryverylongname>');
  for (const xml of [
    '<averyveryverylongname></averyveryverylongnamf>',
    '<averyveryverylongname></averyveryverylongname2>',
    '<ab></abc>',
    '<abc></ab>',
  ]) {
    assert.throws(() => read(xml), /does not match|malformed end tag|unterminated/, xml);
  }
});

test('a name validated before is still held to the name-length limit', () => {
  const xml = '<a><elementname/></a>';
  read(xml);
  assert.throws(
    () => readXml(new TextEncoder().encode(xml), { ...DEFAULT_READER_LIMITS, maxNameLength: 5 }),
    /name too long/,
  );
});

test('only the five predefined entities exist (no Object.prototype names)', () => {
  for (const ref of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.throws(() => read(`<a>&${ref};</a>`), /undefined entity/, ref);
    assert.throws(() => read(`<a b="&${ref};"/>`), /undefined entity/, ref);
  }
  assert.equal(read('<a b="x&amp;y&#x9;z&#10;">&#x1F600;&lt;</a>').attrs[0]!.value, 'x&y\tz\n');
  assert.equal(read('<a>&#x1F600;&lt;</a>').text, '\u{1F600}<');
});

test('references: malformed, too long, split by "&", outside the value', () => {
  for (const xml of [
    '<a>&lt</a>',
    '<a>&aaaaaaaaaaaaaaaaaaaa;</a>',
    '<a>&l&t;</a>',
    '<a b="&lt">x;</a>',
    '<a>&#xZZ;</a>',
  ]) {
    assert.throws(() => read(xml), /malformed|undefined entity/, xml);
  }
});

test('invalid characters are refused in text, attributes, comments, CDATA and processing instructions', () => {
  for (const xml of [
    '<a>x\u0001</a>',
    '<a b="\u0002"/>',
    '<a><!-- \u0003 --></a>',
    '<a><![CDATA[\u0004]]></a>',
    '<a><?pi \u0005?></a>',
    '<a>\uFFFE</a>',
  ]) {
    assert.throws(() => read(xml), /invalid character/, JSON.stringify(xml));
  }
});

test('a remembered start tag is reused only under the same limits and scope', () => {
  const xml = `<a xmlns="urn:a" b="${'v'.repeat(40)}"/>`;
  assert.equal(read(xml).attrs[0]!.value.length, 40);
  assert.throws(
    () => readXml(new TextEncoder().encode(xml), { ...DEFAULT_READER_LIMITS, maxValueLength: 10 }),
    /attribute value longer than 10/,
  );
  assert.equal(read(xml).ns, 'urn:a');
  assert.throws(() => read(`<a xmlns="urn:a" b="${'v'.repeat(40)}"/ >`), /malformed empty-element tag/);
});

test('more distinct names than the name set holds: every read still yields the right names', () => {
  const names = Array.from({ length: 1500 }, (_, i) => `n${i}`);
  const xml = `<r>${names.map((n, i) => (i % 2 ? `<${n}/>` : `<${n} a="1">x</${n}>`)).join('')}</r>`;
  for (let k = 0; k < 3; k++) {
    const root = read(k === 2 ? xml.replace('<n7/>', '<m7/>') : xml);
    assert.equal(root.children.length, names.length);
    assert.deepEqual(
      root.children.map((c) => c.name),
      names.map((n) => (k === 2 && n === 'n7' ? 'm7' : n)),
    );
  }
});
