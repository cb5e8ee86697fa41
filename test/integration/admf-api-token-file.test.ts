// The REST API token file is checked as ssh checks a private key: `lix admf` refuses a token file that the
// group or others can read, with one line naming the file, its mode and the fix; the operator commands only
// warn (the ADMF that trusts the token is the one that must refuse it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

function tokenFile(mode: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lix-token-')), 'api-token');
  writeFileSync(file, 'a-token-of-twenty-chars\n');
  chmodSync(file, mode);
  return file;
}

const noEnvToken = () => {
  const env = { ...process.env };
  delete env.LIX_ADMF_TOKEN;
  delete env.LIX_ADMF_TOKEN_FILE;
  return env;
};

test('lix admf refuses a group- or world-readable --api-token-file (and LIX_ADMF_TOKEN_FILE)', () => {
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    const file = tokenFile(mode);
    const r = runCli(['admf', '--api-token-file', file, '--data', '/tmp/lix-admf-never'], {
      env: noEnvToken(),
    });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    const octal = `0${mode.toString(8)}`;
    assert.equal(
      lines[0],
      `lix admf: --api-token-file: ${file} has mode ${octal}: the group or others can read the API token; run: chmod 600 ${file}`,
    );
  }
  const file = tokenFile(0o644);
  const r = runCli(['admf', '--data', '/tmp/lix-admf-never'], {
    env: { ...noEnvToken(), LIX_ADMF_TOKEN_FILE: file },
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^lix admf: LIX_ADMF_TOKEN_FILE: .* has mode 0644: .*; run: chmod 600 /);
});

test('lix admf accepts a 0600 or 0400 token file; a missing one is one clear line', () => {
  for (const mode of [0o600, 0o400]) {
    const r = runCli(['admf', '--api-token-file', tokenFile(mode), '--data', '/tmp/lix-admf-never'], {
      env: noEnvToken(),
    });
    // Past the token: the configuration is refused for what is missing, not for the token file.
    assert.equal(r.status, 2);
    assert.doesNotMatch(r.stderr, /token/);
    assert.match(r.stderr, /--id: required/);
  }
  const gone = runCli(['admf', '--api-token-file', '/nonexistent/api-token'], { env: noEnvToken() });
  assert.equal(gone.status, 2);
  assert.match(gone.stderr, /^lix admf: --api-token-file: ENOENT[^\n]*\/nonexistent\/api-token'\n$/);
});

test('lix admf operator commands warn about an open --token-file and go on', () => {
  const open = tokenFile(0o644);
  const r = runCli(['admf', 'ne', 'list', '--api', 'http://127.0.0.1:9', '--token-file', open], {
    env: noEnvToken(),
  });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    new RegExp(`^warning: --token-file: ${open} has mode 0644: .*; run: chmod 600 ${open}\n`),
  );
  assert.match(r.stderr, /cannot reach the ADMF API at http:\/\/127\.0\.0\.1:9/, 'the call was made');
  const closed = runCli(
    ['admf', 'ne', 'list', '--api', 'http://127.0.0.1:9', '--token-file', tokenFile(0o600)],
    {
      env: noEnvToken(),
    },
  );
  assert.equal(closed.status, 1);
  assert.doesNotMatch(closed.stderr, /warning/);
});
