// `lix ne --no-mask-keys`: the only way to switch key masking off is explicit, and it shows: a warning in the
// log at start, a warning on /healthz (which stays 200), and lix_probe_key_masking_enabled 0. Without the flag
// the gauge is 1 and /healthz has no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NE_ON_LOOPBACK } from '../support/cli.js';
import { until } from '../support/admf-helpers.js';
import { freePort } from '../support/nginx.js';
import { getTestPki } from '../support/pki.js';
import { REPO_ROOT } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';

/** `lix ne` with `flags` and a metrics endpoint; its output and log lines kept from the first one. */
async function neWith(flags: readonly string[]) {
  const pki = await getTestPki();
  const ne = pki.identities['ne-1']!;
  const dir = mkdtempSync(join(tmpdir(), 'lix-ne-mask-'));
  const port = await freePort();
  const args = [
    ...[...CLI_ENTRY, ...NE_ON_LOOPBACK],
    ...['--cert', ne.certFile, '--key', ne.keyFile, '--ca', pki.caFile, '--data', dir],
    ...['--log-level', 'info', '--metrics-listen', `127.0.0.1:${port}`, ...flags],
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const logs: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => output.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => logs.push(l));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await until('lix ne listening', () => output.some((l) => l.includes('listening on')), 30_000);
  return {
    output,
    logs,
    metrics: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const gauge = (body: string) => /^lix_probe_key_masking_enabled (\d+)$/m.exec(body)?.[1];

test(
  '--no-mask-keys: logged as a warning, shown on /healthz without failing it, gauge 0',
  { timeout: 60_000 },
  async () => {
    const ne = await neWith(['--no-mask-keys']);
    try {
      await until(
        'the warning in the log and on the output (two streams: either may come first)',
        () =>
          ne.logs.some((l) => l.includes('key masking is OFF')) &&
          ne.output.some((l) => l.startsWith('WARNING: key masking is OFF')),
        20_000,
      );
      const warning = JSON.parse(ne.logs.find((l) => l.includes('key masking is OFF'))!) as { level: number };
      assert.equal(warning.level, 40, 'a warning');
      assert.ok(
        ne.output.some((l) => l.startsWith('WARNING: key masking is OFF')),
        'and printed',
      );
      const health = await fetch(`${ne.metrics}/healthz`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as { warnings?: { keyMasking?: string } };
      assert.match(body.warnings?.keyMasking ?? '', /key masking is OFF/);
      assert.equal(gauge(await (await fetch(`${ne.metrics}/metrics`)).text()), '0');
    } finally {
      await ne.stop();
    }
  },
);

test('by default masking is on: gauge 1, no health warning', { timeout: 60_000 }, async () => {
  const ne = await neWith([]);
  try {
    const body = (await (await fetch(`${ne.metrics}/healthz`)).json()) as Record<string, unknown>;
    assert.equal(body.warnings, undefined);
    assert.equal(gauge(await (await fetch(`${ne.metrics}/metrics`)).text()), '1');
    assert.ok(!ne.logs.some((l) => l.includes('key masking is OFF')));
  } finally {
    await ne.stop();
  }
});
