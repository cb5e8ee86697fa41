// `lix admf token add|list|revoke`, `lix admf whoami` and `lix admf audit` against a running ADMF REST API on
// loopback: the token is printed once, the list never shows it, a revoked token is refused at once, the audit
// table names the operator, and an operator's token may not manage credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { listenApi } from '../../src/api/app.js';
import { memoryAdmf } from '../support/admf-memory.js';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { REPO_ROOT } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';

const run = promisify(execFile);

/** The CLI from source, without blocking this process (it serves the API the CLI calls). */
async function lix(args: string[], token: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, LIX_ADMF_TOKEN: token, LIX_LOG_LEVEL: 'warn' };
  delete env.LIX_ADMF_TOKEN_FILE;
  try {
    const r = await run(process.execPath, [...CLI_ENTRY, ...args], {
      cwd: REPO_ROOT,
      env,
      timeout: 60_000,
    });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { status: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('lix admf token add, list, revoke; whoami; audit names the operator', async () => {
  const m = await memoryAdmf();
  try {
    const api = await listenApi(m.app, '127.0.0.1', 0);
    const as = (token: string, ...args: string[]) => lix(['admf', ...args, '--api', api], token);

    const added = await as(TEST_API_TOKEN, 'token', 'add', 'alice', '--role', 'operator', '--json');
    assert.equal(added.status, 0, added.stderr);
    const alice = (JSON.parse(added.stdout) as { token: string }).token;
    assert.match(alice, /^lix_/);
    const table = await as(TEST_API_TOKEN, 'token', 'add', 'bob', '--role', 'auditor');
    assert.equal(table.status, 0, table.stderr);
    assert.match(
      table.stdout,
      /^FIELD +VALUE\nname +bob\nrole +auditor\ncreatedAt +\d{4}-\d\d-\d\dT[\d:.]+Z\nrevoked +false\ntoken +lix_\S{43}\n$/,
    );
    assert.match(table.stderr, /not shown again/);

    const who = await as(alice, 'whoami');
    assert.match(who.stdout, /^FIELD +VALUE\nname +alice\nrole +operator\n$/);
    assert.equal((await as(alice, 'whoami', '--json')).stdout, '{"name":"alice","role":"operator"}\n');
    const forbidden = await as(alice, 'token', 'list');
    assert.equal(forbidden.status, 1);
    assert.match(
      forbidden.stderr,
      /^lix admf: 403 forbidden: credentials needs the administrator role; alice has the operator role\n$/,
    );

    const list = await as(TEST_API_TOKEN, 'token', 'list');
    assert.equal(list.status, 0, list.stderr);
    const lines = list.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME +ROLE +CREATED +LAST USED +REVOKED$/);
    assert.match(lines[1]!, /^alice +operator +\S+Z +\S+Z +-$/, 'alice was used (whoami)');
    assert.match(lines[2]!, /^bob +auditor +\S+Z +- +-$/);
    assert.ok(!list.stdout.includes(alice));
    const listJson = await as(TEST_API_TOKEN, 'token', 'list', '--json');
    assert.ok(!listJson.stdout.includes(alice) && !listJson.stdout.includes('lix_'));
    const records = listJson.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string });
    assert.deepEqual(
      records.map((r) => r.name),
      ['alice', 'bob'],
      'JSON Lines: one credential per line',
    );

    assert.equal((await as(TEST_API_TOKEN, 'audit', '--operator', 'nobody')).stdout, '(none)\n');
    const revoke = await as(TEST_API_TOKEN, 'token', 'revoke', 'alice');
    assert.equal(revoke.status, 0, revoke.stderr);
    assert.match(revoke.stdout, /^credential alice \(operator\) revoked at \S+Z\n$/);
    const refused = await as(alice, 'whoami');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /401 unauthorized: invalid API token: it was revoked/);

    const audit = await as(TEST_API_TOKEN, 'audit', '--operator', 'admin');
    assert.equal(audit.status, 0, audit.stderr);
    assert.match(audit.stdout, /^ID +AT +ACTOR +OPERATOR +ACTION /);
    assert.match(audit.stdout, /\n\d+ +\S+Z +operator +admin +RevokeApiToken +ok +- +- +alice\n/);
    const auditJson = await as(TEST_API_TOKEN, 'audit', '--json');
    const rows = auditJson.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { operator?: string; action: string });
    assert.deepEqual(
      rows.filter((r) => r.action === 'AddApiToken').map((r) => r.operator),
      ['admin', 'admin'],
    );
  } finally {
    await m.close();
  }
});
