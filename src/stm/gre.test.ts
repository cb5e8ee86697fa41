import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../lib/bytes.js';
import { decodeGre, encodeGre, GRE_PROTOCOL, GreDecodeError, internetChecksum } from './gre.js';

test('golden bytes: no flags, version 0, protocol 0x88B5', () => {
  assert.equal(toHex(encodeGre(GRE_PROTOCOL.pcapng, fromHex('0a0d0d0a'))), '000088b5' + '0a0d0d0a');
  assert.deepEqual(decodeGre(fromHex('000088b5 0a0d0d0a')), {
    protocolType: 0x88b5,
    payload: fromHex('0a0d0d0a'),
    checksumPresent: false,
  });
});

test('golden bytes: checksum, key and sequence number (RFC 2784 §2.5, RFC 2890 §2)', () => {
  // words b000+0800+0102+0304+0005+6162 = 0x11d6d -> folded 0x1d6e -> complement 0xe291
  const hex = 'b0000800 e2910000 01020304 00000005 6162';
  assert.equal(internetChecksum(fromHex(hex)), 0);
  assert.deepEqual(decodeGre(Buffer.from(fromHex(hex))), {
    protocolType: GRE_PROTOCOL.ipv4,
    payload: fromHex('6162'),
    checksumPresent: true,
    key: 0x01020304,
    sequence: 5,
  });
  assert.deepEqual(decodeGre(fromHex('20000800 0000002a ff')), {
    protocolType: 0x0800,
    payload: fromHex('ff'),
    checksumPresent: false,
    key: 42,
  });
});

function reasonOf(hex: string | Uint8Array): string {
  try {
    decodeGre(typeof hex === 'string' ? fromHex(hex) : hex);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof GreDecodeError, `unexpected ${String(e)}`);
    return e.reason;
  }
}

test('decoder rejects what RFC 2784 says to discard', () => {
  assert.equal(reasonOf('0000'), 'truncated');
  assert.equal(reasonOf('00010800'), 'bad-version');
  assert.equal(reasonOf('40000800'), 'bad-flags'); // RFC 1701 routing present
  assert.equal(reasonOf('08000800'), 'bad-flags'); // strict source route
  assert.equal(reasonOf('04000800'), 'bad-flags'); // recursion control
  assert.equal(reasonOf('03f80800'), 'ok'); // bits 6-12 are ignored on receipt
  assert.equal(reasonOf('b0000800 e2910000 010203'), 'truncated');
  assert.equal(reasonOf('b0000800 e2920000 01020304 00000005 6162'), 'bad-checksum');
});

test('round trip and fuzz', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 2000 }), (t, p) => {
      assert.deepEqual(decodeGre(encodeGre(t, p)), { protocolType: t, payload: p, checksumPresent: false });
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      assert.ok(reasonOf(b));
    }),
    { numRuns: 2000 },
  );
});

test('internetChecksum: equal to RFC 1071 word by word at every length and byte offset', () => {
  // The reference adds one 16-bit word at a time and folds once at the end, written apart from the product.
  const reference = (b: Uint8Array) => {
    let sum = 0;
    for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    return ~sum & 0xffff;
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(7), (bytes, shift) => {
      const backing = new Uint8Array(bytes.length + shift);
      backing.set(bytes, shift);
      const view = backing.subarray(shift);
      assert.equal(internetChecksum(view), reference(bytes));
    }),
    { numRuns: 500 },
  );
  assert.equal(internetChecksum(new Uint8Array(65_534).fill(0xff)), 0, 'all ones: carries folded back');
});
