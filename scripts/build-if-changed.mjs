#!/usr/bin/env node
// `npm start` builds dist/ only when a source changed since the last build: the newest modification time of
// src/ (tests excluded), package.json and the tsconfig files against dist/.tsbuildinfo, which tsc writes at
// each build (incremental). An unchanged tree starts at once; a changed one is rebuilt (incrementally).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** The newest mtime (ms) of the build's inputs. */
export function newestSource(dir = root) {
  let newest = 0;
  const visit = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (
        /\.(ts|tsx|css|html)$/.test(e.name) &&
        !e.name.endsWith('.test.ts') &&
        e.name !== 'api-types.ts'
      )
        newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  visit(join(dir, 'src'));
  // The console (web/) is built with the server: a change there rebuilds too.
  if (existsSync(join(dir, 'web'))) visit(join(dir, 'web'));
  if (existsSync(join(dir, 'scripts', 'console-types.ts')))
    newest = Math.max(newest, statSync(join(dir, 'scripts', 'console-types.ts')).mtimeMs);
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json'])
    if (existsSync(join(dir, f))) newest = Math.max(newest, statSync(join(dir, f)).mtimeMs);
  return newest;
}

/** Why a build is needed, or undefined when dist/ is up to date. */
export function buildReason(dir = root) {
  const s = join(dir, 'dist', '.tsbuildinfo');
  if (!existsSync(s)) return 'no build yet';
  if (existsSync(join(dir, 'web')) && !existsSync(join(dir, 'dist', 'console', 'index.html')))
    return 'the console is not built yet';
  return newestSource(dir) > statSync(s).mtimeMs ? 'sources changed since the last build' : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const why = buildReason();
  if (why !== undefined) {
    console.log(`lix: building dist/ (${why})`);
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) process.exit(r.status ?? 1);
    const c = spawnSync('npm', ['run', '--silent', 'build:console'], { cwd: root, stdio: 'inherit' });
    if (c.status !== 0) process.exit(c.status ?? 1);
    // tsc leaves the file alone when nothing it emits changed (a touched file): mark this build as done.
    const now = new Date();
    utimesSync(join(root, 'dist', '.tsbuildinfo'), now, now);
  }
}
