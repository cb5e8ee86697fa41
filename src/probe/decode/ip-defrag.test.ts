import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from './decoder.js';
import { locate } from './ip-defrag.js';
import {
  fragmentV4,
  fragmentV6,
  frame,
  sipRequest,
  udp,
  V4,
  V6,
} from '../../../test/support/probe-packets.js';

const BODY = 'v=0\r\n'.repeat(300);
const invite = sipRequest('INVITE', BODY);
const decodeAll = (d: PacketDecoder, packets: Uint8Array[], t0 = 1_000_000n) =>
  packets.flatMap((p, i) => d.decode(frame(p, t0 + BigInt(i))));

test('IPv4 fragments in order give back the datagram, once', () => {
  const frags = fragmentV4(udp(V4, invite), 512);
  assert.equal(frags.length, Math.ceil((invite.length + 8) / 512));
  const d = new PacketDecoder();
  const out = decodeAll(d, frags);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.payload, invite);
  assert.equal(out[0]!.srcPort, V4.sport);
  assert.equal(d.counters.fragments, frags.length);
  assert.equal(d.counters.reassembled, 1);
  assert.equal(d.state.reassemblies, 0);
});

test('IPv4 fragments out of order and duplicated', () => {
  const [a, b, c, e] = fragmentV4(udp(V4, invite), 512);
  const d = new PacketDecoder();
  const out = decodeAll(d, [e!, c!, a!, a!, e!, b!]);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.payload, invite);
  assert.equal(d.counters.malformed, 0);
  assert.equal(decodeAll(d, [c!]).length, 0, 'a late duplicate starts a new datagram, never a message');
});

test('IPv6 fragments (Fragment header) out of order', () => {
  const frags = fragmentV6(udp(V6, invite), 600);
  const d = new PacketDecoder();
  const out = decodeAll(d, [...frags].reverse());
  assert.equal(out.length, 1);
  assert.equal(out[0]!.ipVersion, 6);
  assert.equal(out[0]!.srcAddress, V6.src);
  assert.deepEqual(out[0]!.payload, invite);
});

test('an IPv6 atomic fragment (offset 0, M clear) is a whole datagram', () => {
  const [only] = fragmentV6(udp(V6, sipRequest('OPTIONS')), 4096);
  assert.equal(only![6], 44);
  const d = new PacketDecoder();
  assert.equal(decodeAll(d, [only!]).length, 1);
  assert.equal(d.state.reassemblies, 0);
});

test('overlapping fragments of different extent drop the datagram, counted (RFC 5722)', () => {
  const whole = udp(V4, invite);
  const frags = fragmentV4(whole, 512);
  const overlap = fragmentV4(whole, 256)[3]!; // offset 768, 256 bytes: inside the second fragment
  const d = new PacketDecoder();
  assert.equal(decodeAll(d, [frags[0]!, frags[1]!, overlap, ...frags.slice(2)]).length, 0);
  assert.equal(d.counters.malformedByReason.get('fragment-overlap'), 1);
  assert.equal(d.counters.reassembled, 0);
});

test('a last fragment that disagrees with the known end drops the datagram', () => {
  const whole = udp(V4, invite);
  const frags = fragmentV4(whole, 512);
  const shortLast = fragmentV4(whole.subarray(0, whole.length - 8), 512).at(-1)!;
  new DataView(shortLast.buffer).setUint16(2, shortLast.length);
  const d = new PacketDecoder();
  assert.equal(decodeAll(d, [frags.at(-1)!, shortLast, ...frags.slice(0, -1)]).length, 0);
  assert.equal(d.counters.malformedByReason.get('fragment-overlap'), 1);
});

test('fragments adding up to more than 65535 bytes are refused', () => {
  const [a] = fragmentV4(udp(V4, invite), 512);
  const far = a!.slice();
  new DataView(far.buffer).setUint16(6, 0x2000 | (65528 / 8));
  const d = new PacketDecoder();
  assert.equal(decodeAll(d, [far]).length, 0);
  assert.equal(d.counters.malformedByReason.get('fragment-too-large'), 1);
  assert.equal(d.state.reassemblies, 0);
});

test('incomplete datagrams expire after 30 s and are bounded in number', () => {
  const d = new PacketDecoder({ maxReassemblies: 2, autoExpireMicros: 0n });
  for (let id = 1; id <= 3; id++) decodeAll(d, [fragmentV4(udp(V4, invite), 512, id)[0]!]);
  assert.equal(d.state.reassemblies, 2);
  assert.equal(d.counters.fragmentEvictions, 1);
  d.expire(1_000_000n + 30_000_000n);
  assert.equal(d.state.reassemblies, 2, 'not yet: 30 s is allowed');
  d.expire(1_000_000n + 31_000_000n);
  assert.equal(d.state.reassemblies, 0);
  assert.equal(d.counters.fragmentTimeouts, 2);
});

test('decode() sweeps stale fragments itself as frame time passes', () => {
  const d = new PacketDecoder();
  decodeAll(d, [fragmentV4(udp(V4, invite), 512)[0]!], 0n);
  d.decode(frame(udp(V4, sipRequest('OPTIONS')), 31_000_001n));
  assert.equal(d.counters.fragmentTimeouts, 1);
});

test('locate() finds the transport and the fragment fields', () => {
  const [, b] = fragmentV4(udp(V4, invite), 512);
  const l = locate(b!);
  assert.equal(l.l4Start, 20);
  assert.equal(l.fragment?.offset, 512);
  assert.equal(l.fragment?.more, true);
  const v6 = fragmentV6(udp(V6, invite), 600)[1]!;
  const l6 = locate(v6);
  assert.equal(l6.fragment?.offset, 600);
  assert.equal(l6.fragment?.v6Next?.value, 17);
  assert.throws(() => locate(v6.subarray(0, 44)), /cut short/);
});
