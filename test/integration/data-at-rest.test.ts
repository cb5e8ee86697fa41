// Intercept-related state at rest (issue: the operator's day): the NE's and the ADMF's SQLite files are the
// owner's only (0600, and so are their -wal and -shm files; directories 0700), an existing file with wider
// access is tightened, and administration commands never create a store where none is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAdmfStore } from '../../src/store/admf-sqlite-store.js';
import { openNeStore } from '../../src/store/sqlite-ne-store.js';
import { runCli } from '../support/cli.js';
import { destination } from '../support/x1-builders.js';

const mode = (f: string) => statSync(f).mode & 0o777;

test('the NE and ADMF stores are created 0600 in 0700 directories, WAL files included', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lix-rest-'));
  const ne = openNeStore(join(root, 'ne'));
  ne.insertDestination(destination('19867c20-8c94-473e-b9cd-8b72b7b05fd4'));
  const admf = openAdmfStore(join(root, 'admf'));
  await admf.setMeta('k', 'v');
  try {
    for (const dir of ['ne', 'admf']) {
      assert.equal(mode(join(root, dir)), 0o700, `${dir}/`);
      const files = readdirSync(join(root, dir)).filter((f) => f.includes('.sqlite'));
      assert.ok(
        files.some((f) => f.endsWith('-wal')),
        `${dir} has a WAL file: ${files.join(' ')}`,
      );
      for (const f of files) assert.equal(mode(join(root, dir, f)), 0o600, `${dir}/${f}`);
    }
  } finally {
    ne.close();
    await admf.close();
  }
});

test('a store file readable by others is tightened to 0600 when opened', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-rest-'));
  const file = join(dir, 'ne.sqlite');
  writeFileSync(file, '');
  chmodSync(file, 0o644);
  openNeStore(dir).close();
  assert.equal(mode(file), 0o600);
});

test('lix ne task list on a directory without a store says so and creates nothing', () => {
  const typo = join(mkdtempSync(join(tmpdir(), 'lix-rest-')), 'typo');
  for (const args of [
    ['ne', 'task', 'list', '--data', typo],
    ['ne', 'destination', 'list', '--data', typo],
  ]) {
    const r = runCli(args);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /holds no NE store \(no ne\.sqlite\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.ok(!existsSync(typo), 'no directory made');
  }
});
