import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpPacket, type ParsedPacket } from '../../stm/packet.js';
import { LINKTYPE } from '../../stm/pcapng-tables.js';
import type { Frame } from '../messages.js';
import { DIAMETER } from './gen-diameter.js';
import { GTPV2 } from './gen-gtpv2.js';
import { GTPV2_CONTEXT } from './gen-gtpv2-context.js';
import { S6A_AUTH } from './gen-s6a-auth.js';
import { CX_AUTH } from './gen-ims-aka.js';
import { LAB_PORTS } from './lab-nodes.js';
import { labSubscriber } from './population.js';
import { generate, SyntheticGenerator } from './synthetic.js';
import { SyntheticSource } from './synthetic-source.js';
import { FakeClock } from '../../../test/support/fake-clock.js';

const text = (p: ParsedPacket) => new TextDecoder().decode(p.payload);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the same seed gives the same frames; another seed other frames', () => {
  const a = generate(200, { seed: 5, subscribers: 30 });
  const b = generate(200, { seed: 5, subscribers: 30 });
  const c = generate(200, { seed: 6, subscribers: 30 });
  assert.deepEqual(
    a.map((f) => [...f.data]),
    b.map((f) => [...f.data]),
  );
  assert.notDeepEqual(
    a.map((f) => [...f.data]),
    c.map((f) => [...f.data]),
  );
  assert.ok(a.every((f) => f.linkType === LINKTYPE.raw));
  assert.equal(a[1]!.timestampMicros - a[0]!.timestampMicros, 1000n);
});

test('a mix of SIP, Diameter and GTPv2-C, each packet well-formed IPv4 between lab nodes', () => {
  const gen = new SyntheticGenerator({ subscribers: 20, seed: 3 });
  const packets = gen.generate(1000).map((f) => parseIpPacket(f.data));
  const sip = packets.filter((p) => p.srcPort === LAB_PORTS.sip);
  const dia = packets.filter((p) => p.ipProtocol === 6 && p.payload.length > 0);
  const gtp = packets.filter((p) => p.srcPort === LAB_PORTS.gtpc);
  assert.equal(sip.length, gen.stats.sip);
  assert.equal(dia.length, gen.stats.diameter);
  assert.equal(gtp.length, gen.stats.gtpv2);
  assert.equal(sip.length + dia.length + gtp.length + gen.stats.tcpControl, 1000);
  for (const kind of [
    'REGISTER ',
    'INVITE ',
    'ACK ',
    'BYE ',
    'SIP/2.0 100',
    'SIP/2.0 180',
    'SIP/2.0 200',
    'SIP/2.0 401',
  ])
    assert.ok(
      sip.some((p) => text(p).startsWith(kind)),
      kind,
    );
  const commands = new Set(
    dia.map((p) => new DataView(p.payload.buffer, p.payload.byteOffset).getUint32(4) & 0xffffff),
  );
  assert.deepEqual(
    [...commands].sort(),
    [DIAMETER.cmd.userAuthorization, DIAMETER.cmd.updateLocation, S6A_AUTH.cmd, CX_AUTH.cmd].sort(),
  );
  const types = new Set(gtp.map((p) => p.payload[1]));
  assert.deepEqual(
    [...types].sort(),
    [...Object.values(GTPV2.msg), ...Object.values(GTPV2_CONTEXT.msg)].sort(),
  );
});

test('SIP carries the subscribers: Call-ID, From/To, P-Asserted-Identity, Contact', () => {
  const gen = new SyntheticGenerator({ subscribers: 1, seed: 9 });
  const invite = gen
    .generate(300)
    .map((f) => text(parseIpPacket(f.data)))
    .find((t) => t.startsWith('INVITE '));
  assert.ok(invite);
  const s = labSubscriber(0);
  assert.match(invite, new RegExp(`^From: <${escape(s.sipUri)}>;tag=[0-9a-f]{8}\\r$`, 'm'));
  assert.match(invite, new RegExp(`^To: <${escape(s.telUri)}>\\r$`, 'm'));
  assert.match(
    invite,
    new RegExp(`^P-Asserted-Identity: <${escape(s.sipUri)}>, <${escape(s.telUri)}>\\r$`, 'm'),
  );
  assert.match(invite, /^Call-ID: [0-9a-f]{16}@10\.10\.0\.10\r$/m);
  assert.match(invite, /^Contact: <sip:\+447900000000@10\.128\.0\.0:5060>\r$/m);
  const body = invite.split('\r\n\r\n')[1]!;
  assert.match(invite, new RegExp(`^Content-Length: ${body.length}\\r$`, 'm'));
});

test('each Diameter TCP direction has consecutive sequence numbers and acknowledges the other', () => {
  const frames = generate(800, { seed: 11, subscribers: 50 });
  const next = new Map<string, number>();
  for (const f of frames) {
    const p = parseIpPacket(f.data);
    if (p.ipProtocol !== 6) continue;
    const tcp = f.data.subarray(20);
    const v = new DataView(tcp.buffer, tcp.byteOffset);
    const [seq, ack, flags] = [v.getUint32(4), v.getUint32(8), tcp[13]!];
    const me = `${p.srcAddress}:${p.srcPort}>${p.dstAddress}:${p.dstPort}`;
    const peer = `${p.dstAddress}:${p.dstPort}>${p.srcAddress}:${p.srcPort}`;
    if (next.has(me)) assert.equal(seq, next.get(me), `seq of ${me}`);
    const syn = flags & 0x02 ? 1 : 0;
    next.set(me, (seq + p.payload.length + syn) >>> 0);
    if (flags & 0x10 && next.has(peer)) assert.equal(ack, next.get(peer), `ack of ${me}`);
    if (p.payload.length > 0) {
      const len = new DataView(p.payload.buffer, p.payload.byteOffset).getUint32(0) & 0xffffff;
      assert.equal(len, p.payload.length, 'one whole Diameter message per segment');
    }
  }
  assert.equal(next.size, 6, 'three connections: Cx from the I-CSCF and the S-CSCF, S6a from the MME');
});

test('the source paces frames on the clock (batched per tick) and stops', async () => {
  const clock = new FakeClock();
  const src = new SyntheticSource({ rate: 100, subscribers: 10, seed: 1 }, { clock });
  const frames: Frame[] = [];
  const done = src.run((f) => frames.push(f));
  await clock.advance(1000);
  assert.ok(frames.length >= 99 && frames.length <= 100, `${frames.length}`);
  await clock.advance(9000);
  assert.ok(frames.length >= 999 && frames.length <= 1000, `${frames.length}`);
  assert.ok(frames.every((f) => f.timestampMicros <= clock.nowMicros()));
  assert.equal(frames.at(-1)!.timestampMicros, clock.nowMicros());
  await src.stop();
  await done;
  const n = frames.length;
  await clock.advance(1000);
  assert.equal(frames.length, n);
  assert.equal(src.counters.frames, n);
  assert.equal(clock.pending, 0);
});

test('calls are addressed to the callee as tel: and as sip: in turn', () => {
  const gen = new SyntheticGenerator({ subscribers: 1, seed: 9 });
  const s = labSubscriber(0);
  const ruris = gen
    .generate(2000)
    .map((f) => text(parseIpPacket(f.data)))
    .filter((t) => t.startsWith('INVITE '))
    .map((t) => t.split(' ')[1]);
  assert.ok(ruris.length >= 2, `${ruris.length} INVITEs`);
  assert.equal(ruris[0], s.telUri);
  assert.equal(ruris[1], s.sipUri);
});
