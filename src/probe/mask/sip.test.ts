import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { maskSip } from './sip.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function masked(text: string): { out: string; fields: number } {
  const r = maskSip(enc(text));
  assert.equal(r.kind, 'ok', r.kind === 'unsafe' ? r.reason : '');
  const o = r as Extract<typeof r, { kind: 'ok' }>;
  assert.equal(o.payload.length, enc(text).length);
  return { out: dec(o.payload), fields: o.fields };
}

const msg = (start: string, ...headers: string[]) =>
  [
    start,
    'Via: SIP/2.0/UDP 10.10.0.10:5060;branch=z9hG4bK1',
    'Call-ID: a@b',
    'CSeq: 1 REGISTER',
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

// RFC 3310 §3.2: nonce = base64(RAND || AUTN || server data); TS 24.229 §7.2A.1: ik and ck to the P-CSCF.
const NONCE = 'CjPk9mRqNuT25eRkajM09uTl9nM09uTl9nMzMzMzMzM=';
const IK = '00112233445566778899aabbccddeeff';
const CK = 'ffeeddccbbaa99887766554433221100';

test('401 with AKA: nonce, ik and ck masked with fillers of the same length, the rest as it was', () => {
  const text = msg(
    'SIP/2.0 401 Unauthorized',
    `WWW-Authenticate: Digest realm="ims.lab.lix", nonce="${NONCE}", algorithm=AKAv1-MD5, qop="auth", ik="${IK}", ck="${CK}"`,
  );
  const { out, fields } = masked(text);
  assert.equal(fields, 3);
  const expected = text
    .replace(NONCE, 'A'.repeat(NONCE.length - 1) + '=')
    .replace(IK, '0'.repeat(32))
    .replace(CK, '0'.repeat(32));
  assert.equal(out, expected);
});

test('REGISTER with AKA credentials: the echoed nonce, response and auts masked', () => {
  const text = msg(
    'REGISTER sip:ims.lab.lix SIP/2.0',
    `Authorization: Digest username="001010000000001@ims.lab.lix",realm="ims.lab.lix",nonce="${NONCE}",uri="sip:ims.lab.lix",response="6629fae49393a05397450978507c4ef1",algorithm=AKAv1-MD5,auts="CjPk9mRqNuT25eRkajM=",qop=auth,nc=00000001,cnonce="0a4f113b"`,
  );
  const { out, fields } = masked(text);
  assert.equal(fields, 3);
  assert.match(out, /nonce="A{43}="/);
  assert.match(out, /response="0{32}"/);
  assert.match(out, /auts="A{19}="/);
  assert.match(out, /cnonce="0a4f113b"/, 'cnonce is not a secret');
  assert.match(out, /username="001010000000001@ims.lab.lix"/);
});

test('plain MD5 digest: the response is masked, the nonce (no AKA material) is not', () => {
  const text = msg(
    'INVITE sip:bob@example.net SIP/2.0',
    'Proxy-Authorization: Digest username="alice", realm="example.net", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@example.net", response="e56131d19580cd833064787ecc4c4b4a"',
  );
  const { out, fields } = masked(text);
  assert.equal(fields, 1);
  assert.match(out, /nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"/);
  assert.match(out, /response="0{32}"/);
});

test('a folded header, a lower-case name, two challenges in one field and Authentication-Info', () => {
  const text = msg(
    'SIP/2.0 401 Unauthorized',
    `www-authenticate: Digest realm="a", algorithm=MD5, nonce="plain1",`,
    `   Digest realm="b",nonce="${NONCE}",`,
    `\talgorithm=AKAv2-MD5, ck="${CK}"`,
    'Authentication-Info: qop=auth, rspauth="6629fae49393a05397450978507c4ef1", cnonce="x"',
  );
  const { out, fields } = masked(text);
  // With an AKA algorithm in the field, both nonces are masked (over-masking a plain nonce is harmless).
  assert.match(out, /nonce="AAAAAA"/);
  assert.match(out, /nonce="A{43}="/);
  assert.match(out, /ck="0{32}"/);
  assert.match(out, /rspauth="0{32}"/);
  assert.equal(fields, 4);
});

test('no authentication header: the very same array comes back; an unterminated quoted string is unsafe', () => {
  const plain = enc(msg('OPTIONS sip:x SIP/2.0', 'Accept: application/sdp'));
  const r = maskSip(plain);
  assert.equal(r.kind === 'ok' && r.payload, plain);
  const open = maskSip(
    enc(msg('SIP/2.0 401 Unauthorized', 'WWW-Authenticate: Digest realm="x", nonce="abc')),
  );
  assert.equal(open.kind, 'unsafe');
  assert.equal(
    maskSip(enc('SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest nonce="x"\r\n')).kind,
    'unsafe',
    'no end of headers',
  );
  const noHeadersEnd = enc('SIP/2.0 200 OK\r\nCall-ID: x\r\n');
  const r2 = maskSip(noHeadersEnd);
  assert.equal(r2.kind === 'ok' && r2.payload, noHeadersEnd, 'nothing that can carry keys: passed on');
});

test('the body is not read: a body line that looks like a header is left alone', () => {
  const body = 'Authorization: Digest response="1234"';
  const text = `MESSAGE sip:x SIP/2.0\r\nCall-ID: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const { out, fields } = masked(text);
  assert.equal(out, text);
  assert.equal(fields, 0);
});

test('property: any header text never throws; ok keeps the length', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 120 }),
      fc.constantFrom('Authorization', 'WWW-Authenticate', 'X'),
      (v, name) => {
        const input = enc(msg('SIP/2.0 401 Unauthorized', `${name}: ${v}`));
        const r = maskSip(input);
        if (r.kind === 'ok') assert.equal(r.payload.length, input.length);
      },
    ),
    { numRuns: 500 },
  );
});
