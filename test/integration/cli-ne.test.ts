// `lix ne` refuses bad configuration at start with one clear line per problem, and `--help` explains flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

test('bad configuration fails at start, naming every problem', () => {
  const r = runCli(['ne', '--id', 'ne 1', '--time1', '10', '--time2', '15', '--listen', 'nowhere']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--listen "nowhere": expected HOST:PORT/);
  const r2 = runCli(['ne', '--id', 'ne 1', '--time1', '10', '--time2', '15']);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /invalid NE configuration/);
  // Problems are named by the flag the user types, never by the internal key.
  assert.match(r2.stderr, /--id: an X1 identifier is a token without white space/);
  assert.match(r2.stderr, /--admf-id: required/);
  assert.match(r2.stderr, /--data: required/);
  assert.doesNotMatch(r2.stderr, /admfId|dataDir/);
  const r3 = runCli([
    'ne',
    '--id',
    'ne-1',
    '--admf-id',
    'admf-1',
    '--data',
    '/tmp/x',
    '--time1',
    '10',
    '--time2',
    '15',
  ]);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /--time2: TIME2 must be at least twice TIME1/);
  assert.match(r3.stderr, /--tls-dir: TLS material is required/);
});

test('a problem in the --config file is named by its key and the file; a flag overrides the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-ne-config-'));
  const file = join(dir, 'ne.json');
  writeFileSync(
    file,
    JSON.stringify({ id: 'ne-1', admfId: 'admf-1', dataDir: dir, time1Ms: 10_000, time2Ms: 15_000 }),
  );
  const r = runCli(['ne', '--config', file, '--tls-dir', dir]);
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    new RegExp(`time2Ms \\(in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): TIME2`),
  );
  const r2 = runCli(['ne', '--config', file, '--tls-dir', dir, '--time2', 'soon']);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /--time2: /, 'the flag overrides the file and is named');
  const bad = join(dir, 'broken.json');
  writeFileSync(bad, '{ "id": ');
  const r3 = runCli(['ne', '--config', bad]);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, new RegExp(`^lix ne: --config ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  rmSync(dir, { recursive: true, force: true });
});

test('missing TLS files are reported by path before anything listens', () => {
  const r = runCli([
    'ne',
    '--id',
    'ne-1',
    '--admf-id',
    'admf-1',
    '--data',
    '/tmp/lix-none',
    '--tls-dir',
    '/nonexistent',
    '--listen',
    '127.0.0.1:0',
  ]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /\/nonexistent\/ne-1\.pem/);
});

test('--help explains every flag', () => {
  const r = runCli(['ne', '--help']);
  assert.equal(r.status, 0);
  for (const flag of [
    '--id',
    '--admf-id',
    '--listen',
    '--tls-dir',
    '--data',
    '--admf-url',
    '--profile',
    '--time1',
    '--time2',
    '--keepalive',
    '--time-p3',
    '--enable-deactivate-all',
    '--enable-remove-all-destinations',
    '--identity-attribute',
    '--schemas',
  ]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});
