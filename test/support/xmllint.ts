/**
 * xmllint (Debian `libxml2-utils`) as an independent judge of XSD validity: one process validates many files,
 * and its per-file verdict lines are parsed. Run as `../shared/etsi/SOURCE.md` says: `--noout --nonet --schema`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readSchemaDir } from '../../src/lib/schema-dir.js';
import { adaptSchemaFiles } from '../../src/x1/schema-adapt.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** The vendored ETSI schema set (tests only; the product never reads it). */
export const ETSI_SCHEMA_DIR = resolve(REPO_ROOT, '../shared/etsi');
/** Wrapper entry: TS 103 280, HashedID, DestinationSet, TS 103 221-1. */
export const X1_VALIDATE_XSD = join(ETSI_SCHEMA_DIR, 'x1-validate.xsd');
/** The same plus the ETSI example generic-object types. */
export const X1_VALIDATE_WITH_EXAMPLES_XSD = join(ETSI_SCHEMA_DIR, 'x1-validate-with-example-objects.xsd');

let adaptedDir: string | undefined;

/**
 * The ETSI schema set with lix's one documented adaptation (src/x1/schema-adapt.ts: pattern-restricted anyURI
 * types on xs:token), written to a temp dir once per process. xmllint is libxml2 as well, and refuses the same
 * valid SIP/TEL URIs (`sip:user@[2001:db8::1]`) that the adaptation exists for; every other rule it judges on
 * its own. `schema-adapt.test.ts` checks that the adaptation changes exactly those two types.
 */
export function adaptedSchema(entry = 'x1-validate.xsd'): string {
  if (adaptedDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'lix-xsd-'));
    for (const [name, bytes] of adaptSchemaFiles(readSchemaDir(ETSI_SCHEMA_DIR))) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    adaptedDir = dir;
  }
  return join(adaptedDir, entry);
}

/** xmllint exit code for a schema that does not compile. */
const EXIT_SCHEMA_BROKEN = 5;
/** Files per xmllint process (keeps the argument list well below the system limit). */
const BATCH = 400;

export interface XmllintVerdict {
  readonly valid: boolean;
  /** xmllint's messages for the file (parser and validity errors), without the file name. */
  readonly errors: readonly string[];
}

let available: boolean | undefined;

/** True when `xmllint` runs here. */
export function xmllintAvailable(): boolean {
  available ??= spawnSync('xmllint', ['--version'], { stdio: 'ignore' }).status === 0;
  return available;
}

/**
 * Validates files against `schema`. A file without a "validates" line is invalid: that covers "fails to
 * validate", "validation generated an internal error" and files that are not well-formed (xmllint then
 * prints only the parser errors). Throws when the schema does not compile or xmllint cannot run.
 */
export function xmllintFiles(
  files: readonly string[],
  schema = adaptedSchema(),
): Map<string, XmllintVerdict> {
  const errors = new Map<string, string[]>(files.map((f) => [f, []]));
  const valid = new Set<string>();
  for (let i = 0; i < files.length; i += BATCH) {
    const batch = files.slice(i, i + BATCH);
    const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', schema, ...batch], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    if (r.error) throw new Error(`xmllint could not run: ${r.error.message}`);
    if (r.status === EXIT_SCHEMA_BROKEN)
      throw new Error(`xmllint: schema ${schema} does not compile\n${r.stderr}`);
    for (const line of r.stderr.split('\n')) {
      const ok = /^(.+) validates$/.exec(line);
      if (ok && errors.has(ok[1]!)) {
        valid.add(ok[1]!);
        continue;
      }
      const err = /^(.+?):(\d+): (.*)$/.exec(line);
      if (err && errors.has(err[1]!)) errors.get(err[1]!)!.push(`line ${err[2]}: ${err[3]}`);
    }
  }
  return new Map(files.map((f) => [f, { valid: valid.has(f), errors: errors.get(f)! }]));
}

/** Writes the documents to a temporary directory, validates them all, removes the directory. */
export function xmllintDocuments(
  docs: readonly (string | Uint8Array)[],
  schema = adaptedSchema(),
): XmllintVerdict[] {
  const dir = mkdtempSync(join(tmpdir(), 'lix-xmllint-'));
  try {
    const files = docs.map((d, i) => {
      const f = join(dir, `d${i}.xml`);
      writeFileSync(f, d);
      return f;
    });
    const verdicts = xmllintFiles(files, schema);
    return files.map((f) => verdicts.get(f)!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
