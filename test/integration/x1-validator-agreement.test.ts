// The in-process validator (libxml2-wasm, ETSI schema set) and xmllint agree on every example and on a few
// hundred mutated messages; the codec refuses every mutant xmllint refuses, with or without the schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readSchemaDir } from '../../src/lib/schema-dir.js';
import { X1Codec } from '../../src/x1/codec.js';
import { decodeX1, type DecodedDocument } from '../../src/x1/decode.js';
import { encodeRequest, encodeResponse } from '../../src/x1/encode.js';
import { X1Error } from '../../src/x1/errors.js';
import { SchemaSet } from '../../src/x1/schema.js';
import { etsiSchema } from '../support/ne-harness.js';
import { ETSI_DIR, EXAMPLES_DIR, hasTool, skipUnless } from '../support/shared.js';
import { requestArb, responseArb } from '../support/x1-gen.js';

/** xmllint's verdict for each file (one process for all of them). */
function xmllint(files: string[], schema: string): Map<string, boolean> {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', schema, ...files], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const verdict = new Map<string, boolean>();
  for (const line of r.stderr.split('\n')) {
    const ok = /^(.*) validates$/.exec(line);
    const bad = /^(.*) fails to validate$/.exec(line);
    if (ok) verdict.set(ok[1]!, true);
    if (bad) verdict.set(bad[1]!, false);
  }
  for (const f of files) if (!verdict.has(f)) verdict.set(f, false); // not well-formed: no verdict line
  return verdict;
}

/** Mutations of one encoded message, each a way real peers get X1 wrong. */
const MUTATIONS: [string, (xml: string) => string][] = [
  ['drop the transaction ID', (x) => x.replace(/<x1:x1TransactionId>[^<]*<\/x1:x1TransactionId>/, '')],
  [
    'swap admf and NE identifiers',
    (x) =>
      x.replace(
        /(<x1:admfIdentifier>[^<]*<\/x1:admfIdentifier>)(<x1:neIdentifier>[^<]*<\/x1:neIdentifier>)/,
        '$2$1',
      ),
  ],
  [
    'upper-case UUID',
    (x) =>
      x.replace(/<x1:x1TransactionId>([^<]*)</, (_m, u: string) => `<x1:x1TransactionId>${u.toUpperCase()}<`),
  ],
  ['millisecond timestamp', (x) => x.replace(/(<x1:messageTimestamp>[^.]*\.\d{3})\d{3}/, '$1')],
  ['unknown element', (x) => x.replace('</x1:version>', '</x1:version><x1:bogus>1</x1:bogus>')],
  [
    'element in the wrong namespace',
    (x) => x.replace(/<x1:version>([^<]*)<\/x1:version>/, '<e280:version>$1</e280:version>'),
  ],
  ['version 2', (x) => x.replace(/<x1:version>[^<]*</, '<x1:version>v2.0.0<')],
  [
    'corrupt enumeration',
    (x) => x.replace(/>(AcknowledgedAndCompleted|X2Only|X3Only|X2andX3|complete|OK|Warning)</, '>Bogus<'),
  ],
  [
    'port out of range',
    (x) => x.replace(/<(x1:tcpPort|e280:TCPPort|x1:udpPort|e280:UDPPort)>\d+</, '<$1>70000<'),
  ],
  ['duplicate header element', (x) => x.replace(/(<x1:neIdentifier>[^<]*<\/x1:neIdentifier>)/, '$1$1')],
  [
    'empty body where content is required',
    (x) => x.replace(/<x1:(taskDetails|destinationDetails)>[\s\S]*<\/x1:\1>/, ''),
  ],
  [
    'IPv6 not expanded',
    (x) =>
      x.replace(/(<(?:x1:ipv6Address|e280:IPv6Address)>)([0-9a-f]{4}):0{0,4}([0-9a-f]{1,4})/, '$1$2::$3'),
  ],
  ['text inside a complex element', (x) => x.replace('<x1:admfIdentifier>', 'stray<x1:admfIdentifier>')],
  ['no xsi:type', (x) => x.replace(/ xsi:type="x1:[A-Za-z]+"/, '')],
];

function refusedByCodec(decode: () => DecodedDocument): boolean {
  try {
    const d = decode();
    return d.root !== 'X1TopLevelErrorResponse' && d.results.some((r) => !r.ok);
  } catch (err) {
    if (err instanceof X1Error) return true;
    throw err;
  }
}

test('validator and xmllint agree on every example', (t) => {
  const skip = skipUnless(hasTool('xmllint'), 'xmllint');
  if (skip) return t.skip(skip);
  for (const entry of ['x1-validate.xsd', 'x1-validate-with-example-objects.xsd']) {
    const set = SchemaSet.compile(readSchemaDir(ETSI_DIR), entry);
    const files = readdirSync(EXAMPLES_DIR).flatMap((d) =>
      readdirSync(join(EXAMPLES_DIR, d))
        .filter((f) => f.endsWith('.xml'))
        .map((f) => join(EXAMPLES_DIR, d, f)),
    );
    const lint = xmllint(files, join(ETSI_DIR, entry));
    for (const f of files) {
      if (f.endsWith('xxe.xml')) continue; // refused before libxml2 sees it (DOCTYPE); xmllint --nonet refuses it too
      assert.equal(set.validate(readFileSync(f)).valid, lint.get(f), `${entry}: ${f}`);
    }
  }
});

test('validator, xmllint and codec on a few hundred mutated messages', (t) => {
  const skip = skipUnless(hasTool('xmllint'), 'xmllint');
  if (skip) return t.skip(skip);
  const base = [
    ...fc.sample(requestArb(false), { numRuns: 25, seed: 7 }).map((m) => encodeRequest([m])),
    ...fc.sample(responseArb(false), { numRuns: 25, seed: 8 }).map((m) => encodeResponse([m])),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'lix-x1-mutants-'));
  const mutants: { file: string; xml: string; mutation: string }[] = [];
  base.forEach((xml, i) => {
    for (const [name, mutate] of MUTATIONS) {
      const m = mutate(xml);
      if (m === xml) continue;
      const file = join(dir, `m${i}-${mutants.length}.xml`);
      writeFileSync(file, m);
      mutants.push({ file, xml: m, mutation: name });
    }
  });
  assert.ok(mutants.length >= 200, `only ${mutants.length} mutants`);
  const lint = xmllint(
    mutants.map((m) => m.file),
    join(ETSI_DIR, 'x1-validate.xsd'),
  );
  const schema = etsiSchema();
  const codec = new X1Codec({ schema });
  const strictOnlyAccepts: string[] = [];
  for (const m of mutants) {
    const xmllintValid = lint.get(m.file)!;
    assert.equal(schema.validate(m.xml).valid, xmllintValid, `${m.mutation}: validator vs xmllint\n${m.xml}`);
    if (!xmllintValid) {
      assert.ok(
        refusedByCodec(() => codec.decode(m.xml)),
        `${m.mutation}: codec accepted what xmllint refuses`,
      );
      if (!refusedByCodec(() => decodeX1(m.xml))) strictOnlyAccepts.push(m.mutation);
    } else if (m.mutation === 'no xsi:type') {
      assert.ok(
        refusedByCodec(() => codec.decode(m.xml)),
        'a message without xsi:type is refused (DESIGN.md)',
      );
    }
  }
  assert.deepEqual(strictOnlyAccepts, [], 'the strict decoder alone refuses everything xmllint refuses');
  const refused = mutants.filter((m) => !lint.get(m.file)).length;
  t.diagnostic(
    `${mutants.length} mutants of ${base.length} messages; xmllint refused ${refused}, all agreed`,
  );
});
