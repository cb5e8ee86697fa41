import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Identity } from '../messages.js';
import { normaliseIdentity as n, uriIdentities } from './identity.js';
import { decodeTbcd } from './tbcd.js';

test('SIP URIs: scheme and host lower-cased, user case kept, port/params/headers/display name dropped', () => {
  assert.equal(n('sipUri', 'SIP:Alice@Example.NET:5061;transport=tcp?subject=x'), 'sip:Alice@example.net');
  assert.equal(n('sipUri', '"Alice A." <sips:alice@example.net>;tag=1'), 'sip:alice@example.net');
  assert.equal(n('sipUri', 'sip:alice:secret@example.net'), 'sip:alice@example.net');
  assert.equal(n('sipUri', 'sip:registrar.example.net'), 'sip:registrar.example.net');
  assert.equal(n('sipUri', 'sip:%61lice%40x@example.net'), 'sip:alice%40x@example.net');
  assert.equal(n('sipUri', 'sip:+44-20-7946@example.net;user=phone'), 'sip:+44-20-7946@example.net');
});

test('SIP URIs: IPv6 hosts become bracketed RFC 5952 text, with or without brackets and port', () => {
  assert.equal(n('sipUri', 'sip:bob@[2001:DB8:0:0:0:0:0:1]:5060'), 'sip:bob@[2001:db8::1]');
  assert.equal(
    n('sipUri', 'sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c:5060'),
    'sip:4321@[fec0::216:d3ff:fe0d:22c]',
  );
  assert.equal(n('sipUri', 'sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0'), 'sip:9876@[fe80::21a:a0ff:fe07:32e0]');
});

test('not a SIP URI, or a broken one, does not normalise', () => {
  assert.equal(n('sipUri', 'tel:+123'), undefined);
  assert.equal(n('sipUri', 'sip:@example.net'), undefined);
  assert.equal(n('sipUri', 'sip:alice@exa mple.net'), undefined);
  assert.equal(n('sipUri', 'sip:bob@[zz::1]'), undefined);
});

test('tel URIs: separators and parameters dropped, global/local kept apart', () => {
  assert.equal(n('telUri', 'tel:+1-201-555-0123;ext=7'), 'tel:+12015550123');
  assert.equal(n('telUri', '<TEL:+44(20)7946.0000>'), 'tel:+442079460000');
  assert.equal(n('telUri', 'tel:7042;phone-context=example.com'), 'tel:7042');
  assert.equal(n('telUri', 'tel:+12a'), undefined);
});

test('E.164, IMSI, IMEI and IMPI values', () => {
  assert.equal(n('e164Number', ' +44 '), '44');
  assert.equal(n('e164Number', '+44-7700-900(123)'), '447700900123');
  assert.equal(n('e164Number', '1234567890123456'), undefined);
  assert.equal(n('imsi', '001010123456789'), '001010123456789');
  assert.equal(n('imsi', '1234'), undefined);
  assert.equal(n('imei', '49015420323751'), '49015420323751');
  assert.equal(n('imei', '490154203237518'), '49015420323751', 'check digit dropped');
  assert.equal(n('imei', '4901542032375112'), '49015420323751', 'SVN dropped');
  assert.equal(n('imei', '4901542032375'), undefined);
  assert.equal(n('impi', 'Alice@Open-IMS.Test'), 'Alice@open-ims.test');
  assert.equal(n('impu', 'SIP:Alice@Example.net;user=phone'), 'sip:Alice@example.net');
  assert.equal(n('impu', 'tel:+1-2'), 'tel:+12');
  assert.equal(n('impu', 'URN:service:sos'), 'urn:service:sos');
});

test('a URI in signalling gives sipUri/telUri, impu and, for a global number, e164Number', () => {
  const out: Identity[] = [];
  uriIdentities('"A" <sip:+44-7700@ims.example.net;user=phone>;tag=9', out);
  uriIdentities('<tel:+1-201-555>', out);
  uriIdentities('sip:201@10.0.0.1;user=phone', out);
  uriIdentities('sip:alice@example.net', out);
  uriIdentities('urn:service:sos', out);
  assert.deepEqual(out, [
    { kind: 'sipUri', value: 'sip:+44-7700@ims.example.net' },
    { kind: 'impu', value: 'sip:+44-7700@ims.example.net' },
    { kind: 'e164Number', value: '447700' },
    { kind: 'telUri', value: 'tel:+1201555' },
    { kind: 'impu', value: 'tel:+1201555' },
    { kind: 'e164Number', value: '1201555' },
    { kind: 'sipUri', value: 'sip:201@10.0.0.1' },
    { kind: 'impu', value: 'sip:201@10.0.0.1' },
    { kind: 'e164Number', value: '201' },
    { kind: 'sipUri', value: 'sip:alice@example.net' },
    { kind: 'impu', value: 'sip:alice@example.net' },
  ]);
});

test('TBCD: low nibble first, final filler, non-digits refused', () => {
  assert.equal(decodeTbcd(Uint8Array.of(0x00, 0x21, 0x43, 0xf5)), '0012345');
  assert.equal(decodeTbcd(Uint8Array.of(0x21)), '12');
  assert.equal(decodeTbcd(Uint8Array.of(0x1a)), undefined);
  assert.equal(decodeTbcd(Uint8Array.of(0xf1, 0x32)), undefined, 'filler only at the end');
});
