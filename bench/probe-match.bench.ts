/**
 * Probe matcher bench: messages per second through decode (PacketDecoder: IP, UDP, SCTP DATA) + inspect() +
 * TargetIndex.match() with 10 tasks and with 100,000 tasks, measured interleaved in the same run. Target (DESIGN.md "Probe": the cost per message does
 * not grow with the number of tasks): the larger index within 10 % of the smaller, ratio >= 0.90.
 *
 * Both runs see the same mix of 3,000 realistic messages (SIP INVITEs, Diameter Gx CCR-Is, GTPv2-C Create
 * Session Requests, one third each, every one with its own Call-ID / Session-Id / TEID and sequence), half of
 * them for a targeted subscriber, drawn by the same seeded generator; only the subscriber space differs.
 */
import { PacketDecoder } from '../src/probe/decode/decoder.js';
import { inspect } from '../src/probe/proto/inspect.js';
import { buildIpPacket } from '../src/stm/packet.js';
import { LINKTYPE } from '../src/stm/pcapng-tables.js';
import type { Frame } from '../src/probe/messages.js';
import { TargetIndex } from '../src/probe/match/index.js';
import type { ProbeMessage } from '../src/probe/messages.js';
import type { TargetIdentifier } from '../src/x1/model.js';
import {
  avp,
  diameter,
  fteid,
  group,
  gtpv2,
  ie,
  probeMessage,
  sipInvite,
  tbcd,
} from '../test/support/probe-wire.js';
import { pairedRates, type Bench } from './harness.js';

const MESSAGES = 3000;
const SMALL = 10;
const LARGE = 100_000;
const ROUNDS = 61;
const MS_PER_ROUND = 60;

const imsiOf = (s: number) => `00101${String(s).padStart(10, '0')}`;
const msisdnOf = (s: number) => `4477${String(s).padStart(8, '0')}`;
const imeisvOf = (s: number) => `35349002${String(s).padStart(6, '0')}01`;

/** Subscriber s is targeted by one identifier: its MSISDN (even s) or its IMSI (odd s). */
function targetOf(s: number): TargetIdentifier {
  return s % 2 === 0 ? { kind: 'e164Number', value: msisdnOf(s) } : { kind: 'imsi', value: imsiOf(s) };
}

function sipMessage(s: number, j: number): ProbeMessage {
  const msisdn = msisdnOf(s);
  const payload = sipInvite(
    `sip:+4420${String(j).padStart(8, '0')}@ims.example.net;user=phone`,
    {
      callId: `${j}-a84b4c76e66710@pcscf.ims.example.net`,
      from: `"Sub ${s}" <sip:+${msisdn}@ims.example.net;user=phone>`,
      to: `<tel:+4420${String(j).padStart(8, '0')}>`,
    },
    [
      `P-Asserted-Identity: <sip:+${msisdn}@ims.example.net;user=phone>, <tel:+${msisdn}>`,
      `Contact: <sip:${imsiOf(s)}@[2001:db8::${(s % 65535).toString(16)}]:5060;ob>;+sip.instance="<urn:gsma:imei:35349002-123456-0>"`,
      'Route: <sip:scscf.ims.example.net;lr>',
      'Allow: INVITE, ACK, CANCEL, BYE, UPDATE, PRACK, MESSAGE, OPTIONS',
      'Supported: 100rel, timer, precondition',
      'Content-Type: application/sdp',
    ],
  );
  return probeMessage('sip', payload, { src: '10.1.0.1', dst: '10.1.0.2' });
}

function diameterMessage(s: number, j: number): ProbeMessage {
  const payload = diameter({ command: 272, request: true, app: 16777238 }, [
    avp(263, `pgw.epc.example.net;${j};${s}`),
    avp(264, 'pgw.epc.example.net'),
    avp(296, 'epc.example.net'),
    avp(283, 'epc.example.net'),
    avp(258, 16777238),
    avp(416, 1),
    avp(415, 0),
    group(443, [avp(450, 0), avp(444, msisdnOf(s))]),
    group(443, [avp(450, 1), avp(444, imsiOf(s))]),
    group(458, [avp(459, 0), avp(460, imeisvOf(s))]),
    avp(1032, 1004, 10415),
  ]);
  return probeMessage('diameter', payload, { src: '10.2.0.1', dst: '10.2.0.2', ipProtocol: 132 });
}

