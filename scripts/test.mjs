#!/usr/bin/env node
// Runs the test suite with Node's built-in runner. Node 20 expands no globs, so this script lists the
// test files (src/**/*.test.ts, test/**/*.test.ts). Arguments filter the files by substring:
//   npm test -- x1/codec    runs only the files whose path contains "x1/codec".
// Files named *.alone.test.ts (a live load test that a neighbour would starve of CPU) run after the others,
// one at a time; a closing line then sums both runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const alone = files.filter((f) => f.endsWith('.alone.test.ts'));
const together = files.filter((f) => !alone.includes(f));
const tapDir = mkdtempSync(join(tmpdir(), 'lix-test-'));

/** One run of Node's test runner; returns its exit status and its pass/fail/skip counts (from TAP). */
function runFiles(list, concurrency, name) {
  const tap = join(tapDir, `${name}.tap`);
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    `--test-concurrency=${concurrency}`,
    // A test that hangs fails after 5 minutes instead of holding CI until its limit (the longest take ~90 s).
    '--test-timeout=300000',
    ...passThrough,
    ...list,
  ];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  let text = '';
  try {
    text = readFileSync(tap, 'utf8');
  } catch {
    // no TAP written: the runner did not start; its status says so
  }
  const count = (what) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    status: result.status ?? 1,
    pass: count('pass'),
    fail: count('fail') + count('cancelled'),
    skipped: count('skipped') + count('todo'),
  };
}

console.log(`lix: ${files.length} test file(s) on Node ${process.version} (${process.execPath})`);
const runs = [];
if (together.length > 0) runs.push(runFiles(together, process.env.LIX_TEST_CONCURRENCY ?? '2', 'together'));
if (alone.length > 0) {
  console.log(`lix: ${alone.length} file(s) that run alone: ${alone.join(', ')}`);
  runs.push(runFiles(alone, 1, 'alone'));
}
rmSync(tapDir, { recursive: true, force: true });
const sum = (k) => runs.reduce((a, r) => a + r[k], 0);
if (runs.length > 1)
  console.log(`tests: ${sum('pass')} passed, ${sum('fail')} failed, ${sum('skipped')} skipped`);
process.exit(runs.every((r) => r.status === 0) ? 0 : 1);
