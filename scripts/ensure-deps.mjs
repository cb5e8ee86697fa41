#!/usr/bin/env node
// Runs before `npm start`, `npm test` and `npm run bench`: when node_modules is missing or does not hold what
// package-lock.json pins, it runs `npm ci` once (saying so on one line) so that the README's two commands work
// on a fresh clone with nothing installed. Otherwise it prints nothing and costs a few milliseconds.
//
// "Holds what the lock pins" is read from npm's own record of the last install (node_modules/.package-lock.json):
// every package the lock requires must be there at the locked version, and nothing else may be. Optional
// packages for other platforms (esbuild's, say) are not installed here and are not required.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Why node_modules must be (re)installed, or undefined when it matches the lock. */
export function staleReason(dir) {
  const installed = join(dir, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return 'node_modules is missing';
  let lock;
  let have;
  try {
    lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')).packages ?? {};
    have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  } catch (e) {
    return `cannot read the lock files (${e.message})`;
  }
  for (const [path, entry] of Object.entries(lock)) {
    if (path === '' || !path.startsWith('node_modules/')) continue;
    const got = have[path];
    if (!got) {
      if (entry.optional) continue;
      return `${path.slice('node_modules/'.length)} is not installed`;
    }
    if (got.version !== entry.version)
      return `${path.slice('node_modules/'.length)} is ${got.version}, the lock pins ${entry.version}`;
  }
  for (const path of Object.keys(have)) {
    if (!(path in lock)) return `${path.slice('node_modules/'.length)} is installed but not in the lock`;
  }
  return undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const reason = staleReason(root);
  if (reason !== undefined) {
    console.error(`lix: installing dependencies with npm ci (${reason})`);
    const npm = process.env.npm_execpath;
    const r = npm
      ? spawnSync(process.execPath, [npm, 'ci', '--no-audit', '--no-fund', '--loglevel=error'], {
          cwd: root,
          stdio: 'inherit',
        })
      : spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
          cwd: root,
          stdio: 'inherit',
        });
    if (r.status !== 0) {
      console.error(`lix: npm ci failed (exit ${r.status ?? r.signal}); see the messages above`);
      process.exit(r.status ?? 1);
    }
  }
}