function gtpMessage(s: number, j: number): ProbeMessage {
  const payload = gtpv2({ type: 32, teid: 0, seq: j }, [
    ie(1, tbcd(imsiOf(s))),
    ie(76, tbcd(msisdnOf(s))),
    ie(75, tbcd(imeisvOf(s))),
    ie(83, Uint8Array.of(0x00, 0xf1, 0x10)),
    ie(82, Uint8Array.of(6)),
    fteid(10, j + 1, '10.3.0.1', 0),
    fteid(7, j + 1, '10.3.0.9', 1),
    ie(71, new TextEncoder().encode('\x08internet')),
    ie(93, ie(73, Uint8Array.of(5))),
  ]);
  return probeMessage('gtpv2', payload, { src: '10.3.0.1', dst: '10.3.0.2' });
}

/** A deterministic generator (mulberry32) so both runs draw the same sequence. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The message mix for `tasks` targeted subscribers (0 .. tasks-1) and as many untargeted ones. */
function messagesFor(tasks: number): ProbeMessage[] {
  const r = random(42);
  const build = [sipMessage, diameterMessage, gtpMessage];
  return Array.from({ length: MESSAGES }, (_, j) => {
    const targeted = r() < 0.5;
    const s = Math.floor(r() * tasks) + (targeted ? 0 : tasks);
    return build[j % 3]!(s, j);
  });
}

function indexOf(tasks: number): TargetIndex {
  const idx = new TargetIndex();
  for (let s = 0; s < tasks; s++) idx.add(`xid-${s}`, [targetOf(s)]);
  return idx;
}

/** The raw-IP frame that carries a message (SIP and GTPv2-C over UDP, Diameter in one SCTP DATA chunk). */
function frameOf(m: ProbeMessage, i: number): Frame {
  const data = buildIpPacket({
    ipProtocol: m.ipProtocol,
    srcAddress: m.srcAddress,
    dstAddress: m.dstAddress,
    srcPort: m.srcPort,
    dstPort: m.dstPort,
    payload: m.payload,
    ...(m.protocol === 'diameter' && { sctpPpid: 46 }),
  });
  return { linkType: LINKTYPE.raw, timestampMicros: 1_700_000_000_000_000n + BigInt(i), data };
}

function runner(idx: TargetIndex, msgs: readonly ProbeMessage[]): { step: () => number } {
  const frames = msgs.map(frameOf);
  const decoder = new PacketDecoder();
  let i = 0;
  return {
    step: () => {
      let n = 0;
      for (const m of decoder.decode(frames[i++ % frames.length]!)) n += idx.match(m, inspect(m)).length;
      return n;
    },
  };
}

const benches: Bench[] = [
  {
    name: 'probe.match',
    async run() {
      const small = indexOf(SMALL);
      const t0 = performance.now();
      const large = indexOf(LARGE);
      const buildMs = performance.now() - t0;
      const smallMsgs = messagesFor(SMALL);
      const largeMsgs = messagesFor(LARGE);
      const fraction = (idx: TargetIndex, msgs: readonly ProbeMessage[]) =>
        msgs.filter((m) => idx.match(m, inspect(m)).length > 0).length / msgs.length;
      const matchedSmall = fraction(small, smallMsgs);
      const matchedLarge = fraction(large, largeMsgs);
      const check = new PacketDecoder();
      const decoded = largeMsgs.map(frameOf).reduce((n, f) => n + check.decode(f).length, 0);
      if (decoded !== largeMsgs.length) throw new Error(`decoded ${decoded} of ${largeMsgs.length} frames`);
      const a = runner(small, smallMsgs);
      const b = runner(large, largeMsgs);
      const rates = await pairedRates(a.step, b.step, { rounds: ROUNDS, msPerRound: MS_PER_ROUND });
      return [
        {
          bench: 'probe.match.100k-tasks',
          value: rates.subject,
          unit: 'msg/s',
          baseline: 'probe.match.10-tasks',
          baselineValue: rates.baseline,
          ratio: rates.ratio,
          target: '>=0.90',
          extra: {
            matched10: matchedSmall,
            matched100k: matchedLarge,
            build100kMs: Math.round(buildMs),
            sessions100k: large.counters.sessions,
          },
        },
      ];
    },
  },
];

export default benches;
