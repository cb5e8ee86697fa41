// `lix lab` runs its components in one process: an uncaught error inside one (here the collector) is logged
// with the component's name, stops that component alone and marks it failed, and the ADMF and the NE keep
// working (an X1 exchange between them after the failure). Runs in a child process, because the handler is
// process-wide and the test runner has its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LabIsolation } from '../../src/cli/lab-isolation.js';
import { silentLogger } from '../../src/lib/logger.js';
import { REPO_ROOT } from '../support/shared.js';

test('an uncaught error in the lab collector stops the collector alone; the ADMF and the NE keep working', () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'test/support/lab-isolation-child.ts')],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const mine = lines;
  // The lab's log (JSON on stderr).
  const logs = r.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.match(String(mine[0]!.ready), /^eep\+udp:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(mine[1], { part: 'collector', why: 'uncaught exception: boom inside the collector' });
  assert.deepEqual(mine[2], {
    admfAndNe: true,
    collectorFailure: 'uncaught exception: boom inside the collector',
    admfFailure: null,
  });
  assert.deepEqual(mine[3], { done: true });
  const logged = logs.filter((l) => l.level === 50 && l.component === 'collector');
  assert.equal(logged.length, 1, 'one error line naming the component');
  assert.match(
    String(logged[0]!.msg),
    /^collector failed \(uncaught exception: boom inside the collector\); stopping it, the other components keep running$/,
  );
  assert.ok(logs.some((l) => l.msg === 'collector stopped after its failure'));
});

test('an error is owned by its async context, else by the first lix source directory on its stack', () => {
  const unowned: unknown[] = [];
  const iso = new LabIsolation(silentLogger, undefined, (e) => unowned.push(e));
  iso.add('ne', async () => undefined);
  iso.add('collector', async () => undefined);
  const at = (...dirs: string[]) => {
    const e = new Error('x');
    e.stack = ['Error: x', ...dirs.map((d) => `    at f (/opt/lix/${d}/file.js:1:1)`)].join('\n');
    return e;
  };
  assert.equal(iso.owner(at('dist/lib', 'dist/probe', 'dist/collector')), 'ne', 'the probe is the NE');
  assert.equal(iso.owner(at('src/collector')), 'collector');
  assert.equal(iso.owner(at('src/admf')), undefined, 'no ADMF registered');
  assert.equal(iso.owner(at('node_modules/pino')), undefined);
  assert.equal(
    iso.run('collector', () => iso.owner(at('src/probe'))),
    'collector',
    'the async context comes first',
  );
});
