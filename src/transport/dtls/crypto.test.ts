import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prf, ReplayWindow } from './crypto.js';

test('TLS 1.2 PRF with SHA-256 matches the published test vector', () => {
  // The P_SHA256 vector circulated on the IETF TLS list for RFC 5246 (secret, seed, "test label", 100 bytes).
  const out = prf(
    'sha256',
    Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'),
    'test label',
    Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'),
    100,
  );
  assert.equal(
    out.toString('hex'),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa0' +
      '22f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
});

test('replay window (RFC 6347 §4.1.2.6): new, repeated, reordered within 64, too old', () => {
  const w = new ReplayWindow();
  for (const seq of [0, 1, 5, 3]) {
    assert.equal(w.fresh(seq), true, `first ${seq}`);
    w.mark(seq);
    assert.equal(w.fresh(seq), false, `again ${seq}`);
  }
  assert.equal(w.fresh(2), true, 'a gap below the top is still fresh');
  w.mark(200);
  assert.equal(w.fresh(200 - 63), true, 'inside the window');
  assert.equal(w.fresh(200 - 64), false, 'left of the window');
  assert.equal(w.fresh(5), false);
  w.mark(201);
  assert.equal(w.fresh(200), false, 'still remembered after the window moved by one');
  assert.equal(w.fresh(2 ** 48 - 1), true, 'the largest 48-bit sequence number');
});
