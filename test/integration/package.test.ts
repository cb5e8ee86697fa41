// The installable package: `npm pack` makes a tarball; `npm install -g` of it into an empty prefix gives a
// `lix` command that works with no checkout and no TypeScript toolchain: `lix --version`, and `lix lab`
// comes up, answers, and stops on SIGTERM.
import { test } from 'node:test';
import { LAB_FREE_PORTS } from '../support/cli.js';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { startLixBinary } from '../support/daemon.js';
import { REPO_ROOT } from '../support/shared.js';

const npm = process.env.npm_execpath;

test('npm pack + npm install -g gives a working lix (version, lab)', { timeout: 240_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lix-pack-'));
  try {
    const run = (args: string[], cwd: string) =>
      npm
        ? execFileSync(process.execPath, [npm, ...args], {
            cwd,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          })
        : execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    run(['pack', '--pack-destination', tmp, '--silent'], REPO_ROOT);
    const tarball = readdirSync(tmp).find((f) => /^lix-.*\.tgz$/.test(f));
    assert.ok(tarball, 'npm pack wrote a tarball');
    const listing = spawnSync('tar', ['tzf', join(tmp, tarball)], { encoding: 'utf8' }).stdout.split('\n');
    assert.ok(listing.includes('package/dist/cli/main.js'));
    assert.ok(
      !listing.some((f) => f.startsWith('package/src/') || f.endsWith('.test.js')),
      'no sources, no tests',
    );
    const prefix = join(tmp, 'prefix');
    run(
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(tmp, tarball),
      ],
      tmp,
    );
    const lix = join(prefix, 'bin', 'lix');
    // The command runs on the Node that runs this test (Node 24), found first on PATH as `node`.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
    const version = execFileSync(lix, ['--version'], { encoding: 'utf8', env, cwd: tmp }).trim();
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version, pkg.version);
    const lab = startLixBinary(lix, ['lab', '--data', join(tmp, 'lab'), ...LAB_FREE_PORTS], env, tmp);
    try {
      await lab.waitFor(/^lix lab is up/);
      const api = /ADMF REST API\s+(\S+)/.exec(await lab.waitFor(/ADMF REST API/))![1]!;
      const r = await fetch(`${api}/openapi.json`);
      assert.equal(r.status, 200, 'the ADMF of the installed lab answers');
    } finally {
      lab.child.kill('SIGTERM');
    }
    assert.equal(await lab.exited, 0);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
