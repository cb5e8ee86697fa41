// A daemon under a service manager: SIGHUP re-reads TLS files and the log level, SIGTERM stops it gracefully
// (exit 0, data directory released, store intact), and --log-format picks JSON or text lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { getTestPki } from '../support/pki.js';
import { REPO_ROOT } from '../support/shared.js';

interface Daemon {
  readonly child: ChildProcess;
  readonly stderr: string[];
  waitFor(re: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

async function startNe(dataDir: string, extra: readonly string[]): Promise<Daemon> {
  const pki = await getTestPki();
  const ne = pki.identities['ne-1']!;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'src/cli/main.ts'),
      'ne',
      '--id',
      'ne-1',
      '--admf-id',
      'admf-1',
      '--listen',
      '127.0.0.1:0',
      '--cert',
      ne.certFile,
      '--key',
      ne.keyFile,
      '--ca',
      pki.caFile,
      '--data',
      dataDir,
      ...extra,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIX_LOG_LEVEL: '' } },
  );
  const stderr: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const feed = (line: string) => {
    stderr.push(line);
    for (const w of waiters.filter((x) => x.re.test(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  };
  createInterface({ input: child.stderr! }).on('line', feed);
  createInterface({ input: child.stdout! }).on('line', feed);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitFor = (re: RegExp) => {
    const seen = stderr.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<string>((resolve) => waiters.push({ re, resolve })),
      exited.then((code) => {
        throw new Error(`exited (${code}) before ${re}:\n${stderr.join('\n')}`);
      }),
    ]);
  };
  await waitFor(/listening on https:/);
  return { child, stderr, waitFor, exited };
}

test('SIGHUP re-reads TLS files and the log level; SIGTERM stops gracefully and releases the data directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lix-signals-'));
  try {
    const config = join(dir, 'ne.json');
    writeFileSync(config, JSON.stringify({ logLevel: 'info' }));
    const d = await startNe(join(dir, 'data'), ['--config', config]);
    const ready = JSON.parse(await d.waitFor(/"msg":"NE ready"/)) as { level: number };
    assert.equal(ready.level, 30, 'JSON lines by default');
    writeFileSync(config, JSON.stringify({ logLevel: 'debug' }));
    d.child.kill('SIGHUP');
    await d.waitFor(/log level changed \(SIGHUP\)/);
    await d.waitFor(/TLS files re-read \(SIGHUP\)/);
    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0);
    assert.ok(d.stderr.some((l) => /"msg":"NE ne-1 stopping"/.test(l) && /SIGTERM/.test(l)));
    assert.ok(d.stderr.some((l) => /"msg":"NE ne-1 stopped"/.test(l)));
    // The directory is free again and the store opens: a new NE starts on it.
    const again = await startNe(join(dir, 'data'), ['--log-format', 'pretty', '--log-level', 'info']);
    const line = await again.waitFor(/NE ready/);
    assert.throws(() => JSON.parse(line) as unknown, 'pretty lines are text, not JSON');
    assert.match(line, /INFO/);
    again.child.kill('SIGINT');
    assert.equal(await again.exited, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
