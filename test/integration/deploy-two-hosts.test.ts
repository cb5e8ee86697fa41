// The two-host deployment of docs/deploy.md, run on loopback the way systemd would run it: each daemon is
// started from its unit's ExecStart line (EnvironmentFile variables expanded as systemd does), reads the
// example configuration, its StateDirectory is made first, ExecReload's SIGHUP reloads and SIGTERM stops it
// with exit 0. The PKI comes from `lix pki init` and the tasking from the docs' own `lix admf` lines; a
// subscriber's signalling then reaches the collector's capture directory.
//
// What is moved for the test, and nothing else: /etc/lix and /var/lib/lix into a temp dir, host names and
// 0.0.0.0 to 127.0.0.1, every port to 0 (read back from what the daemons print), and the NE's probe source from
// `iface:eth1` (needs the interface and CAP_NET_RAW; probe-sources-live.test.ts covers live capture) to
// generated traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { startLix, type Daemon } from '../support/daemon.js';
import { REPO_ROOT } from '../support/shared.js';

const DEPLOY = join(REPO_ROOT, 'deploy');
const read = (...p: string[]) => readFileSync(join(DEPLOY, ...p), 'utf8');

/** `Key=Value` lines of a unit (comments and section headers left out); a key may repeat. */
function directives(unit: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv) m.set(kv[1]!, [...(m.get(kv[1]!) ?? []), kv[2]!]);
  }
  return m;
}

/** KEY=VALUE lines of an EnvironmentFile (no quoting used in ours). */
function environmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const kv = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (kv) env[kv[1]!] = kv[2]!;
  }
  return env;
}

/**
 * ExecStart's words as systemd makes them: split on white space; a word `$VAR` becomes the words of the
 * variable's value, `${VAR}` one word. Our units use no quotes (checked), so no more of the syntax is needed.
 */
function execWords(line: string, env: Record<string, string>): string[] {
  assert.doesNotMatch(line, /["'\\]/, 'the units use no quoting');
  return line.split(/\s+/).flatMap((w) => {
    const whole = /^\$([A-Z_][A-Z0-9_]*)$/.exec(w);
    if (whole) return (env[whole[1]!] ?? '').split(/\s+/).filter((x) => x !== '');
    return [w.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, k: string) => env[k] ?? '')];
  });
}

interface Host {
  /** Moves an installation path or address to this test's. */
  local(text: string): string;
  readonly root: string;
}

function host(root: string): Host {
  return {
    root,
    local: (text) =>
      text
        .replaceAll('/etc/lix', join(root, 'etc/lix'))
        .replaceAll('/var/lib/lix', join(root, 'var/lib/lix'))
        .replace(/(0\.0\.0\.0|127\.0\.0\.1):\d+/g, '127.0.0.1:0'),
  };
}

/** Starts a unit's ExecStart (lix from source in place of /usr/local/bin/lix) after making its StateDirectory. */
function startUnit(h: Host, unitFile: string): Daemon {
  const d = directives(read('systemd', unitFile));
  for (const s of d.get('StateDirectory') ?? []) mkdirSync(join(h.root, 'var/lib', s), { recursive: true });
  const env = Object.assign(
    {},
    ...(d.get('EnvironmentFile') ?? []).map((f) => environmentFile(readFileSync(h.local(f), 'utf8'))),
  ) as Record<string, string>;
  const [exec, ...args] = execWords(h.local(d.get('ExecStart')![0]!), env);
  assert.equal(exec, '/usr/local/bin/lix');
  return startLix(args);
}

/** ExecReload=/bin/kill -HUP $MAINPID, as systemctl reload runs it. */
function reload(unitFile: string, d: Daemon): void {
  assert.deepEqual(directives(read('systemd', unitFile)).get('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  d.child.kill('SIGHUP');
}

const urlIn = async (d: Daemon, re: RegExp) => (re.exec(await d.waitFor(re)) ?? [])[1]!;

async function captureOf(dir: string, xid: string, ms: number): Promise<string> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const f = existsSync(dir) ? readdirSync(dir).find((n) => n.startsWith(xid)) : undefined;
    if (f && statSync(join(dir, f)).size > 200) return join(dir, f);
  }
  throw new Error(`no capture for ${xid} in ${dir} after ${ms} ms`);
}

