// `npm start` rebuilds dist/ only when a source changed (issue: the operator's day). buildReason compares the
// newest build input with dist/.tsbuildinfo; the script itself builds once and then starts at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/shared.js';

const script = join(REPO_ROOT, 'scripts', 'build-if-changed.mjs');

test('a build is needed with no build, after a source change, not after a test change or nothing', async () => {
  const { buildReason } = (await import(script)) as { buildReason(dir: string): string | undefined };
  const dir = mkdtempSync(join(tmpdir(), 'lix-build-'));
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{}');
  writeFileSync(join(dir, 'src', 'lib', 'a.ts'), 'export const a = 1;\n');
  assert.equal(buildReason(dir), 'no build yet');
  mkdirSync(join(dir, 'dist'));
  const stamp = join(dir, 'dist', '.tsbuildinfo');
  writeFileSync(stamp, '{}');
  const at = (f: string, s: number) => utimesSync(f, s, s);
  const t = Date.now() / 1000;
  at(join(dir, 'package.json'), t - 100);
  at(join(dir, 'src', 'lib', 'a.ts'), t - 100);
  at(stamp, t - 50);
  assert.equal(buildReason(dir), undefined);
  writeFileSync(join(dir, 'src', 'lib', 'a.test.ts'), 'test\n');
  assert.equal(buildReason(dir), undefined, 'tests are not built');
  at(join(dir, 'src', 'lib', 'a.ts'), t);
  assert.equal(buildReason(dir), 'sources changed since the last build');
  at(join(dir, 'src', 'lib', 'a.ts'), t - 100);
  at(join(dir, 'package.json'), t);
  assert.equal(buildReason(dir), 'sources changed since the last build');
});

test('the script builds when needed, then says nothing and runs no compiler', () => {
  const first = spawnSync(process.execPath, [script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  assert.equal(first.status, 0, first.stderr);
  const second = spawnSync(process.execPath, [script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stdout, '', 'nothing changed: no build');
});
