// The ADMF REST API over TLS (server certificate only, X1's profile), driven by independent clients (curl,
// Python's ssl) and by the lix operator commands with --ca; a plain-HTTP API beyond loopback is warned about
// loudly at start (one warn line), one on loopback or with TLS is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { TEST_API_TOKEN } from '../support/admf-harness.js';
import { runCli } from '../support/cli.js';
import { startLix, type Daemon } from '../support/daemon.js';
import { getTestPki, type TestPki } from '../support/pki.js';
import { hasTool, skipUnless } from '../support/shared.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lix-admf-api-tls-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const tokenFile = join(dir, 'api-token');
writeFileSync(tokenFile, `${TEST_API_TOKEN}\n`);
chmodSync(tokenFile, 0o600);

const curlSkip = skipUnless(hasTool('curl'), 'curl');
const pythonSkip = skipUnless(hasTool('python3'), 'python3');

/** `lix admf` on free ports with the test PKI for X1; `api` are the REST API flags. */
function admf(pki: TestPki, name: string, api: readonly string[]): Daemon {
  return startLix([
    'admf',
    '--id',
    'admf-1',
    '--listen',
    '127.0.0.1:0',
    '--tls-dir',
    pki.dir,
    '--data',
    mkdtempSync(join(dir, `${name}-`)),
    '--api-token-file',
    tokenFile,
    '--no-reconcile',
    ...api,
  ]);
}

async function stop(d: Daemon): Promise<void> {
  d.child.kill('SIGTERM');
  await d.exited;
}

/** The REST API URL the daemon printed, with the wildcard address replaced by loopback. */
async function apiUrl(d: Daemon): Promise<string> {
  const line = await d.waitFor(/REST API on \S+ /);
  return /REST API on (\S+) /.exec(line)![1]!.replace('0.0.0.0', '127.0.0.1');
}

/** Python's ssl as a client: protocol, cipher and the HTTP status of GET /api/health, for each TLS ceiling. */
const PY_CLIENT = `
import json, socket, ssl, sys
host, port, ca, token = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
out = {}
for name, ceiling in (('best', ssl.TLSVersion.MAXIMUM_SUPPORTED), ('tls12', ssl.TLSVersion.TLSv1_2)):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.maximum_version = ceiling
    with socket.create_connection((host, port)) as raw, ctx.wrap_socket(raw, server_hostname=host) as s:
        s.sendall(('GET /api/health HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer %s\\r\\nConnection: close\\r\\n\\r\\n' % token).encode())
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        out[name] = {'version': s.version(), 'cipher': s.cipher()[0], 'status': data.split(b' ')[1].decode()}
try:
    ctx = ssl.create_default_context()
    with socket.create_connection((host, port)) as raw, ctx.wrap_socket(raw, server_hostname=host) as s:
        out['systemCas'] = 'accepted'
except ssl.SSLCertVerificationError:
    out['systemCas'] = 'refused'
print(json.dumps(out))
`;