test(
  'the two-host deployment runs from the units, the example configurations and the docs',
  { timeout: 120_000 },
  async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'lix-deploy-'));
    const a = host(join(tmp, 'host-a'));
    const b = host(join(tmp, 'host-b'));
    const daemons: Daemon[] = [];
    try {
      // Certificates: `lix pki init` on host A, the NE's files copied to host B (docs step 2).
      const pki = join(a.root, 'etc/lix/pki');
      const init = runCli(['pki', 'init', '--dir', pki, '--admf', 'admf-1', '--ne', 'ne-1']);
      assert.equal(init.status, 0, init.stderr);
      mkdirSync(join(b.root, 'etc/lix/pki'), { recursive: true });
      for (const f of ['ca.pem', 'ne-1.pem', 'ne-1.key'])
        writeFileSync(join(b.root, 'etc/lix/pki', f), readFileSync(join(pki, f)));

      // Host B's collector first: its address goes into the destination.
      writeFileSync(b.local('/etc/lix/collector.env'), b.local(read('examples/host-b/collector.env')));
      const collector = startUnit(b, 'lix-collector.service');
      daemons.push(collector);
      const udp = await urlIn(collector, /listening on eep\+udp:\/\/(127\.0\.0\.1:\d+)/);

      // Host A: the ADMF (docs step 3).
      const admfJson = JSON.parse(a.local(read('examples/host-a/admf.json'))) as Record<string, unknown>;
      writeFileSync(
        a.local('/etc/lix/admf.json'),
        JSON.stringify({ ...admfJson, listenHost: '127.0.0.1', listenPort: 0, apiPort: 0 }),
      );
      writeFileSync(a.local('/etc/lix/api-token'), `${randomBytes(32).toString('base64')}\n`, {
        mode: 0o600,
      });
      const admf = startUnit(a, 'lix-admf.service');
      daemons.push(admf);
      const admfX1 = await urlIn(admf, /X1 reports on (\S+),/);
      const api = await urlIn(admf, /REST API on (\S+) /);

      // Host B: the NE, reporting to host A.
      const neJson = JSON.parse(b.local(read('examples/host-b/ne.json'))) as Record<string, unknown>;
      assert.equal(new URL(neJson.admfUrl as string).pathname, new URL(admfX1).pathname);
      writeFileSync(
        b.local('/etc/lix/ne.json'),
        JSON.stringify({
          ...neJson,
          listenHost: '127.0.0.1',
          listenPort: 0,
          admfUrl: admfX1,
          source: 'synthetic:50?subscribers=10',
        }),
      );
      const ne = startUnit(b, 'lix-ne.service');
      daemons.push(ne);
      const neX1 = await urlIn(ne, /listening on (\S+)/);
      for (const d of daemons) await d.waitFor(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);

      // The docs' operator commands, with this test's addresses.
      const docs = readFileSync(join(REPO_ROOT, 'docs/deploy.md'), 'utf8');
      const lines = docs
        .split('\n')
        .filter((l) => /^lix admf (ne add|destination create|task activate) /.test(l));
      assert.equal(lines.length, 3, 'docs/deploy.md registers the NE, a destination and a task');
      const env = { LIX_ADMF_API: api, LIX_ADMF_TOKEN_FILE: a.local('/etc/lix/api-token') };
      const exportLine = docs.split('\n').find((l) => l.startsWith('export LIX_ADMF_API='));
      assert.match(exportLine ?? '', /LIX_ADMF_TOKEN_FILE=\/etc\/lix\/api-token/);
      let did = '';
      let xid = '';
      for (const line of lines) {
        const args = line
          .replace(/https:\/\/host-b\.example\.net:8443\/X1\/NE/, neX1)
          .replace(/host-b\.example\.net:9060/, udp)
          .replace(/--did DID/, `--did ${did}`)
          .split(/\s+/)
          .slice(1);
        const r = runCli(args, { env });
        assert.equal(r.status, 0, `${line}\n${r.stdout}${r.stderr}`);
        did ||= /^did\s+([0-9a-f-]{36})$/m.exec(r.stdout)?.[1] ?? '';
        xid = /task ([0-9a-f-]{36}) on ne-1: active/.exec(r.stdout)?.[1] ?? xid;
      }
      assert.ok(did && xid, 'a destination and an active task');
      const capture = await captureOf(b.local('/var/lib/lix/collector/captures'), xid, 30_000).catch(
        (e: Error) => {
          throw new Error(
            `${e.message}\n${daemons.map((d) => d.lines.slice(-15).join('\n')).join('\n---\n')}`,
          );
        },
      );
      assert.ok(capture.startsWith(join(b.root, 'var/lib/lix/collector')), 'written inside StateDirectory');

      // systemctl reload, then systemctl stop.
      reload('lix-ne.service', ne);
      reload('lix-admf.service', admf);
      for (const d of [ne, admf]) await d.waitFor(/TLS files re-read \(SIGHUP\)/);
      for (const d of daemons) d.child.kill('SIGTERM');
      assert.deepEqual(await Promise.all(daemons.map((d) => d.exited)), [0, 0, 0]);
    } finally {
      for (const d of daemons) if (d.child.exitCode === null) d.child.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);
