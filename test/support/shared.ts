/** Paths into ../shared (tests only: the product never needs it) and Debian-tool availability. */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const SHARED = resolve(REPO_ROOT, '../shared');
export const ETSI_DIR = resolve(SHARED, 'etsi');
export const EXAMPLES_DIR = resolve(ETSI_DIR, 'examples');

/** True when `cmd` runs. */
export function hasTool(cmd: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a test must skip, or undefined when it can run. In CI (`CI=true`) a missing tool is a failure, never
 * a skip.
 */
export function skipUnless(available: boolean, what: string): string | undefined {
  if (available) return undefined;
  if (process.env.CI === 'true') throw new Error(`${what} is required in CI but is not available`);
  return `${what} not available here`;
}
