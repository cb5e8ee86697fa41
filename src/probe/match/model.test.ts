// The index against a brute-force reference: for random tasks (added, re-added and removed) and random
// messages, TargetIndex.match gives exactly the tasks all of whose identifiers the message satisfies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseIpv4 } from '../../stm/ip.js';
import type { TargetIdentifier } from '../../x1/model.js';
import type { Identity, Inspection, ProbeMessage } from '../messages.js';
import { TargetIndex } from './index.js';
import { Prefilter } from './prefilter.js';

const IMSIS = ['001010000000001', '001010000000002', '001010000000003'];
const MSISDNS = ['447700000001', '447700000002'];
const ADDRS = ['10.0.0.1', '10.0.1.7', '192.0.2.9', '10.0.0.200'];
const PORTS = [5060, 2123, 3868, 40000];

const target: fc.Arbitrary<TargetIdentifier> = fc.oneof(
  fc.constantFrom(...IMSIS).map((value) => ({ kind: 'imsi', value }) as const),
  fc.constantFrom(...MSISDNS).map((value) => ({ kind: 'e164Number', value }) as const),
  fc.constantFrom(...ADDRS).map((value) => ({ kind: 'ipv4Address', value }) as const),
  fc
    .tuple(fc.constantFrom(...ADDRS), fc.constantFrom(8, 16, 24, 25, 32))
    .map(([a, p]) => ({ kind: 'ipv4Cidr', value: { family: 'IPv4CIDR', value: `${a}/${p}` } }) as const),
  fc.constantFrom(...PORTS).map((value) => ({ kind: 'udpPort', value }) as const),
  fc
    .tuple(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 40000 }))
    .map(([s, w]) => ({ kind: 'udpPortRange', value: { start: s, end: Math.min(65535, s + w) } }) as const),
);

const message = fc.record({
  src: fc.constantFrom(...ADDRS),
  dst: fc.constantFrom(...ADDRS),
  sport: fc.constantFrom(...PORTS, 1, 65535),
  dport: fc.constantFrom(...PORTS),
  ipProtocol: fc.constantFrom(6, 17),
  imsis: fc.subarray(IMSIS),
  msisdns: fc.subarray(MSISDNS),
});
type Msg = typeof message extends fc.Arbitrary<infer M> ? M : never;

const u32 = (a: string) => new DataView(parseIpv4(a)!.buffer).getUint32(0);
const inCidr = (a: string, cidr: string) => {
  const [net, len] = cidr.split('/');
  const shift = 32 - Number(len);
  return u32(a) >>> shift === u32(net!) >>> shift;
};

/** Whether `m` satisfies `t`, by the rules of the index, computed directly. */
function satisfies(t: TargetIdentifier, m: Msg): boolean {
  const ends = (f: (x: string) => boolean) => f(m.src) || f(m.dst);
  const ports = (f: (p: number) => boolean) => m.ipProtocol === 17 && (f(m.sport) || f(m.dport));
  switch (t.kind) {
    case 'imsi':
      return m.imsis.includes(t.value);
    case 'e164Number':
      return m.msisdns.includes(t.value);
    case 'ipv4Address':
      return ends((a) => a === t.value);
    case 'ipv4Cidr':
      return ends((a) => inCidr(a, t.value.value));
    case 'udpPort':
      return ports((p) => p === t.value);
    case 'udpPortRange':
      return ports((p) => p >= t.value.start && p <= t.value.end);
    default:
      throw new Error(`unexpected ${t.kind}`);
  }
}

function toProbe(m: Msg): [ProbeMessage, Inspection] {
  const identities: Identity[] = [
    ...m.imsis.map((value) => ({ kind: 'imsi', value }) as const),
    ...m.msisdns.map((value) => ({ kind: 'e164Number', value }) as const),
  ];
  const msg: ProbeMessage = {
    timestampMicros: 0n,
    ipVersion: 4,
    ipProtocol: m.ipProtocol,
    srcAddress: m.src,
    dstAddress: m.dst,
    srcPort: m.sport,
    dstPort: m.dport,
    protocol: 'sip',
    payload: new Uint8Array(0),
  };
  return [msg, { identities, sessionKeys: [], endsSession: false }];
}

test('TargetIndex.match equals a brute-force matcher over tasks added, re-added and removed', () => {
  const op = fc.oneof(
    fc.record({
      add: fc.integer({ min: 0, max: 7 }),
      targets: fc.array(target, { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ remove: fc.integer({ min: 0, max: 7 }) }),
  );
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 20 }),
      fc.array(message, { minLength: 1, maxLength: 10 }),
      (ops, msgs) => {
        const idx = new TargetIndex();
        const tasks = new Map<string, readonly TargetIdentifier[]>();
        for (const o of ops) {
          if ('add' in o) {
            idx.add(`x${o.add}`, o.targets);
            tasks.set(`x${o.add}`, o.targets);
          } else {
            idx.remove(`x${o.remove}`);
            tasks.delete(`x${o.remove}`);
          }
        }
        assert.equal(idx.size, tasks.size);
        for (const m of msgs) {
          const want = [...tasks].filter(([, ts]) => ts.every((t) => satisfies(t, m))).map(([x]) => x);
          const [pm, ins] = toProbe(m);
          assert.deepEqual([...idx.match(pm, ins)].sort(), want.sort());
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('Prefilter: no false negatives, removal clears, saturated counts are kept', () => {
  const f = new Prefilter();
  const values = Array.from({ length: 2000 }, (_, i) => `v${i}`);
  for (const v of values) f.add(6, v);
  assert.ok(values.every((v) => f.mayContain(6, v)));
  const strangers = Array.from({ length: 2000 }, (_, i) => `w${i}`);
  assert.ok(strangers.filter((v) => f.mayContain(6, v)).length < 20, 'few false positives');
  for (const v of values) f.remove(6, v);
  assert.ok(values.every((v) => !f.mayContain(6, v)));
  for (let i = 0; i < 70_000; i++) f.add(6, 'same');
  f.remove(6, 'same');
  assert.ok(f.mayContain(6, 'same'));
});
