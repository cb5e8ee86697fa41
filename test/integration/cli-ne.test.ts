// `lix ne` refuses bad configuration at start with one clear line per problem, and `--help` explains flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('bad configuration fails at start, naming every problem', () => {
  const r = runCli(['ne', '--id', 'ne 1', '--time1', '10', '--time2', '15', '--listen', 'nowhere']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--listen "nowhere": expected HOST:PORT/);
  const r2 = runCli(['ne', '--id', 'ne 1', '--time1', '10', '--time2', '15']);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /invalid NE configuration/);
  assert.match(r2.stderr, /id: an X1 identifier is a token without white space/);
  assert.match(r2.stderr, /admfId: required/);
  assert.match(r2.stderr, /dataDir: required/);
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
  assert.match(r3.stderr, /time2Ms: TIME2 must be at least twice TIME1/);
  assert.match(r3.stderr, /tlsDir: TLS material is required/);
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
