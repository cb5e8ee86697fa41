// A daemon under a service manager: SIGHUP re-reads TLS files and the log level, SIGTERM stops it gracefully
// (exit 0, data directory released, store intact), and --log-format picks JSON or text lines.
import { test } from 'node:test';
import { NE_ON_LOOPBACK } from '../support/cli.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestPki } from '../support/pki.js';
import { startLix, type Daemon } from '../support/daemon.js';

async function startNe(dataDir: string, extra: readonly string[]): Promise<Daemon> {
  const pki = await getTestPki();
  const ne = pki.identities['ne-1']!;
  const d = startLix([
    ...NE_ON_LOOPBACK,
    '--cert',
    ne.certFile,
    '--key',
    ne.keyFile,
    '--ca',
    pki.caFile,
    '--data',
    dataDir,
    ...extra,
  ]);
  await d.waitFor(/listening on https:/);
  return d;
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
    assert.ok(d.lines.some((l) => /"msg":"NE ne-1 stopping"/.test(l) && /SIGTERM/.test(l)));
    assert.ok(d.lines.some((l) => /"msg":"NE ne-1 stopped"/.test(l)));
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
