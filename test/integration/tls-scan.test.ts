// An independent judge of the TLS profile: nmap's ssl-enum-ciphers script offers every protocol version and
// suite it knows and reports what the X1 server accepts. The scan needs no client certificate: the server
// negotiates version and suite before it asks for one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { silentLogger } from '../../src/lib/logger.js';
import { createX1Server } from '../../src/transport/https-server.js';
import { getTestPki } from '../support/pki.js';
import { hasTool, skipUnless } from '../support/shared.js';

const run = promisify(execFile);

interface ScanReport {
  protocols: string[];
  ciphers: { protocol: string; name: string; grade: string }[];
  warnings: string[];
  leastStrength: string | undefined;
}

/** Parses the `ssl-enum-ciphers` section of nmap's normal output. */
function parseScan(out: string): ScanReport {
  const report: ScanReport = { protocols: [], ciphers: [], warnings: [], leastStrength: undefined };
  let protocol = '';
  let section = '';
  for (const raw of out.split('\n')) {
    const line = raw.replace(/^\|_?\s*/, '').trimEnd();
    const proto = /^((?:SSL|TLS)v[\d.]+):$/.exec(line);
    if (proto) {
      protocol = proto[1]!;
      report.protocols.push(protocol);
      continue;
    }
    if (/^(ciphers|compressors|warnings|cipher preference):/.test(line)) {
      section = line.split(':')[0]!;
      continue;
    }
    const least = /^least strength: (\S+)/.exec(line);
    if (least) report.leastStrength = least[1];
    else if (section === 'ciphers' && /^TLS_/.test(line)) {
      const m = /^(\S+) .* - (\S+)$/.exec(line);
      report.ciphers.push({ protocol, name: m?.[1] ?? line, grade: m?.[2] ?? '?' });
    } else if (section === 'warnings' && line) report.warnings.push(line);
  }
  return report;
}

test('nmap ssl-enum-ciphers: only TLS 1.2/1.3, only ECDHE + AEAD suites, grade A, no warnings', async (t) => {
  const skip = skipUnless(hasTool('nmap', ['--version']), 'nmap');
  if (skip) return t.skip(skip);
  const pki = await getTestPki();
  const server = await createX1Server({
    tls: pki.tls('ne-1'),
    listen: { host: '127.0.0.1', port: 0 },
    logger: silentLogger,
    handler: async () => ({ body: '<ok/>' }),
  });
  try {
    const port = String(server.address().port);
    const { stdout } = await run('nmap', ['-Pn', '--script', 'ssl-enum-ciphers', '-p', port, '127.0.0.1'], {
      timeout: 60_000,
    });
    const report = parseScan(stdout);
    assert.ok(report.ciphers.length > 0, `nmap found no suites:\n${stdout}`);
    assert.deepEqual(report.protocols.sort(), ['TLSv1.2', 'TLSv1.3'], stdout);
    for (const c of report.ciphers) {
      // TLS 1.3 suites always use (EC)DHE; nmap names them TLS_AKE_WITH_*.
      assert.match(c.name, /^TLS_(ECDHE_(ECDSA|RSA)_WITH|AKE_WITH)_/, `not forward-secret: ${c.name}`);
      assert.match(c.name, /_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)$/, `not AEAD: ${c.name}`);
      assert.equal(c.grade, 'A', `${c.name} graded ${c.grade}`);
    }
    assert.deepEqual(report.warnings, [], stdout);
    assert.equal(report.leastStrength, 'A');
    assert.ok(report.ciphers.some((c) => c.protocol === 'TLSv1.3'));
  } finally {
    await server.close();
  }
});
