import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from './decoder.js';
import type { DecodeOptions } from './options.js';
import {
  ascii,
  concatBytes,
  diameter,
  frame,
  reverse,
  sipRequest,
  sipResponse,
  TCP,
  tcp,
  V4,
  V6,
  type Ends,
} from '../../../test/support/probe-packets.js';

const DIA: Ends = { src: '10.1.0.1', dst: '10.1.0.2', sport: 50123, dport: 3868 };

/** Feeds packets at one frame per millisecond; returns the payload texts of the messages. */
function run(d: PacketDecoder, packets: Uint8Array[], t0 = 1_000_000n): Uint8Array[] {
  return packets.flatMap((p, i) => d.decode(frame(p, t0 + BigInt(i) * 1000n)).map((m) => m.payload));
}

/** Segments of `bytes` cut at the given offsets, starting at sequence number `seq`. */
function cut(e: Ends, seq: number, bytes: Uint8Array, at: number[]): Uint8Array[] {
  const edges = [0, ...at, bytes.length];
  return edges.slice(0, -1).map((from, i) => tcp(e, (seq + from) >>> 0, bytes.subarray(from, edges[i + 1])));
}

const syn = (e: Ends, isn: number) => tcp(e, isn, new Uint8Array(0), TCP.syn);
const fresh = (o: Partial<DecodeOptions> = {}) => new PacketDecoder(o);

test('after a SYN: two messages in one segment, then one message over three segments', () => {
  const a = sipRequest('INVITE', 'v=0\r\n');
  const b = sipResponse(100, 'Trying');
  const c = sipRequest('MESSAGE', 'x'.repeat(900));
  const d = fresh();
  const out = run(d, [
    syn(V4, 1000),
    tcp(V4, 1001, concatBytes(a, b)),
    ...cut(V4, 1001 + a.length + b.length, c, [100, 500]),
  ]);
  assert.deepEqual(out, [a, b, c]);
  assert.equal(d.counters.messages.sip, 3);
  assert.equal(d.counters.tcpSegments, 5);
});

test('out-of-order segments are held and delivered in order', () => {
  const m = sipRequest('MESSAGE', 'y'.repeat(600));
  const [s1, s2, s3] = cut(V4, 1, m, [200, 400]);
  const d = fresh();
  assert.deepEqual(run(d, [syn(V4, 0), s3!, s1!]), []);
  assert.deepEqual(run(d, [s2!]), [m]);
  assert.equal(d.counters.tcpGaps, 0);
});

test('retransmissions and overlapping resends are dropped', () => {
  const a = sipRequest('OPTIONS');
  const b = sipRequest('BYE');
  const both = concatBytes(a, b);
  const d = fresh();
  const out = run(d, [
    tcp(V4, 1, a),
    tcp(V4, 1, a),
    tcp(V4, 1, both), // a resend that covers old and new bytes
    tcp(V4, 1 + a.length, b),
  ]);
  assert.deepEqual(out, [a, b]);
  assert.equal(d.counters.tcpRetransmissions, 3);
});

test('sequence numbers wrap around 2^32', () => {
  const m = sipRequest('MESSAGE', 'z'.repeat(300));
  const isn = 0xffffff00;
  const d = fresh();
  const segs = cut(V4, isn, m, [100, 250, 400]);
  assert.deepEqual(run(d, [segs[0]!, segs[2]!, segs[1]!, segs[3]!]), [m]);
  assert.deepEqual(run(d, [tcp(V4, (isn + m.length) >>> 0, m)]), [m]);
});

test('a stream caught mid-way is picked up at the first segment that begins a message', () => {
  const m = sipRequest('INVITE', 'v=0\r\n');
  const d = fresh();
  const out = run(d, [tcp(V4, 5000, m.subarray(40)), tcp(V4, 5000 + m.length - 40, m)]);
  assert.deepEqual(out, [m]);
  assert.equal(d.counters.ignoredByReason.get('tcp-other'), 1);
  const dia = diameter(316, true, 100);
  const d2 = fresh();
  assert.deepEqual(run(d2, [tcp(DIA, 7, dia.subarray(20)), tcp(DIA, 7 + dia.length - 20, dia)]), [dia]);
});

