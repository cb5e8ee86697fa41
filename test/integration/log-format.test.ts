// Logs for a person at a terminal, JSON for everything else (issue: the operator's day): a daemon started on a
// pseudo-terminal (util-linux `script`) writes readable lines, the same daemon on a pipe writes one JSON object
// per line, and --log-format overrides either. The collector is the daemon: it starts fast and needs no PKI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';

const skip =
  process.env.CI === 'true' ? false : spawnSync('script', ['--version']).status !== 0 && 'no `script`';
if (skip) console.log(`# skipped: ${skip}`);

/**
 * The collector's first log lines, on a pipe or on a terminal: it is stopped with SIGINT once it logs that it
 * listens (its start through tsx takes seconds on a loaded machine), or by `timeout` after 60 s at the latest.
 */
async function collectorLogs(tty: boolean, extra: string[] = []): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'lix-logfmt-'));
  const pidFile = join(out, 'timeout.pid');
  const cmd = [
    'timeout',
    '-s',
    'INT',
    '60',
    process.execPath,
    ...CLI_ENTRY,
    'collector',
    '--listen',
    'eep+udp://127.0.0.1:0',
    '--out',
    out,
    '--log-level',
    'info',
    ...extra,
  ];
  // `exec` keeps the shell's pid for `timeout`, which passes our SIGINT on to the collector.
  const inner = `echo $$ > '${pidFile}'; exec ${cmd.map((a) => `'${a}'`).join(' ')} 2>&1`;
  const child = tty
    ? spawn('script', ['-qefc', `sh -c "${inner.replace(/"/g, '\\"')}"`, '/dev/null'], { cwd: REPO_ROOT })
    : spawn('sh', ['-c', inner], { cwd: REPO_ROOT });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 60_000;
  while (!/collector listening/.test(text) && child.exitCode === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGINT');
    } catch {
      // gone already
    }
  }
  await exited;
  return text;
}

const jsonLines = (text: string) =>
  text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string });

test('JSON on a pipe, readable text on a terminal, and --log-format wins', { skip }, async () => {
  const piped = await collectorLogs(false);
  assert.ok(
    jsonLines(piped).some((l) => typeof l.msg === 'string'),
    `JSON lines on a pipe:\n${piped}`,
  );

  const onTty = await collectorLogs(true);
  assert.equal(jsonLines(onTty).length, 0, `no JSON on a terminal:\n${onTty}`);
  assert.match(onTty, /INFO/, 'pretty lines name their level');

  const forced = await collectorLogs(true, ['--log-format', 'json']);
  assert.ok(jsonLines(forced).length > 0, `--log-format json on a terminal:\n${forced}`);
});
