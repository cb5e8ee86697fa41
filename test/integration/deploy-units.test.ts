// The deployment files as systemd reads them (Debian's systemd): systemd-analyze verify accepts the units as
// shipped, systemd-sysusers and systemd-tmpfiles make the user and the directories, the units keep their
// hardening (and systemd-analyze security rates them), and the example configurations are valid lix
// configurations. deploy-two-hosts.test.ts runs the units' command lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAdmfConfig } from '../../src/admf/config.js';
import { parseNeConfig } from '../../src/ne/config.js';
import { hasTool, REPO_ROOT, skipUnless } from '../support/shared.js';

const DEPLOY = join(REPO_ROOT, 'deploy', 'systemd');
const EXAMPLES = join(REPO_ROOT, 'deploy', 'examples');
const UNITS = ['lix-admf.service', 'lix-collector.service', 'lix-ne.service'];
const skip = skipUnless(hasTool('systemd-analyze', ['--version']), 'systemd-analyze (Debian systemd)');
const skipUsers = skipUnless(
  hasTool('systemd-sysusers', ['--version']) && hasTool('systemd-tmpfiles', ['--version']),
  'systemd-sysusers and systemd-tmpfiles (Debian systemd)',
);
const read = (f: string) => readFileSync(join(DEPLOY, f), 'utf8');
const tempDir = (what: string) => mkdtempSync(join(tmpdir(), `lix-${what}-`));

/** Where this machine's systemd keeps its own units (network-online.target, multi-user.target, ...). */
const SYSTEM_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(d));

/**
 * A root directory for `systemd-analyze --root=ROOT` with the given units installed in
 * ROOT/etc/systemd/system. Verify checks that every Exec*= binary exists and is executable and that every
 * unit named in dependencies exists; with --root it looks for both under ROOT. So ROOT gets a copy of the
 * system's units, and executables where the installation puts them: /usr/local/bin/lix (npm install -g with
 * prefix /usr/local; an empty script stands in for it) and /bin/kill (ExecReload). A unit naming another
 * path fails.
 */
