// One output rule for every `lix` command (docs/cli.md "Output"): a table by default, `--json` for JSON
// Lines (one object per record per line), ISO 8601 times. The first test walks the whole command tree, so a
// command added later without --json fails here; the others run every listing command against an ADMF
// (in memory, its REST API on loopback) and an NE data directory, and parse what they print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { openNeStore } from '../../src/store/sqlite-ne-store.js';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { memoryAdmf, neWithDestination } from '../support/admf-memory.js';
import { runCliAsync, type CliResult } from '../support/cli.js';

/** Commands that print no records: daemons (they log), and `x1 send` (prints the peer's X1 answer as is). */
const NO_RECORDS = new Set(['lix ne', 'lix admf', 'lix collector', 'lix lab', 'lix x1 send']);

interface Node {
  readonly path: string;
  readonly cmd: Command;
}

/** The program `src/cli/main.ts` builds (its own parse of this process's arguments is held back). */
async function program(): Promise<Command> {
  const parse = Command.prototype.parseAsync;
  Command.prototype.parseAsync = function (this: Command) {
    return Promise.resolve(this);
  };
  try {
    const main = (await import('../../src/cli/main.js')) as { buildProgram(): Command };
    return main.buildProgram();
  } finally {
    Command.prototype.parseAsync = parse;
  }
}

function walk(cmd: Command, path = 'lix'): Node[] {
  return [{ path, cmd }, ...cmd.commands.flatMap((c) => walk(c, `${path} ${c.name()}`))];
}

/** A command that runs (has an action) rather than only grouping others. */
const runs = (cmd: Command) =>
  (cmd as unknown as { _actionHandler: unknown })._actionHandler !== null && cmd.name() !== 'help';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const TIME_KEY = /^(?:at|[a-z][A-Za-z]*At)$/;

/** Every value under a time key, anywhere in `v`. */
function times(v: unknown): unknown[] {
  if (Array.isArray(v)) return v.flatMap(times);
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => (TIME_KEY.test(k) ? [x] : times(x)));
}

/** stdout as JSON Lines: at least `min` objects, each time ISO 8601. */
function jsonLines(what: string, r: CliResult, min = 1): Record<string, unknown>[] {
  assert.equal(r.status, 0, `${what}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.ok(lines.length >= min, `${what}: at least ${min} record(s): ${r.stdout}`);
  return lines.map((l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    assert.equal(typeof o, 'object', `${what}: each line an object`);
    for (const t of times(o)) assert.match(String(t), ISO, `${what}: times in ISO 8601`);
    return o;
  });
}

test('every command that prints records takes --json', async () => {
  const nodes = walk(await program()).filter((n) => runs(n.cmd) && !NO_RECORDS.has(n.path));
  assert.ok(nodes.length >= 30, `the tree has its commands (${nodes.length})`);
  const missing = nodes.filter((n) => !n.cmd.options.some((o) => o.long === '--json')).map((n) => n.path);
  assert.deepEqual(missing, [], 'commands without --json');
  for (const path of NO_RECORDS)
    assert.ok(
      walk(await program()).some((n) => n.path === path),
      `${path} exists`,
    );
});

test('lix admf: every listing command prints a table, and JSON Lines with --json', async () => {
  const m = await memoryAdmf();
  await m.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = m.app.server.address();
  const api = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const env = { LIX_ADMF_API: api, LIX_ADMF_TOKEN: TEST_API_TOKEN };
  const lix = (...args: string[]) => runCliAsync(args, { env });
  try {
    const did = await neWithDestination(m);
    const act = jsonLines(
      'task activate',
      await lix(
        'admf',
        'task',
        'activate',
        '--ne',
        'ne-1',
        '--target',
        'sipUri=sip:a@example.net',
        '--did',
        did,
        '--json',
      ),
    );
    const xid = act[0]!.xid as string;
    assert.equal(act[0]!.state, 'active');
    await m.admf.store.addReport({
      receivedAt: Date.now(),
      neId: 'ne-1',
      kind: 'ReportTaskIssue',
      transactionId: '00000000-0000-4000-8000-000000000001',
      xid,
      reportType: 'Warning',
      details: 'a report for the listing',
      unknown: false,
    });

    // Every `list` (and the record commands) under `lix admf`, found by walking the tree.
    const admf = walk(await program()).filter(
      (n) =>
        n.path.startsWith('lix admf ') && runs(n.cmd) && /^(list|reports|audit|health)$/.test(n.cmd.name()),
    );
    assert.ok(admf.length >= 6, admf.map((n) => n.path).join(', '));
    const oneShot: string[][] = [
      ['ne', 'show', 'ne-1'],
      ['ne', 'status', 'ne-1'],
      ['ne', 'ping', 'ne-1'],
      ['ne', 'reconcile', 'ne-1'],
      ['task', 'show', xid],
      ['task', 'show', xid, '--live'],
    ];
    for (const args of oneShot) jsonLines(`lix admf ${args.join(' ')}`, await lix('admf', ...args, '--json'));
    for (const n of admf) {
      const args = n.path.split(' ').slice(2);
      // What this test made is listed; a listing added later may be empty here (its output must still parse).
      const seeded = /^lix admf (ne list|destination list|task list|reports|audit|health)$/.test(n.path);
      const json = jsonLines(n.path, await lix('admf', ...args, '--json'), seeded ? 1 : 0);
      if (n.path === 'lix admf task list')
        assert.ok(
          json.some((t) => t.xid === xid),
          n.path,
        );
      const table = await lix('admf', ...args);
      assert.equal(table.status, 0, `${n.path}: ${table.stderr}`);
      assert.throws(() => JSON.parse(table.stdout), `${n.path}: a table by default, not JSON`);
      assert.match(
        table.stdout,
        /^[A-Z][A-Z ]+ {2}|^ADMF |^\(none\)$/m,
        `${n.path}: a heading line: ${table.stdout}`,
      );
      if (n.path === 'lix admf audit')
        assert.match(table.stdout, /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b/, 'ISO times in the table');
    }
  } finally {
    await m.close();
  }
});

test('lix ne task|destination|audit: a table, and JSON Lines with --json', async () => {
  const data = mkdtempSync(join(tmpdir(), 'lix-cli-output-'));
  openNeStore(data).close();
  const lix = (...args: string[]) => runCliAsync([...args, '--data', data]);
  try {
    const [d] = jsonLines(
      'destination add',
      await lix('ne', 'destination', 'add', '--uri', 'eep+udp://127.0.0.1:9', '--reason', 'test', '--json'),
    );
    const did = d!.did as string;
    const [t] = jsonLines(
      'task add',
      await lix(
        'ne',
        'task',
        'add',
        '--target',
        'imsi=001010000000001',
        '--did',
        did,
        '--reason',
        'test',
        '--json',
      ),
    );
    for (const args of [['task', 'list'], ['destination', 'list'], ['audit']]) {
      const what = `lix ne ${args.join(' ')}`;
      const json = jsonLines(what, await lix('ne', ...args, '--json'));
      if (args[0] === 'task') assert.equal((json[0]!.details as { xId: string }).xId, t!.xid);
      const table = await lix('ne', ...args);
      assert.equal(table.status, 0, table.stderr);
      assert.match(table.stdout.split('\n')[0]!, /^(XID|DID|ID) {2}/, `${what}: a heading line`);
      if (args[0] === 'audit')
        assert.match(table.stdout, /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b/, 'ISO times in the table');
    }
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
