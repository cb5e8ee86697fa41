import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameDiameter, frameSip, SIP_MAX_HEADER, splitGtpv2 } from './framing.js';
import { ascii, concatBytes, diameter, gtpv2, sipRequest } from '../../../test/support/probe-packets.js';

const MAX = 256 * 1024;

test('SIP: the message ends after the blank line plus Content-Length bytes (RFC 3261 §18.3)', () => {
  const m = sipRequest('MESSAGE', 'hello world');
  const two = concatBytes(m, sipRequest('BYE'));
  assert.deepEqual(frameSip(two, MAX), { kind: 'message', length: m.length });
  for (let n = 0; n < m.length; n++) assert.deepEqual(frameSip(m.subarray(0, n), MAX), { kind: 'need-more' });
});

test('SIP: compact form l: and odd spacing and case', () => {
  const m = sipRequest('MESSAGE', 'abc', 'l');
  assert.deepEqual(frameSip(m, MAX), { kind: 'message', length: m.length });
  const spaced = sipRequest('MESSAGE', 'abcd', 'CONTENT-length \t');
  assert.deepEqual(frameSip(spaced, MAX), { kind: 'message', length: spaced.length });
});

test('SIP: no Content-Length means no body; an unreadable one is bad', () => {
  const m = ascii('SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n');
  assert.deepEqual(frameSip(concatBytes(m, ascii('SIP/2.0')), MAX), { kind: 'message', length: m.length });
  assert.deepEqual(frameSip(ascii('SIP/2.0 200 OK\r\nContent-Length: -1\r\n\r\n'), MAX), { kind: 'bad' });
  assert.deepEqual(frameSip(ascii('SIP/2.0 200 OK\r\nl: 1x\r\n\r\n'), MAX), { kind: 'bad' });
});

test('SIP: CRLF keep-alives are skipped (RFC 5626 §3.5.1)', () => {
  assert.deepEqual(frameSip(ascii('\r\n\r\nINVITE'), MAX), { kind: 'skip', length: 4 });
  assert.deepEqual(frameSip(ascii('\r\n'), MAX), { kind: 'skip', length: 2 });
});

test('SIP: a header block that is not SIP, or never ends, or a body over the limit', () => {
  assert.deepEqual(frameSip(ascii('HTTP/1.1 200 OK\r\n\r\n'), MAX), { kind: 'bad' });
  assert.deepEqual(frameSip(new Uint8Array(SIP_MAX_HEADER).fill(0x41), MAX), { kind: 'bad' });
  assert.deepEqual(frameSip(sipRequest('MESSAGE', 'x'.repeat(100)), 120), { kind: 'too-large' });
});

test('Diameter: the 24-bit length frames the message (RFC 6733 §3)', () => {
  const a = diameter(316, true, 40);
  const b = diameter(316, false, 8);
  assert.deepEqual(frameDiameter(concatBytes(a, b), MAX), { kind: 'message', length: a.length });
  for (let n = 0; n < a.length; n++)
    assert.deepEqual(frameDiameter(a.subarray(0, n), MAX), { kind: 'need-more' });
  assert.deepEqual(frameDiameter(Uint8Array.of(2, 0, 0, 20), MAX), { kind: 'bad' });
  assert.deepEqual(frameDiameter(Uint8Array.of(1, 0, 0, 19), MAX), { kind: 'bad' });
  assert.deepEqual(frameDiameter(Uint8Array.of(1, 0, 0, 22), MAX), { kind: 'bad' });
  assert.deepEqual(frameDiameter(Uint8Array.of(1, 0x10, 0, 0), MAX), { kind: 'too-large' });
});

test('GTPv2-C: piggybacked messages are split while P is set (TS 29.274 §5.5.1)', () => {
  const first = gtpv2(33, 8, true);
  const second = gtpv2(95, 4);
  const parts = splitGtpv2(concatBytes(first, second, Uint8Array.of(0, 0)));
  assert.deepEqual(parts, [first, second]);
  assert.deepEqual(splitGtpv2(second), [second]);
  assert.equal(splitGtpv2(second.subarray(0, second.length - 1)), undefined);
  assert.equal(splitGtpv2(first), undefined, 'P set but nothing follows');
  assert.equal(splitGtpv2(concatBytes(first, Uint8Array.of(0x28, 1, 0, 0))), undefined, 'GTPv1 after P');
});
