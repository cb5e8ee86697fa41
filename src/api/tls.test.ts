import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiTlsFiles, isLoopback } from './tls.js';

test('isLoopback: only addresses this host alone can reach', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])
    assert.equal(isLoopback(h), true, h);
  for (const h of [
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '192.168.1.1',
    'admf.example.net',
    '::ffff:10.0.0.1',
    '128.0.0.1',
  ])
    assert.equal(isLoopback(h), false, h);
});

test('apiTlsFiles: the directory names <id>.pem and .key; explicit files win; none is plain HTTP', () => {
  assert.equal(apiTlsFiles({ id: 'admf-1' }), undefined);
  assert.deepEqual(apiTlsFiles({ id: 'admf-1', apiTlsDir: '/etc/lix/api' }), {
    certFile: '/etc/lix/api/admf-1.pem',
    keyFile: '/etc/lix/api/admf-1.key',
  });
  assert.deepEqual(apiTlsFiles({ id: 'admf-1', apiCertFile: 'c.pem', apiKeyFile: 'k.pem' }), {
    certFile: 'c.pem',
    keyFile: 'k.pem',
  });
});