test('Diameter over TCP: three messages in one segment, one cut across two', () => {
  const a = diameter(280, true, 12);
  const b = diameter(280, false, 24);
  const c = diameter(316, true, 200);
  const e = diameter(316, false, 64);
  const bytes = concatBytes(a, b, c, e);
  const d = fresh();
  const out = run(d, cut(DIA, 1, bytes, [a.length + b.length + c.length + 10]));
  assert.deepEqual(out, [a, b, c, e]);
  assert.equal(d.counters.messages.diameter, 4);
});

test('CRLF keep-alives between SIP messages are skipped', () => {
  const a = sipRequest('OPTIONS');
  const b = sipRequest('BYE');
  const d = fresh();
  const crlf = ascii('\r\n\r\n');
  const out = run(d, [tcp(V6, 1, a), tcp(V6, 1 + a.length, crlf), tcp(V6, 5 + a.length, b)]);
  assert.deepEqual(out, [a, b]);
  assert.equal(d.counters.malformed, 0);
});

test('a lost segment: after too many held segments the hole is skipped and the stream resumes', () => {
  const msgs = Array.from({ length: 6 }, (_, i) => sipRequest('MESSAGE', `${i}`.repeat(50)));
  const segs = msgs.map((m, i) => tcp(V4, 1 + msgs.slice(0, i).reduce((n, x) => n + x.length, 0), m));
  const d = fresh({ maxHeldSegments: 3 });
  const out = run(d, [segs[0]!, ...segs.slice(2)]); // segs[1] lost
  assert.deepEqual(out, [msgs[0], msgs[2], msgs[3], msgs[4], msgs[5]]);
  assert.equal(d.counters.tcpGaps, 1);
});

test('a hole older than the reorder window is given up when the next segment comes', () => {
  const a = sipRequest('OPTIONS');
  const b = sipRequest('BYE');
  const c = sipRequest('ACK');
  const d = fresh();
  assert.deepEqual(run(d, [tcp(V4, 1, a), tcp(V4, 1 + a.length + 10, b)], 0n), [a]);
  const late = d.decode(frame(tcp(V4, 1 + a.length + 10 + b.length, c), 3_000_000n)).map((m) => m.payload);
  assert.deepEqual(late, [b, c]);
  assert.equal(d.counters.tcpGaps, 1);
});

test('bytes that do not frame as SIP are counted, and the stream is picked up again', () => {
  const a = sipRequest('OPTIONS');
  const junk = ascii('HELLO there\r\n\r\n');
  const b = sipRequest('BYE');
  const d = fresh();
  const out = run(d, [tcp(V4, 1, a), tcp(V4, 1 + a.length, junk), tcp(V4, 1 + a.length + junk.length, b)]);
  assert.deepEqual(out, [a, b]);
  assert.equal(d.counters.malformedByReason.get('tcp-framing'), 1);
});

test('FIN ends a direction; a message cut by FIN is counted; RST ends both directions', () => {
  const a = sipRequest('OPTIONS');
  const d = fresh();
  run(d, [tcp(V4, 1, a.subarray(0, 60), TCP.ack | TCP.fin)]);
  assert.equal(d.counters.malformedByReason.get('tcp-truncated'), 1);
  assert.equal(d.state.tcpStreams, 0);
  assert.deepEqual(run(d, [syn(V4, 9), tcp(V4, 10, a, TCP.ack | TCP.fin)]), [a]);
  assert.equal(d.state.tcpStreams, 0);
  run(d, [tcp(V4, 100, a.subarray(0, 10)), tcp(reverse(V4), 7, a.subarray(0, 10))]);
  assert.equal(d.state.tcpStreams, 2);
  run(d, [tcp(reverse(V4), 17, new Uint8Array(0), TCP.rst)]);
  assert.equal(d.state.tcpStreams, 0);
});

