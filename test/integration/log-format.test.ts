// Logs for a person at a terminal, JSON for everything else (issue: the operator's day): a daemon started on a
// pseudo-terminal (util-linux `script`) writes readable lines, the same daemon on a pipe writes one JSON object
// per line, and --log-format overrides either. The collector is the daemon: it starts fast and needs no PKI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/shared.js';

const skip =
  process.env.CI === 'true' ? false : spawnSync('script', ['--version']).status !== 0 && 'no `script`';
if (skip) console.log(`# skipped: ${skip}`);

/** The collector's first log lines, on a pipe or on a terminal; it is stopped by `timeout` after 12 s (a loaded
 * machine took over 4 s to start it through tsx, leaving no line to read). */
function collectorLogs(tty: boolean, extra: string[] = []): string {
  const out = mkdtempSync(join(tmpdir(), 'lix-logfmt-'));
  const cmd = [
    'timeout',
    '-s',
    'INT',
    '12',
    process.execPath,
    '--import',
    'tsx',
    join(REPO_ROOT, 'src/cli/main.ts'),
    'collector',
    '--listen',
    'eep+udp://127.0.0.1:0',
    '--out',
    out,
    '--log-level',
    'info',
    ...extra,
  ];
  const quoted = cmd.map((a) => `'${a}'`).join(' ');
  const r = tty
    ? spawnSync('script', ['-qefc', `${quoted} 2>&1`, '/dev/null'], { cwd: REPO_ROOT, encoding: 'utf8' })
    : spawnSync('sh', ['-c', `${quoted} 2>&1`], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.stdout;
}

const jsonLines = (text: string) =>
  text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string });

test('JSON on a pipe, readable text on a terminal, and --log-format wins', { skip }, () => {
  const piped = collectorLogs(false);
  assert.ok(
    jsonLines(piped).some((l) => typeof l.msg === 'string'),
    `JSON lines on a pipe:\n${piped}`,
  );

  const onTty = collectorLogs(true);
  assert.equal(jsonLines(onTty).length, 0, `no JSON on a terminal:\n${onTty}`);
  assert.match(onTty, /INFO/, 'pretty lines name their level');

  const forced = collectorLogs(true, ['--log-format', 'json']);
  assert.ok(jsonLines(forced).length > 0, `--log-format json on a terminal:\n${forced}`);
});