test('REST API over TLS beyond loopback: curl, Python ssl and lix --ca get answers; no plain-HTTP warning', async () => {
  const pki = await getTestPki();
  const d = admf(pki, 'tls', ['--api-listen', '0.0.0.0:0', '--api-tls-dir', pki.dir]);
  try {
    const url = await apiUrl(d);
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(url).port;

    if (!curlSkip) {
      const auth = ['-H', `Authorization: Bearer ${TEST_API_TOKEN}`];
      const ok = await run('curl', ['-sS', '--cacert', pki.caFile, ...auth, `${url}/api/health`]);
      assert.equal((JSON.parse(ok.stdout) as { admf: { id: string } }).admf.id, 'admf-1');
      const noToken = await run('curl', [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--cacert',
        pki.caFile,
        `${url}/api/health`,
      ]);
      assert.equal(noToken.stdout, '401', 'the token is still required over TLS');
      await assert.rejects(
        run('curl', ['-sS', '--cacert', pki.caFile, '--tls-max', '1.1', `${url}/api/health`]),
        'TLS 1.1 refused',
      );
      await assert.rejects(
        run('curl', ['-sS', `http://127.0.0.1:${port}/api/health`]),
        'no plain HTTP on the TLS port',
      );
    }
    if (!pythonSkip) {
      const py = join(dir, 'client.py');
      writeFileSync(py, PY_CLIENT);
      const r = await run('python3', [py, '127.0.0.1', port, pki.caFile, TEST_API_TOKEN]);
      const o = JSON.parse(r.stdout) as Record<
        string,
        { version: string; cipher: string; status: string }
      > & {
        systemCas: string;
      };
      assert.equal(o.best!.version, 'TLSv1.3');
      assert.equal(o.best!.status, '200');
      assert.equal(o.tls12!.version, 'TLSv1.2');
      assert.match(o.tls12!.cipher, /^ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
      assert.equal(o.tls12!.status, '200');
      assert.equal(o.systemCas, 'refused', "the test CA is not the system's");
    }

    const cli = runCli(['admf', 'health', '--api', url, '--ca', pki.caFile, '--token-file', tokenFile]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^ADMF admf-1\b/);
    const list = runCli(['admf', 'task', 'list', '--json', '--api', url, '--token-file', tokenFile], {
      env: { LIX_ADMF_CA: pki.caFile },
    });
    assert.equal(list.status, 0, list.stderr);
    assert.equal(list.stdout, '', 'no task: no JSON line');
    const noCa = runCli(['admf', 'health', '--api', url, '--token-file', tokenFile]);
    assert.equal(noCa.status, 1);
    assert.match(
      noCa.stderr,
      /^lix admf: cannot reach the ADMF API at https:\/\/127\.0\.0\.1:\d+: .*certificate/,
    );

    assert.ok(!d.lines.some((l) => /plain HTTP beyond loopback/.test(l)), 'TLS: no warning');
  } finally {
    await stop(d);
  }
});

test('plain HTTP REST API beyond loopback: one loud warn line at start; on loopback none', async () => {
  const pki = await getTestPki();
  const wide = admf(pki, 'wide', ['--api-listen', '0.0.0.0:0']);
  const loop = admf(pki, 'loop', ['--api-listen', '127.0.0.1:0']);
  try {
    const line = await wide.waitFor(/plain HTTP beyond loopback/);
    const log = JSON.parse(line) as { level: number; msg: string; url: string };
    assert.equal(log.level, 40, 'level warn');
    assert.match(log.msg, /the API token and every task travel in clear; give it TLS \(--api-tls-dir/);
    assert.match(log.url, /^http:\/\/0\.0\.0\.0:\d+$/);
    await apiUrl(wide);
    assert.equal(wide.lines.filter((l) => /plain HTTP beyond loopback/.test(l)).length, 1);
    await apiUrl(loop);
    assert.ok(!loop.lines.some((l) => /plain HTTP beyond loopback/.test(l)), 'loopback: no warning');
  } finally {
    await Promise.all([stop(wide), stop(loop)]);
  }
});

test('REST API TLS flags: certificate and key together; unreadable files are one clear line', async () => {
  const pki = await getTestPki();
  const base = [
    'admf',
    '--id',
    'admf-1',
    '--tls-dir',
    pki.dir,
    '--data',
    join(dir, 'never'),
    '--api-token-file',
    tokenFile,
  ];
  const half = runCli([...base, '--api-cert', pki.identities['admf-1']!.certFile]);
  assert.equal(half.status, 2);
  assert.match(half.stderr, /--api-cert: the REST API certificate and key go together/);
  const both = runCli([...base, '--api-tls-dir', pki.dir, '--api-cert', 'a', '--api-key', 'b']);
  assert.equal(both.status, 2);
  assert.match(
    both.stderr,
    /--api-tls-dir: give the REST API either a TLS directory or a certificate and key/,
  );
  const missing = runCli([
    ...base,
    '--listen',
    '127.0.0.1:0',
    '--api-listen',
    '127.0.0.1:0',
    '--api-cert',
    '/nonexistent/api.pem',
    '--api-key',
    pki.identities['admf-1']!.keyFile,
  ]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^lix admf: REST API certificate \/nonexistent\/api\.pem: ENOENT/m);
  const mismatch = runCli([
    ...base,
    '--listen',
    '127.0.0.1:0',
    '--api-listen',
    '127.0.0.1:0',
    '--api-cert',
    pki.identities['admf-1']!.certFile,
    '--api-key',
    pki.identities['ne-1']!.keyFile,
  ]);
  assert.equal(mismatch.status, 1);
  assert.match(mismatch.stderr, /^lix admf: unusable REST API TLS files/m);
  assert.doesNotMatch(mismatch.stderr, /PRIVATE KEY/);
});

/** The serial of the certificate the API presents (verified against the test CA). */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerCertificate().serialNumber.toLowerCase());
      s.end();
    });
    s.once('error', reject);
  });
}

test('SIGHUP re-reads the REST API TLS files: new connections get the new certificate', async () => {
  const pki = await getTestPki();
  const ca = readFileSync(pki.caFile, 'utf8');
  const apiDir = mkdtempSync(join(dir, 'api-tls-'));
  const first = pki.identities['admf-1']!;
  copyFileSync(first.certFile, join(apiDir, 'admf-1.pem'));
  copyFileSync(first.keyFile, join(apiDir, 'admf-1.key'));
  const d = admf(pki, 'reload', ['--api-listen', '127.0.0.1:0', '--api-tls-dir', apiDir]);
  try {
    const port = Number(new URL(await apiUrl(d)).port);
    assert.equal(await servedSerial(port, ca), first.serial.toLowerCase());
    const renewed = await pki.issue('admf-1-renewed', { identity: 'admf-1' });
    copyFileSync(renewed.keyFile, join(apiDir, 'admf-1.key'));
    copyFileSync(renewed.certFile, join(apiDir, 'admf-1.pem'));
    d.child.kill('SIGHUP');
    await d.waitFor(/REST API TLS files reloaded/);
    assert.notEqual(renewed.serial, first.serial);
    assert.equal(await servedSerial(port, ca), renewed.serial.toLowerCase());
  } finally {
    await stop(d);
  }
});