test('a SYN restarts a direction (a new connection on the same ports)', () => {
  const a = sipRequest('OPTIONS');
  const d = fresh();
  run(d, [tcp(V4, 1, a.subarray(0, 20))]);
  assert.deepEqual(run(d, [syn(V4, 777), tcp(V4, 778, a)]), [a]);
});

test('streams are bounded in number and forgotten after 5 idle minutes', () => {
  const d = fresh({ maxTcpStreams: 2, autoExpireMicros: 0n });
  const part = sipRequest('OPTIONS').subarray(0, 10);
  for (let port = 1; port <= 3; port++) run(d, [tcp({ ...V4, sport: port }, 1, part)]);
  assert.equal(d.state.tcpStreams, 2);
  assert.equal(d.counters.tcpStreamEvictions, 1);
  d.expire(1_000_000n + 300_000_000n);
  assert.equal(d.state.tcpStreams, 2);
  d.expire(1_000_000n + 301_000_000n);
  assert.equal(d.state.tcpStreams, 0);
  assert.equal(d.counters.tcpStreamsExpired, 2);
});

test('eviction takes the direction placed longest ago; one seen again is re-placed at most once a second', () => {
  const msg = sipRequest('OPTIONS');
  // Cut after the start line (a direction in hunt mode keeps bytes once it has seen one).
  const line = msg.indexOf(0x0a) + 1;
  const [head, middle, rest] = [
    msg.subarray(0, line),
    msg.subarray(line, line + 10),
    msg.subarray(line + 10),
  ];
  const a: Ends = { ...V4, sport: 1 };
  const b: Ends = { ...V4, sport: 2 };
  const c: Ends = { ...V4, sport: 3 };
  const at = (d: PacketDecoder, p: Uint8Array, micros: number) =>
    d.decode(frame(p, BigInt(micros))).map((m) => m.payload);
  for (const [againAt, survivor] of [
    [1_500_000, 'b'], // a seen again within the second: still placed first, evicted for c
    [2_100_000, 'a'], // a seen again after it: placed again, b (placed first now) evicted for c
  ] as const) {
    const d = fresh({ maxTcpStreams: 2, autoExpireMicros: 0n });
    at(d, syn(a, 0), 999_998);
    at(d, syn(b, 0), 999_999);
    at(d, tcp(a, 1, head), 1_000_000);
    at(d, tcp(b, 1, head), 1_000_001);
    at(d, tcp(a, 1 + line, middle), againAt);
    at(d, syn(c, 0), againAt + 1);
    assert.equal(d.counters.tcpStreamEvictions, 1);
    const kept =
      survivor === 'a'
        ? at(d, tcp(a, 11 + line, rest), againAt + 2)
        : at(d, tcp(b, 1 + line, msg.subarray(line)), againAt + 2);
    assert.deepEqual(kept, [msg], `${survivor} kept its partial message`);
  }
});

test('a message larger than maxMessageBytes is refused and the stream resumes after it', () => {
  const big = sipRequest('MESSAGE', 'b'.repeat(3000));
  const next = sipRequest('BYE');
  const d = fresh({ maxMessageBytes: 2000 });
  const out = run(d, [...cut(V4, 1, big, [1000, 2000]), tcp(V4, 1 + big.length, next)]);
  assert.deepEqual(out, [next]);
  assert.equal(d.counters.malformedByReason.get('message-too-large'), 1);
});

test('a resent SYN does not restart the stream; bare ACKs of unknown directions hold no state', () => {
  const a = sipRequest('MESSAGE', 'x'.repeat(100));
  const d = fresh();
  const out = run(d, [
    syn(V4, 50),
    tcp(V4, 51, a.subarray(0, 60)),
    syn(V4, 50),
    tcp(V4, 111, a.subarray(60)),
  ]);
  assert.deepEqual(out, [a]);
  run(d, [tcp({ ...V4, sport: 1 }, 9, new Uint8Array(0), TCP.ack)]);
  assert.equal(d.state.tcpStreams, 1);
});
