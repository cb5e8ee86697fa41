import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from './decoder.js';
import {
  controlChunk,
  dataChunk,
  diameter,
  frame,
  iDataChunk,
  ipWrap,
  sctp,
  SCTP_FLAGS,
  sipRequest,
  V4,
  V6,
  type Ends,
} from '../../../test/support/probe-packets.js';

const S6A: Ends = { src: '10.2.0.1', dst: '10.2.0.2', sport: 3868, dport: 3868 };
const SIP: Ends = { ...V4, sport: 5060, dport: 5060 };
const { begin, end, unordered } = SCTP_FLAGS;
const SACK = 3;
const HEARTBEAT = 4;

const run = (d: PacketDecoder, packets: Uint8Array[]) =>
  packets.flatMap((p, i) => d.decode(frame(p, 1_000_000n + BigInt(i))));

test('a message split across two DATA chunks in two packets (B then E, consecutive TSNs)', () => {
  const m = sipRequest('INVITE', 'v=0\r\n'.repeat(100));
  const d = new PacketDecoder();
  const out = run(d, [
    sctp(SIP, [dataChunk({ tsn: 41, flags: begin, ssn: 3, data: m.subarray(0, 301) })]),
    sctp(SIP, [dataChunk({ tsn: 42, flags: end, ssn: 3, data: m.subarray(301) })]),
  ]);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.payload, m);
  assert.equal(out[0]!.protocol, 'sip');
  assert.equal(out[0]!.ipProtocol, 132);
  assert.equal(out[0]!.srcPort, 5060);
  assert.equal(out[0]!.sctpPpid, 0);
  assert.equal(d.state.sctpPartials, 0);
});

test('several chunks in one packet: SACK, two whole DATA chunks, a HEARTBEAT, padding', () => {
  const a = diameter(318, true, 13 * 4);
  const b = diameter(318, false, 5 * 4);
  const c = diameter(280, true, 8);
  const d = new PacketDecoder();
  const out = run(d, [
    sctp(S6A, [
      controlChunk(SACK),
      dataChunk({ tsn: 1, ppid: 46, data: a }),
      dataChunk({ tsn: 2, ppid: 46, sid: 1, data: b }),
      controlChunk(HEARTBEAT, new Uint8Array(5)),
      dataChunk({ tsn: 3, ppid: 46, data: c }),
    ]),
  ]);
  assert.deepEqual(
    out.map((m) => m.payload),
    [a, b, c],
  );
  assert.ok(out.every((m) => m.protocol === 'diameter' && m.sctpPpid === 46));
  assert.equal(d.counters.sctpChunks, 5);
  assert.equal(d.counters.ignoredByReason.get('sctp-control'), 2);
});

test('three fragments out of order, with a retransmitted one, over IPv6', () => {
  const m = diameter(316, true, 400);
  const e: Ends = { ...S6A, src: V6.src, dst: V6.dst };
  const d = new PacketDecoder();
  const frag = (tsn: number, flags: number, from: number, to: number) =>
    sctp(e, [dataChunk({ tsn, flags, ssn: 9, ppid: 46, data: m.subarray(from, to) })]);
  const out = run(d, [
    frag(11, 0, 100, 300),
    frag(10, begin, 0, 100),
    frag(10, begin, 0, 100),
    frag(12, end, 300, m.length),
  ]);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.payload, m);
  assert.equal(out[0]!.ipVersion, 6);
});

test('unordered fragments are put together by TSN (as sip-over-sctp.pcap sends its INVITE)', () => {
  const m = sipRequest('INVITE', 'x'.repeat(200));
  const d = new PacketDecoder();
  const out = run(d, [
    sctp(SIP, [dataChunk({ tsn: 0, flags: unordered | begin, data: m.subarray(0, 150) })]),
    sctp(SIP, [dataChunk({ tsn: 1, flags: unordered | end, data: m.subarray(150) })]),
  ]);
  assert.deepEqual(
    out.map((x) => x.payload),
    [m],
  );
});

