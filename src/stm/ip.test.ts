import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIpv4, formatIpv6, parseIp, parseIpv4, parseIpv6 } from './ip.js';

/** WHATWG URL serialises IPv6 hosts the RFC 5952 way: an independent judge of our canonical text. */
const judge = (text: string) => new URL(`http://[${text}]/`).hostname.slice(1, -1);

test('IPv6 text: parse accepts RFC 4291 forms, format gives RFC 5952 text', () => {
  fc.assert(
    fc.property(fc.ipV6(), (t) => {
      const b = parseIpv6(t);
      assert.ok(b, t);
      assert.equal(formatIpv6(b), judge(t));
      assert.deepEqual(parseIpv6(formatIpv6(b)), b);
    }),
    { numRuns: 1000 },
  );
  assert.equal(formatIpv6(parseIpv6('2001:0db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(formatIpv6(parseIpv6('::')!), '::');
  assert.equal(formatIpv6(parseIpv6('1:0:2:3:4:5:6:7')!), '1:0:2:3:4:5:6:7');
});

test('IPv4 text round trip, and what is refused', () => {
  fc.assert(
    fc.property(fc.ipV4(), (t) => {
      assert.equal(formatIpv4(parseIpv4(t)!), t);
    }),
  );
  for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '256.0.0.1', '1.2.3.-4', '', 'a.b.c.d'])
    assert.equal(parseIp(bad), undefined, bad);
  for (const bad of [
    '1:2:3:4:5:6:7',
    '1::2::3',
    '12345::',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '::1.2.3',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7::8',
  ]) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});
