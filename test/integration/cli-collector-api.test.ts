// `lix collector --api-listen` as a process: it refuses to start without a token or with a token file others
// can read, serves the API with one (token from the file or the environment), and `lix admf --collector`
// needs the collectors' token file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { startLix } from '../support/daemon.js';

const TOKEN = 'cli-collector-api-token-0123456789';
const BASE = ['collector', '--listen', 'eep+udp://127.0.0.1:0', '--api-listen', '127.0.0.1:0'];

function tokenFile(mode: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lix-capi-token-')), 'token');
  writeFileSync(file, `${TOKEN}\n`);
  chmodSync(file, mode);
  return file;
}

test('lix collector --api-listen refuses to start without a token, with a short one, or a readable file', () => {
  const out = mkdtempSync(join(tmpdir(), 'lix-capi-out-'));
  const env = { LIX_COLLECTOR_TOKEN: '', LIX_COLLECTOR_TOKEN_FILE: '' };
  const none = runCli([...BASE, '--out', out], { env });
  assert.equal(none.status, 2);
  assert.match(
    none.stderr,
    /--api-listen needs a token: --api-token-file FILE, --api-token, or \$LIX_COLLECTOR_TOKEN/,
  );
  const short = runCli([...BASE, '--out', out, '--api-token', 'short'], { env });
  assert.equal(short.status, 2);
  assert.match(short.stderr, /at least 16 characters/);
  const open = tokenFile(0o644);
  const readable = runCli([...BASE, '--out', out, '--api-token-file', open], { env });
  assert.equal(readable.status, 2);
  assert.match(readable.stderr, /has mode 0644: the group or others can read the API token; run: chmod 600/);
});

test('lix collector --api-listen serves the API with the token from its file or the environment', async () => {
  for (const how of ['file', 'env'] as const) {
    const out = mkdtempSync(join(tmpdir(), 'lix-capi-out-'));
    const args = how === 'file' ? ['--api-token-file', tokenFile(0o600)] : [];
    const d = startLix([...BASE, '--out', out, ...args], how === 'env' ? { LIX_COLLECTOR_TOKEN: TOKEN } : {});
    try {
      const line = await d.waitFor(/^HTTP API on http:\/\/127\.0\.0\.1:\d+\/api\/xids$/);
      const url = line.slice('HTTP API on '.length);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.status, 200, how);
      assert.deepEqual(await ok.json(), { xids: [] });
      assert.equal((await fetch(url)).status, 401);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }
});

test('lix admf --collector needs the collectors token file and NAME=URL', () => {
  const a = runCli([
    'admf',
    '--id',
    'admf-1',
    '--api-token',
    TOKEN,
    '--collector',
    'lab=http://127.0.0.1:8482',
  ]);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /--collector needs --collector-token-file FILE/);
  const file = tokenFile(0o600);
  const b = runCli([
    'admf',
    '--id',
    'admf-1',
    '--api-token',
    TOKEN,
    '--collector',
    'lab',
    '--collector-token-file',
    file,
  ]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /--collector "lab": use NAME=URL/);
  const c = runCli([
    'admf',
    '--id',
    'admf-1',
    '--api-token',
    TOKEN,
    '--collector',
    'lab=ftp://x',
    '--collector-token-file',
    file,
  ]);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /--collector: an http:\/\/ or https:\/\/ URL/);
  const d = runCli([
    'admf',
    '--id',
    'admf-1',
    '--api-token',
    TOKEN,
    '--collector',
    'lab=http://h:1',
    '--collector-token-file',
    tokenFile(0o644),
    '--data',
    mkdtempSync(join(tmpdir(), 'lix-capi-admf-')),
    '--insecure-plain-http',
  ]);
  assert.equal(d.status, 2);
  assert.match(d.stderr, /collector lab tokenFile: .* has mode 0644/);
});
