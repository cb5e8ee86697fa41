import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getTestPki } from '../../test/support/pki.js';
import {
  certificateExpiry,
  daysUntil,
  identityFromSubject,
  peerCertificateExpiry,
  peerIdentity,
} from './identity.js';

test('identityFromSubject: UID by default, CN on request; absent, empty or repeated is no identity', () => {
  assert.equal(identityFromSubject({ UID: 'ne-1', CN: 'cn-1' }), 'ne-1');
  assert.equal(identityFromSubject({ UID: 'ne-1', CN: 'cn-1' }, 'cn'), 'cn-1');
  assert.equal(identityFromSubject({ CN: 'cn-1' }), undefined);
  assert.equal(identityFromSubject({ UID: '' }), undefined);
  assert.equal(identityFromSubject({ UID: ['ne-1', 'ne-2'] }), undefined);
  assert.equal(identityFromSubject(undefined), undefined);
});

test('peerIdentity trusts only an authorized socket', () => {
  const cert = {
    subject: { UID: 'admf-1', CN: 'admf-1' },
    valid_from: 'Jan  1 00:00:00 2030 GMT',
    valid_to: 'Jan  2 00:00:00 2030 GMT',
  };
  const socket = (authorized: boolean) => ({ authorized, getPeerCertificate: () => cert as never });
  assert.equal(peerIdentity(socket(true)), 'admf-1');
  assert.equal(peerIdentity(socket(false)), undefined);
  assert.equal(peerIdentity({}), undefined);
  assert.equal(peerIdentity({ authorized: true, getPeerCertificate: () => ({}) as never }), undefined);
  assert.equal(peerCertificateExpiry(socket(false)), undefined);
  const e = peerCertificateExpiry(socket(true))!;
  assert.equal(e.notAfter.toISOString(), '2030-01-02T00:00:00.000Z');
  assert.equal(e.subject, 'UID=admf-1, CN=admf-1');
});

test('certificateExpiry reads our own certificate; daysUntil counts whole days', async () => {
  const pki = await getTestPki();
  const own = certificateExpiry(readFileSync(pki.special.expired.certFile));
  assert.equal(own.subject, 'UID=admf-1, CN=admf-1');
  assert.ok(own.notAfter.getTime() < Date.now());
  const now = Date.parse('2030-01-01T00:00:00Z');
  assert.equal(daysUntil(new Date('2030-01-31T12:00:00Z'), now), 30);
  assert.equal(daysUntil(new Date('2029-12-31T12:00:00Z'), now), -1);
});
