// The deployment files: systemd accepts the units (systemd-analyze verify, Debian's systemd), they keep their
// hardening, and the example configurations of the two-host deployment are valid lix configurations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAdmfConfig } from '../../src/admf/config.js';
import { parseNeConfig } from '../../src/ne/config.js';
import { hasTool, REPO_ROOT, skipUnless } from '../support/shared.js';

const UNITS = join(REPO_ROOT, 'deploy', 'systemd');
const EXAMPLES = join(REPO_ROOT, 'deploy', 'examples');
const units = readdirSync(UNITS).filter((f) => f.endsWith('.service'));
const skip = skipUnless(hasTool('systemd-analyze', ['--version']), 'systemd-analyze (Debian systemd)');

/**
 * `systemd-analyze verify` of copies of the units whose ExecStart names an executable that exists here
 * (verify refuses a missing binary, and lix is not installed under /usr/local on a test machine). Verify
 * exits 0 even for an unknown directive, so what counts is that it has nothing to say.
 */
function verify(files: Record<string, string>): { status: number | null; said: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lix-units-'));
  try {
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(dir, name), text.replaceAll('/usr/local/bin/lix', '/usr/bin/env'));
    const r = spawnSync(
      'systemd-analyze',
      ['verify', '--man=no', ...Object.keys(files).map((f) => join(dir, f))],
      {
        encoding: 'utf8',
      },
    );
    return { status: r.status, said: `${r.stdout}${r.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const read = (f: string) => readFileSync(join(UNITS, f), 'utf8');

test(
  'systemd-analyze verify accepts the units without a word, and notices a misspelt directive',
  { skip },
  () => {
    assert.deepEqual(units.sort(), ['lix-admf.service', 'lix-collector.service', 'lix-ne.service']);
    const good = verify(Object.fromEntries(units.map((u) => [u, read(u)])));
    assert.equal(good.status, 0, good.said);
    assert.equal(good.said, '');
    const typo = verify({
      'lix-ne.service': read('lix-ne.service').replace('ProtectSystem=', 'ProtectSytem='),
    });
    assert.match(typo.said, /Unknown key .?ProtectSytem/);
  },
);

test('every unit runs as lix, hardened; capabilities only on the NE (live capture, raw SCTP)', () => {
  for (const u of units) {
    const lines = read(u).split('\n');
    const has = (l: string) => assert.ok(lines.includes(l), `${u}: ${l}`);
    for (const l of [
      'User=lix',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'SystemCallFilter=@system-service',
      'ExecReload=/bin/kill -HUP $MAINPID',
    ].filter((l) => u !== 'lix-collector.service' || !l.startsWith('ExecReload')))
      has(l);
    assert.ok(!lines.some((l) => l.startsWith('MemoryDenyWriteExecute=yes')), `${u}: V8 needs W+X memory`);
    const caps = lines.find((l) => l.startsWith('CapabilityBoundingSet='));
    if (u === 'lix-ne.service') assert.equal(caps, 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN');
    else assert.equal(caps, 'CapabilityBoundingSet=', `${u}: no capability`);
    assert.ok(!lines.some((l) => l.startsWith('AmbientCapabilities=')) || u === 'lix-ne.service', u);
  }
});

test('the example configurations of both hosts are valid and agree on identities and addresses', () => {
  const admf = parseAdmfConfig({
    ...(JSON.parse(readFileSync(join(EXAMPLES, 'host-a', 'admf.json'), 'utf8')) as object),
    apiToken: 'x'.repeat(32),
  });
  const ne = parseNeConfig(JSON.parse(readFileSync(join(EXAMPLES, 'host-b', 'ne.json'), 'utf8')));
  assert.equal(ne.admfId, admf.id);
  assert.equal(new URL(ne.admfUrl!).port, String(admf.listenPort));
  assert.equal(new URL(ne.admfUrl!).pathname, admf.path);
  assert.match(read('lix-ne.service'), new RegExp(`StateDirectory=lix/ne`));
  assert.equal(ne.dataDir, '/var/lib/lix/ne');
  assert.equal(admf.dataDir, '/var/lib/lix/admf');
  const env = readFileSync(join(EXAMPLES, 'host-b', 'collector.env'), 'utf8');
  assert.match(env, /^LIX_COLLECTOR_LISTEN=--listen eep\+udp:\/\/0\.0\.0\.0:9060/m);
});