function withRoot<T>(units: Record<string, string>, use: (root: string) => T): T {
  const root = tempDir('units');
  try {
    cpSync(SYSTEM_UNITS!, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    for (const [path, source] of [
      ['usr/local/bin/lix', undefined],
      ['bin/kill', '/bin/kill'],
    ] as const) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      if (source) cpSync(source, join(root, path));
      else writeFileSync(join(root, path), '#!/bin/sh\n');
      chmodSync(join(root, path), 0o755);
    }
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    for (const [name, text] of Object.entries(units))
      writeFileSync(join(root, 'etc/systemd/system', name), text);
    return use(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * `systemd-analyze verify` of the units exactly as shipped. Verify exits 0 after warning about an unknown
 * key or a value it cannot parse ("ignoring"), so what passes is that it says nothing at all.
 */
function verify(units: Record<string, string>): { status: number | null; said: string } {
  return withRoot(units, (root) => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${root}`, ...Object.keys(units)], {
      encoding: 'utf8',
    });
    return { status: r.status, said: `${r.stdout}${r.stderr}`.trim() };
  });
}

const shipped = () => Object.fromEntries(UNITS.map((u) => [u, read(u)]));

test('systemd-analyze verify accepts the units as shipped without a word', { skip }, () => {
  assert.deepEqual(
    readdirSync(DEPLOY)
      .filter((f) => f.endsWith('.service'))
      .sort(),
    UNITS,
  );
  const good = verify(shipped());
  assert.equal(good.status, 0, good.said);
  assert.equal(good.said, '');
});

test('systemd-analyze verify notices a misspelt directive, a bad value, a wrong path', { skip }, () => {
  const ne = read('lix-ne.service');
  const cases: [string, string, RegExp][] = [
    ['ProtectSystem=', 'ProtectSytem=', /Unknown key .?ProtectSytem/],
    ['ProtectSystem=strict', 'ProtectSystem=strcit', /Failed to parse protect system value.*strcit/],
    ['@system-service', '@system-servic', /Unknown system call group.*@system-servic/],
    ['ExecStart=/usr/local/bin/lix', 'ExecStart=/usr/bin/lix', /\/usr\/bin\/lix is not executable/],
  ];
  for (const [from, to, said] of cases) {
    assert.ok(ne.includes(from), from);
    const r = verify({ 'lix-ne.service': ne.replace(from, to) });
    assert.match(r.said, said, `${to}: ${r.said}`);
  }
});

test(
  'systemd-sysusers and systemd-tmpfiles make the lix user and its directories',
  { skip: skipUsers },
  () => {
    const root = tempDir('sysusers');
    try {
      mkdirSync(join(root, 'etc'));
      const users = spawnSync('systemd-sysusers', [`--root=${root}`, join(DEPLOY, 'lix.sysusers.conf')], {
        encoding: 'utf8',
      });
      assert.equal(users.status, 0, users.stderr);
      const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n');
      const lix = passwd.find((l) => l.startsWith('lix:'))?.split(':');
      assert.ok(lix, passwd.join('\n'));
      assert.equal(lix[5], '/var/lib/lix');
      assert.match(lix[6]!, /nologin$/);
      assert.ok(Number(lix[2]) < 1000, 'a system user');
      const files = spawnSync(
        'systemd-tmpfiles',
        [`--root=${root}`, '--create', join(DEPLOY, 'lix.tmpfiles.conf')],
        {
          encoding: 'utf8',
        },
      );
      // Only root may give a directory to another user: unprivileged, tmpfiles makes them and says that each
      // fchownat was refused (exit 73), and nothing else.
      const asRoot = process.getuid?.() === 0;
      const complaints = files.stderr.split('\n').filter((l) => l !== '');
      if (asRoot) assert.deepEqual([files.status, complaints], [0, []]);
      else
        for (const l of complaints) assert.match(l, /^fchownat\(\) of .* failed: Operation not permitted$/);
      const expect: [string, number, string][] = [
        ['etc/lix', 0o750, 'root'],
        ['etc/lix/pki', 0o750, 'root'],
        ['var/lib/lix', 0o750, 'root'],
        ['var/lib/lix/ne', 0o700, 'lix'],
        ['var/lib/lix/admf', 0o700, 'lix'],
        ['var/lib/lix/collector', 0o700, 'lix'],
      ];
      for (const [dir, mode, owner] of expect) {
        const st = statSync(join(root, dir));
        assert.equal(st.mode & 0o7777, mode, dir);
        if (asRoot) {
          assert.equal(st.uid, owner === 'root' ? 0 : Number(lix[2]), `${dir} owner`);
          assert.equal(st.gid, Number(lix[3]), `${dir} group lix`);
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test('every unit runs as lix, hardened; only the NE has a capability (CAP_NET_RAW: capture, SCTP)', () => {
  for (const u of UNITS) {
    const lines = read(u).split('\n');
    const has = (l: string) => assert.ok(lines.includes(l), `${u}: ${l}`);
    [
      'Type=simple',
      'User=lix',
      'Group=lix',
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'SystemCallFilter=@system-service',
      `StateDirectory=lix/${u.slice('lix-'.length, -'.service'.length)}`,
    ].forEach(has);
    assert.ok(
      lines.some((l) => l.startsWith('RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6')),
      u,
    );
    assert.ok(!lines.some((l) => l.startsWith('MemoryDenyWriteExecute=')), `${u}: V8 needs W+X memory`);
    assert.ok(!lines.some((l) => l.startsWith('ReadWritePaths=')), `${u}: writes only its StateDirectory`);
    // SIGHUP re-reads TLS files and the log level in the NE and the ADMF; the collector has nothing to re-read.
    if (u !== 'lix-collector.service') has('ExecReload=/bin/kill -HUP $MAINPID');
    const caps = u === 'lix-ne.service' ? 'CAP_NET_RAW' : '';
    has(`CapabilityBoundingSet=${caps}`);
    const ambient = lines.filter((l) => l.startsWith('AmbientCapabilities='));
    assert.deepEqual(ambient, caps ? [`AmbientCapabilities=${caps}`] : [], u);
  }
});

test('systemd-analyze security --offline rates every unit OK (exposure below 2.5)', { skip }, () => {
  withRoot(shipped(), (root) => {
    for (const u of UNITS) {
      const r = spawnSync('systemd-analyze', ['security', '--offline=yes', `--root=${root}`, u], {
        encoding: 'utf8',
      });
      const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout);
      assert.ok(m, `${u}: ${r.stdout}${r.stderr}`);
      assert.ok(Number(m[1]) < 2.5, `${u}: exposure ${m[1]}`);
    }
  });
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
  assert.equal(ne.dataDir, '/var/lib/lix/ne');
  assert.equal(admf.dataDir, '/var/lib/lix/admf');
  assert.match(ne.source!, /^iface:/);
  const env = readFileSync(join(EXAMPLES, 'host-b', 'collector.env'), 'utf8');
  assert.match(env, /^LIX_COLLECTOR_LISTEN=--listen eep\+udp:\/\/0\.0\.0\.0:9060/m);
});
