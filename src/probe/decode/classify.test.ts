import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classifySctp, classifyStreamStart, classifyUdp, isDiameterStart, isSipStart } from './classify.js';
import { ascii, diameter, gtpv2, sipRequest, sipResponse } from '../../../test/support/probe-packets.js';

test('SIP start lines (RFC 3261 §7.1, §7.2)', () => {
  for (const ok of [
    'INVITE sip:bob@example.com SIP/2.0\r\n',
    'REGISTER sips:example.com;transport=tls SIP/2.0\r\n',
    'MESSAGE tel:+15551234 SIP/2.0\r\n',
    'SIP/2.0 200 OK\r\n',
    'SIP/2.0 183 \r\n',
    'SIP/2.0 403\r\n',
  ])
    assert.ok(isSipStart(ascii(ok)), ok);
  for (const bad of [
    'INVITE sip:bob@example.com SIP/2.0',
    'INVITE bob SIP/2.0\r\n',
    'GET / HTTP/1.1\r\n',
    'SIP/2.0 99 x\r\n',
    'SIP/2.0 2000 OK\r\n',
    ' INVITE sip:a SIP/2.0\r\n',
    '',
  ])
    assert.ok(!isSipStart(ascii(bad)), bad);
});

test('plausible Diameter headers (RFC 6733 §3)', () => {
  assert.ok(isDiameterStart(diameter(257, true)));
  assert.ok(isDiameterStart(diameter(8388620, false)));
  const bad = (patch: (b: Uint8Array) => void) => {
    const b = diameter(316, true);
    patch(b);
    return isDiameterStart(b);
  };
  assert.ok(!bad((b) => (b[0] = 2)), 'version 2');
  assert.ok(!bad((b) => (b[3] = 18)), 'length not a multiple of 4');
  assert.ok(!bad((b) => b.set([0, 0, 16], 1)), 'length below the header');
  assert.ok(!bad((b) => (b[4] = 0x81)), 'reserved flag');
  assert.ok(!bad((b) => (b[4] = 0xa0)), 'request with E');
  assert.ok(!bad((b) => b.set([0, 200], 6)), 'RADIUS range command');
  assert.ok(!isDiameterStart(diameter(316, true).subarray(0, 19)));
});

test('UDP: GTPv2-C only on 2123 with version 2, GTP-U ignored, SIP on any port', () => {
  assert.equal(classifyUdp(2123, 40000, gtpv2(32)), 'gtpv2');
  assert.equal(classifyUdp(40000, 2123, gtpv2(32)), 'gtpv2');
  assert.equal(classifyUdp(2124, 2124, gtpv2(32)), 'udp-other');
  assert.equal(classifyUdp(2123, 2123, Uint8Array.of(0x32, 1, 0, 4, 0, 0, 0, 0)), 'udp-other', 'GTPv1-C');
  assert.equal(classifyUdp(2152, 2152, gtpv2(32)), 'gtp-u');
  assert.equal(classifyUdp(7777, 9999, sipResponse(200, 'OK')), 'sip');
  assert.equal(classifyUdp(5060, 5060, ascii('\r\n\r\n')), 'udp-other');
});

test('TCP stream start: Diameter by header, SIP by start line, port 3868 only Diameter', () => {
  assert.equal(classifyStreamStart(3868, 50000, diameter(280, true)), 'diameter');
  assert.equal(classifyStreamStart(5000, 6000, diameter(280, true)), 'diameter');
  assert.equal(classifyStreamStart(5000, 6000, sipRequest('INVITE')), 'sip');
  assert.equal(classifyStreamStart(50000, 3868, sipRequest('INVITE')), undefined);
  assert.equal(classifyStreamStart(5000, 5060, ascii('Content-Length: 0\r\n\r\n')), undefined);
});

test('SCTP: PPIDs first, then port 3868, then content', () => {
  assert.equal(classifySctp(46, 1, 2, ascii('anything')), 'diameter');
  assert.equal(classifySctp(47, 1, 2, ascii('anything')), 'diameter');
  assert.equal(classifySctp(18, 36412, 36412, diameter(316, true)), 'sctp-s1ap');
  assert.equal(classifySctp(3, 2905, 2905, ascii('x')), 'sctp-m3ua');
  assert.equal(classifySctp(60, 38412, 38412, ascii('x')), 'sctp-ngap');
  assert.equal(classifySctp(0, 3868, 5000, ascii('x')), 'diameter');
  assert.equal(classifySctp(0, 1, 2, diameter(316, true)), 'diameter');
  assert.equal(classifySctp(0, 5060, 5060, sipRequest('ACK')), 'sip');
  assert.equal(classifySctp(0, 1, 2, ascii('x')), 'sctp-other');
});

test('isSipStart reads only up to the first CRLF and agrees with a regex over the first 1,024 bytes', () => {
  // The definition, literally: the start line regexes over the payload's first 1,024 bytes as Latin-1.
  const request = /^[A-Za-z0-9.!%*_+`'~-]+ [^ \r\n]+:[^ \r\n]* SIP\/2\.0\r\n/;
  const status = /^SIP\/2\.0 [1-6]\d\d(?: [^\r\n]*)?\r\n/;
  const reference = (b: Uint8Array) => {
    if (b.length === 0 || b[0]! < 0x21 || b[0]! > 0x7e) return false;
    const text = Buffer.from(b.subarray(0, 1024)).toString('latin1');
    return status.test(text) || request.test(text);
  };
  const piece = fc.constantFrom(
    'INVITE ',
    'SIP/2.0 ',
    'SIP/2.0',
    '200 OK',
    '180',
    'sip:alice@example.net',
    ' ',
    '\r\n',
    '\r',
    '\n',
    'x',
    '\u00e9',
    '\u0085',
    'A'.repeat(1000),
  );
  const line = fc
    .tuple(
      fc.constantFrom('INVITE', 'SIP/2.0', 'BYE', 'x\u00e9'),
      fc.constantFrom(' ', '', '  '),
      fc.constantFrom('sip:a@b', '200', '180 Ringing', 'a:b c', '099', 'sip:\r'),
      fc.constantFrom(' SIP/2.0', '', ' SIP/2.1', ' OK'),
      fc.constantFrom('\r\n', '\n', '\r', '', '\r\n\r\n'),
      fc.array(piece, { maxLength: 3 }),
    )
    .map(([m, sp, uri, v, end, rest]) => m + sp + uri + v + end + rest.join(''));
  const payload = fc.oneof(
    fc.array(piece, { maxLength: 12 }).map((ps) => new Uint8Array(Buffer.from(ps.join(''), 'latin1'))),
    line.map((t) => new Uint8Array(Buffer.from(t, 'latin1'))),
    fc.uint8Array({ maxLength: 64 }),
  );
  fc.assert(
    fc.property(payload, fc.nat(8), (b, at) => {
      // Also as a view inside a larger buffer, as payloads come from a capture.
      const host = new Uint8Array(at + b.length);
      host.set(b, at);
      const view = host.subarray(at);
      assert.equal(isSipStart(view), reference(b), JSON.stringify(Buffer.from(b).toString('latin1')));
    }),
    { numRuns: 2000 },
  );
});
