// The STM commands as an engineer runs them: `lix collector` receives what `lix stm send` sends (a SIP file and
// a capture) and writes per-XID PCAPng; `lix stm decode` prints the HEP3 reports of a reference capture, and
// those received over DTLS from an allowed producer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runCli } from '../support/cli.js';
import { hasTool, REPO_ROOT, SHARED, skipUnless } from '../support/shared.js';
import { CLI_ENTRY } from '../support/cli-entry.js';

const INVITE = [
  'INVITE sip:bob@example.net SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds',
  'From: <sip:alice@example.net>;tag=1928301774',
  'To: <sip:bob@example.net>',
  'Call-ID: a84b4c76e66710@pc33.example.net',
  'CSeq: 314159 INVITE',
  'Max-Forwards: 70',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

test(
  'lix stm send to lix collector: a SIP file and a capture become per-XID PCAPng files',
  { timeout: 120_000 },
  async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'lix-cli-stm-'));
    const child = spawn(
      process.execPath,
      [...CLI_ENTRY, 'collector', '--listen', 'eep+udp://127.0.0.1:0', '--out', out],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    const lines = createInterface({ input: child.stdout });
    const uri = await new Promise<string>((resolve, reject) => {
      lines.on('line', (l) => {
        stdout += `${l}\n`;
        const m = /listening on (eep\+udp:\/\/\S+)/.exec(l);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const sip = join(out, 'invite.sip');
      writeFileSync(sip, INVITE);
      const xidA = '29f28e1c-f230-486a-a860-f5a784ab9172';
      const a = runCli(['stm', 'send', '--to', uri, '--sip', sip, '--xid', xidA, '--ne', 'ne-1']);
      assert.equal(a.status, 0, a.stderr);
      const xidB = '19867c20-8c94-473e-b9cd-8b72b7b05fd4';
      const b = runCli([
        'stm',
        'send',
        '--to',
        uri,
        '--pcap',
        join(SHARED, 'samples/sip-call-ipv6-udp.pcap'),
        '--xid',
        xidB,
      ]);
      assert.equal(b.status, 0, b.stderr);
      assert.match(b.stdout, /\b6\b/, `six SIP packets reported: ${b.stdout}`);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    assert.match(stdout, /packet\(s\) written/, 'the collector prints a summary when stopped');
    const files = readdirSync(out)
      .filter((f) => f.endsWith('.pcapng'))
      .sort();
    assert.ok(
      files.some((f) => f.startsWith('29f28e1c')),
      files.join(),
    );
    assert.ok(
      files.some((f) => f.startsWith('19867c20')),
      files.join(),
    );
    const skip = skipUnless(hasTool('capinfos', ['-h']), 'capinfos');
    if (skip) return t.skip(skip);
    const counts = files.map((f) =>
      execFileSync('capinfos', ['-c', '-M', join(out, f)], { encoding: 'utf8' }),
    );
    assert.match(counts.join('\n'), /Number of packets:\s+1\b/);
    assert.match(counts.join('\n'), /Number of packets:\s+6\b/);
  },
);

test('lix stm decode prints the reports of a HEP3 capture as JSON lines', () => {
  const r = runCli(['stm', 'decode', '--pcap', join(SHARED, 'samples/hep3-reference.pcap'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const reports = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(reports.length, 8);
  assert.equal(reports.filter((x) => JSON.stringify(x).includes('"protocolId":"HEP3"')).length, 8);
});

test(
  'lix pki init --collector, then lix stm decode --listen eep+dtls prints what an allowed producer sends to ?identity=, refuses another',
  { timeout: 60_000 },
  async () => {
    const out = mkdtempSync(join(tmpdir(), 'lix-cli-stm-dtls-'));
    const pkiDir = join(out, 'pki');
    const init = runCli([
      'pki',
      'init',
      '--dir',
      pkiDir,
      '--admf',
      'admf-1',
      '--ne',
      'ne-1,ne-2',
      '--collector',
      'collector-1',
    ]);
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stdout, /collector-1\.pem/);
    const child = spawn(
      process.execPath,
      [
        ...CLI_ENTRY,
        'stm',
        'decode',
        '--listen',
        'eep+dtls://127.0.0.1:0',
        '--tls-dir',
        pkiDir,
        '--id',
        'collector-1',
        '--allow-producer',
        'ne-1',
        '--json',
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const uri = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stderr }).on('line', (l) => {
        stderr += `${l}\n`;
        const m = /listening on (eep\+dtls:\/\/\S+)/.exec(l);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`lix stm decode exited with ${code}: ${stderr}`)));
    });
    // 'close' (not 'exit'): the summary lines on stderr must have been read.
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const sip = join(out, 'invite.sip');
    writeFileSync(sip, INVITE);
    const sendAs = (id: 'ne-1' | 'ne-2') =>
      runCli(
        ['stm', 'send', '--to', `${uri}?identity=collector-1`, '--sip', sip, '--ne', id].concat([
          '--tls-dir',
          pkiDir,
          '--id',
          id,
          '--wait',
          '3',
        ]),
      );
    try {
      const ok = sendAs('ne-1');
      assert.equal(ok.status, 0, ok.stderr);
      const refused = sendAs('ne-2');
      assert.notEqual(refused.status, 0, 'a producer not on the allow-list is told its reports did not go');
      const end = Date.now() + 5000;
      while (!stdout.includes('\n') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    const reports = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { ne: string; payload: string });
    assert.equal(reports.length, 1, stdout);
    assert.equal(reports[0]!.ne, 'ne-1');
    assert.match(reports[0]!.payload, /^INVITE sip:bob@example\.net SIP\/2\.0/);
    assert.match(stderr, /1 report\(s\), 0 malformed/);
    // The refused producer tries again within its --wait: each try is one authentication failure.
    assert.match(
      stderr,
      /DTLS: 1 handshake\(s\), 0 handshake failure\(s\), [1-9]\d* authentication failure\(s\)/,
    );
  },
);
