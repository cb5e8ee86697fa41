import 'reflect-metadata'; // before @peculiar/x509
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { certPem, createCa, createCrl, initPki, issueCertificate, PkiError, PKI } from './pki.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lix-pki-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('initPki writes CA, identities and an untrusted ADMF certificate; keys are 0600', async (t) => {
  const dir = tempDir(t);
  const r = await initPki({
    dir,
    admf: 'admf-1',
    nes: ['ne-1', 'ne-2'],
    altNames: ['ne.example.net', '10.1.2.3'],
  });
  assert.deepEqual(
    r.identities.map((e) => e.identity),
    ['admf-1', 'ne-1', 'ne-2'],
  );
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  assert.equal(ca.ca, true);
  for (const id of ['admf-1', 'ne-1', 'ne-2']) {
    const cert = new X509Certificate(readFileSync(join(dir, `${id}.pem`)));
    assert.equal(cert.subject, `UID=${id}\nCN=${id}`);
    assert.equal(cert.ca, false);
    assert.ok(cert.verify(ca.publicKey), `${id} is signed by the CA`);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkIP('10.1.2.3'), '10.1.2.3');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkHost('ne.example.net'), 'ne.example.net');
    assert.deepEqual(cert.keyUsage?.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(statSync(join(dir, `${id}.key`)).mode & 0o777, 0o600);
    // The key matches the certificate (createSecureContext checks it).
    createSecureContext({
      cert: readFileSync(join(dir, `${id}.pem`)),
      key: readFileSync(join(dir, `${id}.key`)),
    });
  }
  assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
  const untrusted = new X509Certificate(readFileSync(join(dir, 'untrusted.pem')));
  assert.equal(untrusted.subject, 'UID=admf-1\nCN=admf-1');
  assert.equal(untrusted.verify(ca.publicKey), false);
  assert.equal(statSync(join(dir, 'untrusted.key')).mode & 0o777, 0o600);
});

test('initPki keeps existing files, adds missing identities with the same CA, replaces all with force', async (t) => {
  const dir = tempDir(t);
  const first = await initPki({ dir, admf: 'admf-1', nes: ['ne-1'] });
  const ne1 = readFileSync(join(dir, 'ne-1.pem'), 'utf8');
  const second = await initPki({ dir, admf: 'admf-1', nes: ['ne-1', 'ne-2'] });
  assert.equal(second.ca.status, 'kept');
  assert.deepEqual(
    second.identities.map((e) => e.status),
    ['kept', 'kept', 'written'],
  );
  assert.equal(readFileSync(join(dir, 'ne-1.pem'), 'utf8'), ne1);
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  assert.ok(new X509Certificate(readFileSync(join(dir, 'ne-2.pem'))).verify(ca.publicKey));
  const forced = await initPki({ dir, admf: 'admf-1', nes: ['ne-1'], force: true });
  assert.ok(forced.identities.every((e) => e.status === 'written'));
  assert.notEqual(forced.ca.summary.serial, first.ca.summary.serial);
  assert.notEqual(readFileSync(join(dir, 'ne-1.pem'), 'utf8'), ne1);
});

test('initPki refuses bad identities and a CA certificate without its key', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(initPki({ dir, admf: '../etc/passwd', nes: ['ne-1'] }), PkiError);
  await assert.rejects(initPki({ dir, admf: 'admf-1', nes: [''] }), PkiError);
  await initPki({ dir, admf: 'admf-1', nes: ['ne-1'] });
  rmSync(join(dir, 'ca.key'));
  await assert.rejects(initPki({ dir, admf: 'admf-1', nes: ['ne-9'] }), PkiError);
});

test('validity can be set exactly (expired certificates for tests)', async () => {
  const ca = await createCa('test CA');
  const notBefore = new Date('2020-01-01T00:00:00Z');
  const notAfter = new Date('2020-01-02T00:00:00Z');
  const leaf = await issueCertificate(ca, { identity: 'ne-1', notBefore, notAfter });
  const cert = new X509Certificate(certPem(leaf));
  assert.equal(new Date(cert.validFrom).toISOString(), notBefore.toISOString());
  assert.equal(new Date(cert.validTo).toISOString(), notAfter.toISOString());
  const days = await issueCertificate(ca, { identity: 'ne-1', days: 2 });
  const left = new Date(new X509Certificate(certPem(days)).validTo).getTime() - Date.now();
  assert.ok(Math.abs(left - 2 * PKI.dayMs) < 60_000);
  await assert.rejects(
    issueCertificate(ca, { identity: 'ne-1', notBefore: notAfter, notAfter: notBefore }),
    PkiError,
  );
});

test('subjects: CN only, or two UIDs', async () => {
  const ca = await createCa('test CA');
  const cnOnly = new X509Certificate(certPem(await issueCertificate(ca, { identity: 'x', uids: [] })));
  assert.equal(cnOnly.subject, 'CN=x');
  const two = new X509Certificate(certPem(await issueCertificate(ca, { identity: 'x', uids: ['a', 'b'] })));
  assert.equal(two.subject, 'UID=a\nUID=b\nCN=x');
});

test('createCrl lists the revoked serials and Node accepts it as a CRL', async () => {
  const ca = await createCa('test CA');
  const leaf = await issueCertificate(ca, { identity: 'ne-1' });
  const pem = await createCrl(ca, [leaf.cert.serialNumber]);
  assert.match(pem, /^-----BEGIN X509 CRL-----\n/);
  const crl = new x509.X509Crl(pem);
  assert.deepEqual(
    crl.entries.map((e) => e.serialNumber),
    [leaf.cert.serialNumber],
  );
  assert.ok(await crl.verify({ publicKey: ca.cert.publicKey }));
  createSecureContext({ crl: pem, ca: certPem(ca) });
});

test('initPki issues collector certificates whose Subject names the collector identity', async (t) => {
  const dir = tempDir(t);
  const r = await initPki({ dir, admf: 'admf-1', nes: ['ne-1'], collectors: ['collector-1', 'collector-2'] });
  assert.deepEqual(
    r.identities.map((e) => e.identity),
    ['admf-1', 'ne-1', 'collector-1', 'collector-2'],
  );
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  for (const id of ['collector-1', 'collector-2']) {
    const cert = new X509Certificate(readFileSync(join(dir, `${id}.pem`)));
    assert.equal(cert.subject, `UID=${id}\nCN=${id}`);
    assert.ok(cert.verify(ca.publicKey));
  }
  await assert.rejects(initPki({ dir, admf: 'admf-1', nes: ['ne-1'], collectors: ['../x'] }), PkiError);
});
