// Packets built by buildIpPacket, checked against the RFCs' own verification: a header or segment summed with
// its checksum (and, for UDP/TCP, the pseudo-header, built byte by byte by the test support) folds to zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { internetChecksum } from './gre.js';
import { parseIp } from './ip.js';
import { buildIpPacket, PACKET, parseIpPacket } from './packet.js';
import { transportChecksum } from '../../test/support/pcap-frames.js';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const v6 = fc.ipV6().filter((a) => !a.includes('.'));

test('UDP and TCP over IPv4 and IPv6: valid checksums, the payload and ports read back', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.tuple(v4, v4), fc.tuple(v6, v6)),
      fc.constantFrom(PACKET.udp, PACKET.tcp),
      fc.nat(65535),
      fc.nat(65535),
      fc.uint8Array({ maxLength: 1500 }),
      fc.nat(0xffffffff),
      ([srcAddress, dstAddress], ipProtocol, srcPort, dstPort, payload, tcpSeq) => {
        const pkt = buildIpPacket({ ipProtocol, srcAddress, dstAddress, srcPort, dstPort, payload, tcpSeq });
        const six = srcAddress.includes(':');
        const ipHeader = six ? 40 : 20;
        if (!six) assert.equal(internetChecksum(pkt.subarray(0, 20)), 0, 'IPv4 header checksum');
        const seg = pkt.subarray(ipHeader);
        const src = parseIp(srcAddress)!;
        const dst = parseIp(dstAddress)!;
        assert.equal(transportChecksum(src, dst, ipProtocol, seg), 0, 'transport checksum');
        const p = parseIpPacket(pkt);
        assert.deepEqual(
          [p.srcPort, p.dstPort, p.ipProtocol, p.fragment],
          [srcPort, dstPort, ipProtocol, false],
        );
        assert.deepEqual([...p.payload], [...payload]);
        if (ipProtocol === PACKET.tcp)
          assert.equal(new DataView(seg.buffer, seg.byteOffset).getUint32(4), tcpSeq >>> 0);
      },
    ),
    { numRuns: 300 },
  );
});
