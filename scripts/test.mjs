#!/usr/bin/env node
// Runs the test suite with Node's built-in runner. Node 20 expands no globs, so this script lists the
// test files (src/**/*.test.ts, test/**/*.test.ts). Arguments filter the files by substring:
//   npm test -- x1/codec    runs only the files whose path contains "x1/codec".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  let out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out = out.concat(walk(path));
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = ['src', 'test']
  .flatMap((d) => walk(d))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// The tests start the compiled CLI when dist/ is up to date (test/support/cli-entry.ts): build it if a source
// changed. A failed build is reported and the tests run the sources through tsx instead.
const build = spawnSync(process.execPath, [join(import.meta.dirname, 'build-if-changed.mjs')], {
  stdio: 'inherit',
});
if (build.status !== 0) console.error('lix: the build failed; the tests run the CLI from the sources');
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  `--test-concurrency=${process.env.LIX_TEST_CONCURRENCY ?? '2'}`,
  // A test that hangs fails after 5 minutes instead of holding CI until its limit (the longest take ~60 s).
  '--test-timeout=300000',
  ...passThrough,
  ...files,
];
console.log(`lix: ${files.length} test file(s) on Node ${process.version} (${process.execPath})`);
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
