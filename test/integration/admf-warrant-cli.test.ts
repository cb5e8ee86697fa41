// `lix admf task add|modify --valid-from --valid-until --warrant` reach the REST API, and `lix admf task list`
// shows the warrant and the time left as a table (`--json`: JSON Lines, one row per task). The ADMF runs in this process
// (memory NE, fake clock) behind a loopback port; the CLI runs as a child, asynchronously.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { timeLeft } from '../../src/cli/admf-task-table.js';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { memoryAdmf, neWithDestination } from '../support/admf-memory.js';
import { REPO_ROOT } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';

const run = promisify(execFile);
const H = 3_600_000;

async function lix(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [...CLI_ENTRY, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LIX_LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('time left reads as its two largest units', () => {
  assert.deepEqual([0, 9, 249, 3 * 3600 + 5 * 60, 2 * 86_400 + 3 * 3600 + 59].map(timeLeft), [
    '0s',
    '9s',
    '4m 09s',
    '3h 05m',
    '2d 3h',
  ]);
});

test('lix admf task add with a warrant schedules it; task list shows the warrant and the time left', async () => {
  const m = await memoryAdmf();
  try {
    const did = await neWithDestination(m);
    const url = await m.app.listen({ host: '127.0.0.1', port: 0 });
    const api = ['--api', url, '--token', TEST_API_TOKEN];
    const iso = (ms: number) => new Date(m.clock.now() + ms).toISOString();
    const target = ['--target', 'sipUri=sip:alice@example.net', '--did', did];
    const add = await lix([
      'admf',
      'task',
      'add',
      '--ne',
      'ne-1',
      ...target,
      '--valid-from',
      iso(H),
      '--valid-until',
      iso(3 * H),
      '--warrant',
      'LIID-CLI-1',
      ...api,
    ]);
    assert.equal(add.code, 0, add.stderr);
    const xid = /^task (\S+) on ne-1: scheduled$/m.exec(add.stdout)?.[1];
    assert.ok(xid, add.stdout);

    const list = await lix(['admf', 'task', 'list', ...api]);
    assert.equal(list.code, 0, list.stderr);
    const [head, row] = list.stdout.trim().split('\n');
    assert.match(head!, /^XID +NE +STATE +WARRANT +VALID FROM +VALID UNTIL +TIME LEFT$/);
    assert.match(row!, new RegExp(`^${xid} +ne-1 +scheduled +LIID-CLI-1 +${iso(H)} +${iso(3 * H)} +3h 00m$`));

    const past = await lix(['admf', 'task', 'modify', xid, ...target, '--valid-until', iso(-1000), ...api]);
    assert.equal(past.code, 1);
    assert.match(past.stderr, /^lix admf: .*validUntil .* is in the past/m);

    const mod = await lix(['admf', 'task', 'modify', xid, ...target, '--valid-until', iso(2 * H), ...api]);
    assert.equal(mod.code, 0, mod.stderr);
    await m.admf.warrants.settled();
    const json = await lix(['admf', 'task', 'list', '--json', ...api]);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { state: string; remainingSeconds: number; expiring: boolean });
    assert.deepEqual(
      rows.map((r) => [r.state, r.remainingSeconds, r.expiring]),
      [['active', 2 * 3600, true]],
      'without a start it runs now, within the 24 h warning window',
    );
    const table = await lix(['admf', 'task', 'list', ...api]);
    assert.match(table.stdout, /2h 00m \(expiring\)$/m);
  } finally {
    await m.close();
  }
});
