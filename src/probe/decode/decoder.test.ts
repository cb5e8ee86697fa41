import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from './decoder.js';
import {
  concatBytes,
  frame,
  gtpv2,
  ipWrap,
  sipRequest,
  sipResponse,
  udp,
  V4,
  V6,
  type Ends,
} from '../../../test/support/probe-packets.js';

const GTPC: Ends = { src: '10.3.0.1', dst: '10.3.0.2', sport: 2123, dport: 2123 };
const ETHERNET = 1;
const SLL = 113;

function ethernet(ip: Uint8Array, vlan = false): Uint8Array {
  const tag = vlan ? [0x81, 0x00, 0x00, 0x64] : [];
  const type = ip[0]! >> 4 === 6 ? [0x86, 0xdd] : [0x08, 0x00];
  return concatBytes(new Uint8Array(12).fill(0x02), Uint8Array.from([...tag, ...type]), ip);
}

test('a SIP datagram over IPv4 becomes one message with its addresses, ports and time', () => {
  const m = sipRequest('INVITE', 'v=0\r\n');
  const d = new PacketDecoder();
  const out = d.decode(frame(ethernet(udp(V4, m), true), 1_700_000_000_123_456n, ETHERNET));
  assert.deepEqual(out, [
    {
      timestampMicros: 1_700_000_000_123_456n,
      ipVersion: 4,
      ipProtocol: 17,
      srcAddress: V4.src,
      dstAddress: V4.dst,
      srcPort: V4.sport,
      dstPort: V4.dport,
      protocol: 'sip',
      payload: m,
    },
  ]);
  assert.equal(d.counters.frames, 1);
  assert.equal(d.counters.messages.sip, 1);
});

test('SIP over IPv6 in a Linux SLL frame', () => {
  const m = sipResponse(200, 'OK');
  const sll = concatBytes(new Uint8Array(14), Uint8Array.of(0x86, 0xdd), udp(V6, m));
  const out = new PacketDecoder().decode(frame(sll, 1n, SLL));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.ipVersion, 6);
  assert.equal(out[0]!.srcAddress, '2001:db8::1');
});

test('GTPv2-C: one message per datagram, piggybacked ones split; a bad length is counted', () => {
  const d = new PacketDecoder();
  const csr = gtpv2(33, 20, true);
  const cbr = gtpv2(95, 8);
  const out = d.decode(frame(udp(GTPC, concatBytes(csr, cbr))));
  assert.deepEqual(
    out.map((m) => [m.protocol, m.payload]),
    [
      ['gtpv2', csr],
      ['gtpv2', cbr],
    ],
  );
  assert.equal(d.decode(frame(udp(GTPC, gtpv2(32).subarray(0, 10)))).length, 0);
  assert.equal(d.counters.malformedByReason.get('gtpv2-length'), 1);
  assert.equal(d.counters.messages.gtpv2, 2);
});

test('GTP-U, RTP and other IP protocols are ignored and counted; non-IP frames too', () => {
  const d = new PacketDecoder();
  const gtpu = { ...GTPC, sport: 2152, dport: 2152 };
  assert.equal(d.decode(frame(udp(gtpu, Uint8Array.of(0x30, 0xff, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0)))).length, 0);
  assert.equal(d.decode(frame(udp({ ...V4, dport: 16384 }, new Uint8Array(172).fill(0x80)))).length, 0);
  assert.equal(d.decode(frame(ipWrap(V4, 1, new Uint8Array(8)))).length, 0);
  const arp = concatBytes(new Uint8Array(12), Uint8Array.of(0x08, 0x06), new Uint8Array(28));
  assert.equal(d.decode(frame(arp, 1n, ETHERNET)).length, 0);
  assert.equal(d.decode(frame(new Uint8Array(40), 1n, 147)).length, 0);
  assert.deepEqual(Object.fromEntries(d.counters.ignoredByReason), {
    'gtp-u': 1,
    'udp-other': 1,
    'ip-protocol': 1,
  });
  assert.equal(d.counters.ignored, 3);
  assert.equal(d.counters.nonIp, 2);
  assert.equal(d.counters.frames, 5);
});

test('damaged IP headers are counted as malformed, never thrown', () => {
  const d = new PacketDecoder();
  const p = udp(V4, sipRequest('OPTIONS'));
  assert.deepEqual(d.decode(frame(p.subarray(0, 24))), []);
  const bad = p.slice();
  bad[0] = 0x44; // IHL 4 words
  assert.deepEqual(d.decode(frame(bad)), []);
  assert.deepEqual(d.decode(frame(Uint8Array.of(0x75))), []);
  assert.deepEqual(d.decode(frame(new Uint8Array(0))), []);
  assert.equal(d.counters.malformedByReason.get('ip-header'), 4);
  assert.equal(d.counters.malformed, 4);
});

test('a new decoder holds nothing and has counted nothing', () => {
  const d = new PacketDecoder({ maxTcpStreams: 3 });
  assert.deepEqual(d.state, { reassemblies: 0, tcpStreams: 0, sctpPartials: 0 });
  assert.deepEqual(d.counters.messages, { sip: 0, diameter: 0, gtpv2: 0 });
  assert.equal(d.counters.malformedByReason.size, 0);
});
