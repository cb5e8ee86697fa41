// `lix lab` with the ADMF: it comes up on a temp dir, the printed ADMF example works as pasted (through the
// ADMF's CLI and REST API, over mutual TLS to the NE): it tasks the lab subscriber, and a call addressed as
// tel: and one as sip: both land in its capture; `lix x1 ping` reaches both X1 endpoints, and a second start
// reuses the data and comes back with the same state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';

async function startLab(dir: string): Promise<{ out: string; stop: () => Promise<void> }> {
  const args = [
    'lab',
    '--data',
    dir,
    '--ne-port',
    '0',
    '--collector-port',
    '0',
    '--admf-port',
    '0',
    '--api-port',
    '0',
    '--collector-api-port',
    '0',
  ];
  const child = spawn(process.execPath, [...CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LIX_LOG_LEVEL: 'warn' },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Stop with Ctrl-C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lix lab exited with ${code}: ${out}`)));
  });
  return {
    out,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs the printed ADMF example: `export` lines become the environment, `node .../bin/lix.js` runs from source. */
function runExample(out: string): string[] {
  const section = out.split('Task the NE through the ADMF (paste):\n')[1]!.split('\n\n')[0]!;
  const lines = section.split('\n').map((l) => l.trim());
  // The exported variables reach the commands through this process's environment (runCli passes it on).
  for (const kv of lines
    .find((l) => l.startsWith('export '))!
    .slice('export '.length)
    .split(' ')) {
    const [k, v] = kv.split('=');
    process.env[k!] = v!;
  }
  const commands = lines.filter((l) => l.startsWith('node '));
  assert.ok(commands.length >= 3);
  return commands.map((c) => {
    assert.match(c, /^node \S+bin\/lix\.js /);
    const args = c.replace(/^node \S+bin\/lix\.js /, '').split(/\s+/);
    const r = runCli(args);
    assert.equal(r.status, 0, `${c}\n${r.stderr}`);
    return r.stdout;
  });
}

/** The capture files the collector has written for `xid`. */
function capturesOf(dir: string, xid: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => n.startsWith(xid) && statSync(join(dir, n)).size > 200)
        .map((n) => join(dir, n))
    : [];
}

/** The Request-URIs of the SIP INVITEs in the captures of `xid` (tshark). */
function inviteUris(dir: string, xid: string): Set<string> {
  const out = new Set<string>();
  for (const file of capturesOf(dir, xid)) {
    const text = execFileSync(
      'tshark',
      ['-r', file, '-Y', 'sip.Method == "INVITE"', '-T', 'fields', '-e', 'sip.r-uri'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    for (const line of text.split('\n')) if (line.trim()) out.add(line.trim());
  }
  return out;
}

/** Waits (real time, polling) until `cond` holds. */
async function waitFor(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

test(
  'lix lab: the ADMF is up, its printed example works, and a restart keeps the state',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lix-admf-lab-'));
    const lab = await startLab(dir);
    let xid: string;
    try {
      assert.match(lab.out, /ADMF X1 endpoint https:\/\/127\.0\.0\.1:\d+\/X1\/ADMF/);
      assert.match(lab.out, /ADMF REST API\s+http:\/\/127\.0\.0\.1:\d+/);
      assert.match(lab.out, /tasks: 0\)/);
      const [dest, added, shown] = runExample(lab.out);
      assert.match(dest!, /^did\s+[0-9a-f-]{36}$/m);
      assert.match(added!, /subscriber lab-[0-9a-f]{8}: active, 3 task\(s\), in sync/);
      // One task per target: IMSI, the MSISDN's number (also its sip: and tel: IMPUs), the IMEI.
      const row = /^ne-1\s+e164Number:447900000000\s+([0-9a-f-]{36})\s+active\s+yes$/m.exec(shown!);
      assert.ok(row, shown);
      xid = row[1]!;
      assert.match(shown!, /^ne-1\s+imsi:001010000000000\s+[0-9a-f-]{36}\s+active\s+yes$/m);
      assert.match(shown!, /^ne-1\s+imei:35690000000000\s+[0-9a-f-]{36}\s+active\s+yes$/m);
      // With the lab's traffic, a call addressed as tel: and one addressed as sip: both reach the
      // subscriber's capture (a lone sipUri task would miss the first).
      const captures = join(dir, 'captures');
      const tel = 'tel:+447900000000';
      const sip = 'sip:+447900000000@ims.lab.lix';
      await waitFor(
        `INVITEs to ${tel} and ${sip} in the captures of ${xid}`,
        () => {
          const uris = inviteUris(captures, xid);
          return uris.has(tel) && uris.has(sip);
        },
        90_000,
      );
      const protocols = execFileSync(
        'tshark',
        ['-r', capturesOf(captures, xid)[0]!, '-T', 'fields', '-e', 'frame.protocols'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      assert.match(protocols, /diameter|gtpv2|sip/, 'tshark reads signalling in the capture');
      const neUrl = /NE X1 endpoint\s+(\S+)/.exec(lab.out)![1]!;
      const admfUrl = /ADMF X1 endpoint (\S+)/.exec(lab.out)![1]!;
      for (const url of [neUrl, admfUrl]) {
        const r = runCli([
          'x1',
          'ping',
          '--url',
          url,
          '--tls-dir',
          join(dir, 'pki'),
          '--admf-id',
          'admf-1',
          '--ne-id',
          'ne-1',
        ]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^PingResponse from (ne-1|admf-1) in/);
      }
    } finally {
      delete process.env.LIX_ADMF_API;
      delete process.env.LIX_ADMF_TOKEN_FILE;
      await lab.stop();
    }
    const again = await startLab(dir);
    try {
      assert.match(again.out, /tasks: 3\)/);
      assert.match(again.out, /tasks in store: 3/);
      const api = /ADMF REST API\s+(\S+)/.exec(again.out)![1]!;
      const r = runCli([
        'admf',
        'task',
        'show',
        xid,
        '--live',
        '--api',
        api,
        '--token-file',
        join(dir, 'admf', 'api-token'),
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^task\.state\s+active$/m);
      const drift = runCli([
        'admf',
        'ne',
        'reconcile',
        'ne-1',
        '--api',
        api,
        '--token-file',
        join(dir, 'admf', 'api-token'),
      ]);
      assert.match(drift.stdout, /^inSync\s+true$/m);
      const bad = runCli(['admf', 'task', 'show', xid, '--api', api, '--token', 'wrong-token-0123456789']);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /401 unauthorized/);
    } finally {
      await again.stop();
    }
  },
);
