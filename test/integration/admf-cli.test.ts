// `lix admf` refuses a bad configuration at start with every problem named; the operator commands say what
// is missing; `lix x1 ping` fails clearly when nothing answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('lix admf: start-up refusals name every problem', () => {
  const r = runCli([
    'admf',
    '--data',
    '/tmp/lix-admf-never',
    '--api-token',
    'short',
    '--time-p1',
    '30',
    '--time-p2',
    '60',
  ]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /invalid ADMF configuration/);
  assert.match(r.stderr, /--id: required/);
  assert.match(r.stderr, /--api-token: the API token must be at least 16 characters/);
  const r2 = runCli([
    'admf',
    '--id',
    'admf-1',
    '--data',
    '/tmp/lix-admf-never',
    '--api-token',
    'x'.repeat(16),
    '--time-p1',
    '30',
    '--time-p2',
    '60',
  ]);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /--time-p1: TIME_P1/);
  assert.match(r2.stderr, /--tls-dir: TLS material is required/);
});

test('lix admf operator commands: a missing token and an unreachable API are reported', () => {
  const env = { ...process.env };
  delete process.env.LIX_ADMF_TOKEN;
  delete process.env.LIX_ADMF_TOKEN_FILE;
  try {
    const noToken = runCli(['admf', 'ne', 'list', '--api', 'http://127.0.0.1:9']);
    assert.equal(noToken.status, 1);
    assert.match(noToken.stderr, /an API token is required/);
    const down = runCli(['admf', 'task', 'list', '--api', 'http://127.0.0.1:9', '--token', 'x'.repeat(20)]);
    assert.equal(down.status, 1);
    assert.match(down.stderr, /cannot reach the ADMF API at http:\/\/127\.0\.0\.1:9/);
    const badTarget = runCli([
      'admf',
      'task',
      'activate',
      '--ne',
      'ne-1',
      '--target',
      'nonsense',
      '--did',
      'x',
      '--token',
      'x'.repeat(20),
    ]);
    assert.equal(badTarget.status, 1);
    assert.match(badTarget.stderr, /use KIND=VALUE/);
  } finally {
    Object.assign(process.env, env);
  }
});

test('lix x1 ping: nothing listening is a clear failure', () => {
  const r = runCli([
    'x1',
    'ping',
    '--url',
    'http://127.0.0.1:9/X1/NE',
    '--insecure-plain-http',
    '--admf-id',
    'admf-1',
    '--ne-id',
    'ne-1',
  ]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /connection failure|ECONNREFUSED/);
});