test('interleaved streams reassemble apart; a lost middle fragment never yields a message', () => {
  const a = sipRequest('MESSAGE', 'a'.repeat(100));
  const b = sipRequest('MESSAGE', 'b'.repeat(100));
  const d = new PacketDecoder();
  const out = run(d, [
    sctp(SIP, [dataChunk({ tsn: 1, flags: begin, sid: 1, data: a.subarray(0, 50) })]),
    sctp(SIP, [dataChunk({ tsn: 5, flags: begin, sid: 2, data: b.subarray(0, 50) })]),
    sctp(SIP, [dataChunk({ tsn: 2, flags: end, sid: 1, data: a.subarray(50) })]),
    sctp(SIP, [dataChunk({ tsn: 7, flags: end, sid: 2, data: b.subarray(100) })]),
  ]);
  assert.deepEqual(
    out.map((x) => x.payload),
    [a],
  );
  assert.equal(d.state.sctpPartials, 1);
});

test('I-DATA (RFC 8260): fragments by MID and FSN, PPID in the first', () => {
  const m = diameter(316, false, 120);
  const d = new PacketDecoder();
  const out = run(d, [
    sctp(S6A, [iDataChunk(8, end, 4, 2, m.subarray(100))]),
    sctp(S6A, [iDataChunk(6, begin, 4, 46, m.subarray(0, 60)), iDataChunk(7, 0, 4, 1, m.subarray(60, 100))]),
  ]);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.payload, m);
  assert.equal(out[0]!.sctpPpid, 46);
});

test('S1AP, M3UA and NGAP user messages are ignored, counted by kind', () => {
  const d = new PacketDecoder();
  const out = run(d, [
    sctp(S6A, [dataChunk({ tsn: 1, ppid: 18, data: new Uint8Array(8) })]),
    sctp(S6A, [dataChunk({ tsn: 2, ppid: 3, data: new Uint8Array(8) })]),
    sctp(S6A, [dataChunk({ tsn: 3, ppid: 60, data: new Uint8Array(8) })]),
  ]);
  assert.equal(out.length, 0);
  assert.deepEqual(Object.fromEntries(d.counters.ignoredByReason), {
    'sctp-s1ap': 1,
    'sctp-m3ua': 1,
    'sctp-ngap': 1,
  });
});

test('damaged chunks: a bad length stops the walk; an empty DATA chunk is refused; a second B drops', () => {
  const d = new PacketDecoder();
  const good = dataChunk({ tsn: 1, ppid: 46, data: diameter(280, true) });
  const bad = controlChunk(SACK);
  new DataView(bad.buffer).setUint16(2, 200);
  assert.equal(run(d, [sctp(S6A, [good, bad, good])]).length, 1);
  assert.equal(d.counters.malformedByReason.get('sctp-chunk'), 1);
  assert.equal(run(d, [sctp(S6A, [dataChunk({ tsn: 2, data: new Uint8Array(0) })])]).length, 0);
  assert.equal(d.counters.malformedByReason.get('sctp-chunk'), 2);
  run(d, [
    sctp(S6A, [dataChunk({ tsn: 5, flags: begin, data: new Uint8Array(8) })]),
    sctp(S6A, [dataChunk({ tsn: 6, flags: begin, data: new Uint8Array(8) })]),
  ]);
  assert.equal(d.counters.malformedByReason.get('sctp-reassembly'), 1);
  assert.equal(run(d, [ipWrap(S6A, 132, new Uint8Array(11))]).length, 0);
  assert.equal(d.counters.malformedByReason.get('sctp-header'), 1);
});

test('partial messages expire, are bounded in number and in bytes', () => {
  const d = new PacketDecoder({ maxSctpPartials: 2, maxMessageBytes: 100, autoExpireMicros: 0n });
  for (let sid = 1; sid <= 3; sid++)
    run(d, [sctp(S6A, [dataChunk({ tsn: sid * 10, sid, flags: begin, data: new Uint8Array(8) })])]);
  assert.equal(d.state.sctpPartials, 2);
  assert.equal(d.counters.sctpPartialEvictions, 1);
  d.expire(1_000_000n + 31_000_000n);
  assert.equal(d.state.sctpPartials, 0);
  assert.equal(d.counters.sctpPartialsExpired, 2);
  run(d, [
    sctp(S6A, [dataChunk({ tsn: 1, flags: begin, data: new Uint8Array(64) })]),
    sctp(S6A, [dataChunk({ tsn: 2, data: new Uint8Array(64), flags: 0 })]),
  ]);
  assert.equal(d.counters.malformedByReason.get('message-too-large'), 1);
  assert.equal(d.state.sctpPartials, 0);
});
