// `lix lab` (npm start) on a fresh directory: it comes up, the printed examples work as pasted, and a second
// start comes back with the same state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool, REPO_ROOT, skipUnless } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';

async function startLab(dir: string): Promise<{ out: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      ...CLI_ENTRY,
      'lab',
      '--data',
      dir,
      '--ne-port',
      '0',
      '--collector-port',
      '0',
      '--collector-api-port',
      '0',
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Stop with Ctrl-C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lix lab exited with ${code}: ${out}`)));
  });
  return {
    out,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

test(
  'lix lab comes up, its printed examples work, and a restart keeps the state',
  { timeout: 120_000 },
  async (t) => {
    const skip = skipUnless(hasTool('curl'), 'curl');
    if (skip) return t.skip(skip);
    const dir = mkdtempSync(join(tmpdir(), 'lix-lab-'));
    const lab = await startLab(dir);
    try {
      assert.match(lab.out, /NE X1 endpoint\s+https:\/\/127\.0\.0\.1:\d+\/X1\/NE/);
      assert.match(lab.out, /collector\s+eep\+udp:\/\/127\.0\.0\.1:\d+/);
      const curls = lab.out.split('\n').filter((l) => l.trim().startsWith('curl '));
      assert.equal(curls.length, 3);
      const answers = curls.map((c) => execSync(c, { encoding: 'utf8' }));
      assert.match(answers[0]!, /CreateDestinationResponse.*AcknowledgedAndCompleted/s);
      // The lab subscriber's tasks, one per target (IMSI, the MSISDN's number, IMEI), in one request.
      assert.equal(answers[1]!.match(/ActivateTaskResponse/g)?.length, 3, answers[1]);
      assert.equal(answers[1]!.match(/AcknowledgedAndCompleted/g)?.length, 3, answers[1]);
      assert.match(answers[2]!, /GetAllDetailsResponse/);
      for (const value of ['001010000000000', '447900000000', '35690000000000'])
        assert.match(answers[2]!, new RegExp(`>${value}<`), `GetAllDetails lists ${value}`);
    } finally {
      await lab.stop();
    }
    const again = await startLab(dir);
    try {
      assert.match(again.out, /tasks in store: 3/);
    } finally {
      await again.stop();
    }
  },
);
