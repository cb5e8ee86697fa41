// One daemon per data directory: a second `lix ne`, `lix admf` or `lix lab` on a directory a live process
// holds is refused with one line naming the holder's PID; manual administration keeps working; a holder
// killed with SIGKILL leaves no stale lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, lockDataDir } from '../../src/store/data-dir-lock.js';
import { admfHarness } from '../support/admf-harness.js';
import { LAB_FREE_PORTS, NE_ON_LOOPBACK, runCli } from '../support/cli.js';
import { startNeProcess, stopNeProcess } from '../support/ne-process.js';
import { getTestPki } from '../support/pki.js';

const fresh = (p: string) => mkdtempSync(join(tmpdir(), p));

test('the lock: exclusive, names its holder, free again once released', () => {
  const dir = fresh('lix-lock-');
  const lock = lockDataDir(dir, 'test');
  assert.throws(
    () => lockDataDir(dir, 'test'),
    (e: unknown) =>
      e instanceof DataDirLockedError && e.holderPid === process.pid && /PID \d+/.test(e.message),
  );
  lock.release();
  lock.release();
  lockDataDir(dir, 'test').release();
});

test('a second lix ne on a held directory is refused; manual admin works; SIGKILL frees it', async () => {
  const pki = await getTestPki();
  const dataDir = fresh('lix-ne-lock-');
  const files = {
    certFile: pki.identities['ne-1']!.certFile,
    keyFile: pki.identities['ne-1']!.keyFile,
    caFile: pki.caFile,
    dataDir,
  };
  const first = await startNeProcess(files);
  try {
    const second = runCli([
      ...NE_ON_LOOPBACK,
      '--cert',
      files.certFile,
      '--key',
      files.keyFile,
      '--ca',
      files.caFile,
      '--data',
      dataDir,
    ]);
    assert.equal(second.status, 1);
    assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`in use by another lix process \\(PID ${first.child.pid}\\)`));
    const list = runCli(['ne', 'task', 'list', '--data', dataDir]);
    assert.equal(list.status, 0, list.stderr);
  } finally {
    await stopNeProcess(first, 'SIGKILL');
  }
  const again = await startNeProcess(files);
  await stopNeProcess(again, 'SIGTERM');
});

test('a second ADMF on a held directory is refused, the first keeps working', async () => {
  const h = await admfHarness();
  try {
    await assert.rejects(admfHarness({ listenPort: 0 }, { dataDir: h.dataDir }), DataDirLockedError);
    assert.deepEqual(await h.running.admf.store.listTasks(), []);
  } finally {
    await h.close();
  }
  const again = await admfHarness({}, { dataDir: h.dataDir });
  await again.close();
});

test('a second lix lab on the same directory is refused with one line', () => {
  const dir = fresh('lix-lab-lock-');
  const holder = lockDataDir(dir, 'lab');
  try {
    const r = runCli(['lab', '--data', dir, '--ne-port', '0', '--admf-port', '0', '--api-port', '0']);
    assert.equal(r.status, 1);
    assert.match(r.stderr.trim(), /^lix lab: data directory .* is in use by another lix process \(PID \d+\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    holder.release();
  }
});

test('a data directory that cannot be created or written stops lix ne, admf and lab with one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-unusable-'));
  try {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory\n');
    const runs = {
      ne: runCli([...NE_ON_LOOPBACK, '--insecure-plain-http', '--data', join(blocker, 'ne')]),
      admf: runCli([
        'admf',
        '--id',
        'admf-1',
        '--listen',
        '127.0.0.1:0',
        '--api-listen',
        '127.0.0.1:0',
        '--api-token',
        'x'.repeat(20),
        '--insecure-plain-http',
        '--data',
        join(blocker, 'admf'),
      ]),
      lab: runCli(['lab', '--data', join(blocker, 'lab'), ...LAB_FREE_PORTS]),
    };
    for (const [cmd, r] of Object.entries(runs)) {
      assert.equal(r.status, 1, `${cmd}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${cmd}: ${r.stderr}`);
      assert.match(
        lines[0]!,
        new RegExp(
          `^lix ${cmd}: data directory .*a-file/${cmd} cannot be used \\(ENOTDIR\\): give a writable --data$`,
        ),
      );
    }
    assert.equal(readFileSync(blocker, 'utf8'), 'not a directory\n', 'the file in the way is untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
