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

test('formatIpv4: the dotted quad of the four bytes at the offset, the same with its cache full and cleared', () => {
  const quad = (b: Uint8Array, off: number) => Array.from(b.subarray(off, off + 4)).join('.');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 12 }), fc.nat(), (b, at) => {
      const off = at % (b.length - 3);
      assert.equal(formatIpv4(b, off), quad(b, off));
      assert.equal(formatIpv4(b, off), formatIpv4(Uint8Array.from(b), off), 'again, from the cache');
    }),
  );
  // More distinct addresses than the cache holds: every one still right, before and after it is cleared.
  const b = new Uint8Array(4);
  for (let i = 0; i < 70_000; i += 1) {
    b[0] = 10;
    b[1] = i >> 16;
    b[2] = (i >> 8) & 0xff;
    b[3] = i & 0xff;
    if (formatIpv4(b) !== `10.${b[1]}.${b[2]}.${b[3]}`) assert.fail(`address ${i}`);
  }
  assert.equal(formatIpv4(Uint8Array.of(192, 0, 2, 1)), '192.0.2.1');
});
