// A tmpfs mounted by the test itself, for real full-disk and read-only cases (root only).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnless } from './shared.js';

/** Mounts a tmpfs on `dir` (created) with these mount options; false when this machine does not allow it. */
export function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

/** Unmounts `dir`. */
export function unmount(dir: string): void {
  spawnSync('umount', [dir], { stdio: 'ignore' });
}

/** Whether this machine lets a test mount a tmpfs: tried once, on a scratch directory. */
function canMountTmpfs(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'lix-mount-probe-'));
  const ok = mountTmpfs(dir, 'size=64k');
  if (ok) unmount(dir);
  rmSync(dir, { recursive: true, force: true });
  return ok;
}

/** The `skip` option of tests that mount a tmpfs (never skipping in CI, see skipUnless). */
export const tmpfsSkip = (): string | undefined => skipUnless(canMountTmpfs(), 'mounting a tmpfs (root)');
