import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSctpSegment, crc32c, SCTP, sctpOverhead } from './sctp-packet.js';
import { buildIpPacket, maxPayload, PACKET, parseIpPacket } from './packet.js';

const ascii = (s: string) => new TextEncoder().encode(s);

test('crc32c matches the RFC 3720 B.4 vectors and the common check value', () => {
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
});

test('one DATA chunk with B and E set, padded, with a checksum that verifies', () => {
  const payload = ascii('hello');
  const seg = buildSctpSegment({ srcPort: 3868, dstPort: 3869, payload, ppid: SCTP.ppid.diameter, tsn: 7 });
  assert.equal(seg.length, 12 + 16 + 8);
  assert.equal(seg.length, payload.length + sctpOverhead(payload.length));
  const v = new DataView(seg.buffer);
  assert.equal(v.getUint16(0), 3868);
  assert.equal(v.getUint16(2), 3869);
  assert.equal(seg[12], 0);
  assert.equal(seg[13], 0x03);
  assert.equal(v.getUint16(14), 16 + 5);
  assert.equal(v.getUint32(16), 7);
  assert.equal(v.getUint32(24), 46);
  assert.deepEqual(seg.subarray(28, 33), payload);
  assert.deepEqual([...seg.subarray(33)], [0, 0, 0]);
  const stored = v.getUint32(8, true);
  const zeroed = seg.slice();
  zeroed.fill(0, 8, 12);
  assert.equal(crc32c(zeroed), stored);
});

test('buildIpPacket carries SCTP in IPv4 and IPv6 and refuses what cannot fit', () => {
  for (const [src, dst] of [
    ['10.0.0.1', '10.0.0.2'],
    ['2001:db8::1', '2001:db8::2'],
  ] as const) {
    const p = buildIpPacket({
      ipProtocol: PACKET.sctp,
      srcAddress: src,
      dstAddress: dst,
      srcPort: 5060,
      dstPort: 5060,
      payload: ascii('x'),
    });
    const parsed = parseIpPacket(p);
    assert.equal(parsed.ipProtocol, 132);
    assert.equal(parsed.srcAddress, src);
    const max = maxPayload(src, PACKET.sctp);
    assert.ok(
      buildIpPacket({
        ipProtocol: 132,
        srcAddress: src,
        dstAddress: dst,
        srcPort: 1,
        dstPort: 2,
        payload: new Uint8Array(max),
      }).length <= 65_575,
    );
    assert.throws(() =>
      buildIpPacket({
        ipProtocol: 132,
        srcAddress: src,
        dstAddress: dst,
        srcPort: 1,
        dstPort: 2,
        payload: new Uint8Array(max + 1),
      }),
    );
  }
});
