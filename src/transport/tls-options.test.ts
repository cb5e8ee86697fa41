import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { getTestPki } from '../../test/support/pki.js';
import {
  clientTlsOptions,
  loadTlsMaterial,
  serverTlsOptions,
  TLS_CIPHERS,
  TLS_PROFILE,
  TlsConfigError,
  TlsFileWatcher,
} from './tls-options.js';

test('the suite list is ECDHE + AEAD for TLS 1.2 and the AEAD suites of TLS 1.3 (RFC 9325 section 4.2)', () => {
  const suites = TLS_CIPHERS.split(':');
  assert.equal(suites.length, 9);
  for (const s of suites) {
    if (s.startsWith('TLS_')) assert.match(s, /^TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)$/);
    else assert.match(s, /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
  }
});

test('server and client options: TLS 1.2..1.3, no renegotiation, no tickets, verified peers', async () => {
  const pki = await getTestPki();
  const m = loadTlsMaterial(pki.tls('ne-1', { crl: true }));
  const s = serverTlsOptions(m);
  assert.equal(s.minVersion, 'TLSv1.2');
  assert.equal(s.maxVersion, 'TLSv1.3');
  assert.equal(s.requestCert, true);
  assert.equal(s.rejectUnauthorized, true);
  assert.equal(s.honorCipherOrder, true);
  assert.equal(s.ecdhCurve, 'X25519:P-256:P-384');
  for (const flag of ['SSL_OP_NO_RENEGOTIATION', 'SSL_OP_NO_TICKET', 'SSL_OP_NO_COMPRESSION'] as const)
    assert.equal((s.secureOptions ?? 0) & constants[flag], constants[flag], flag);
  assert.equal((s.crl as Buffer[]).length, 1);
  const c = clientTlsOptions(m);
  assert.equal(c.rejectUnauthorized, true);
  assert.equal(c.secureOptions, TLS_PROFILE.secureOptions);
});

test('loadTlsMaterial names the file it cannot read and refuses a key that does not match', async () => {
  const pki = await getTestPki();
  const good = pki.tls('ne-1');
  assert.throws(
    () => loadTlsMaterial({ ...good, caFile: '/nonexistent/ca.pem' }),
    (e: Error) => {
      assert.ok(e instanceof TlsConfigError);
      assert.match(e.message, /CA certificate \/nonexistent\/ca\.pem/);
      return true;
    },
  );
  assert.throws(
    () => loadTlsMaterial({ ...good, keyFile: pki.tls('ne-2').keyFile }),
    (e: Error) => e instanceof TlsConfigError && !/PRIVATE KEY/.test(e.message),
  );
  assert.throws(() => loadTlsMaterial({ ...good, crlFile: good.certFile }), TlsConfigError);
});

test('TlsFileWatcher calls back once for a burst of changes', async () => {
  const pki = await getTestPki();
  const files = await pki.issue('watched', { identity: 'ne-1' });
  let calls = 0;
  const watcher = new TlsFileWatcher(
    { certFile: files.certFile, keyFile: files.keyFile, caFile: pki.caFile },
    () => calls++,
    20,
  );
  try {
    await pki.issue('watched', { identity: 'ne-1' });
    for (let i = 0; i < 100 && calls === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls, 1);
    writeFileSync(files.certFile, 'not a certificate');
    for (let i = 0; i < 100 && calls === 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 2);
  } finally {
    watcher.close();
  }
});
