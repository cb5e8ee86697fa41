/**
 * Key masking bench: messages per second through inspect() + maskKeys() against inspect() alone, measured
 * in pairs in the same run, on the synthetic mix (SIP with IMS AKA registrations, Cx UAR/MAR, S6a AIR/ULR,
 * GTPv2-C sessions and context transfers: about one message in five carries keys). Target: masking adds at
 * most half the cost of the inspection, ratio >= 0.67 (the probe masks only what it delivers, so this is the
 * worst case: every message delivered). Also: each key-bearing kind alone (AIA, MAA, Context
 * Response, the 401) in masks per second.
 */
import { PacketDecoder } from '../src/probe/decode/decoder.js';
import { maskKeys } from '../src/probe/mask/index.js';
import type { ProbeMessage } from '../src/probe/messages.js';
import { inspect } from '../src/probe/proto/inspect.js';
import { generate } from '../src/probe/sources/synthetic.js';
import { opsPerSecond, pairedRates, type Bench } from './harness.js';

const FRAMES = 6000;

function messages(): ProbeMessage[] {
  const decoder = new PacketDecoder();
  return generate(FRAMES, { subscribers: 1000, seed: 5 }).flatMap((f) => decoder.decode(f));
}

/** Steps through `msgs`, one message per call. */
function stepper(msgs: readonly ProbeMessage[], mask: boolean): () => unknown {
  let i = 0;
  return () => {
    const m = msgs[i++ % msgs.length]!;
    const ins = inspect(m);
    return mask ? maskKeys(m.protocol, m.payload) : ins;
  };
}

const benches: Bench[] = [
  {
    name: 'probe.mask',
    async run() {
      const msgs = messages();
      const keyed = msgs.filter((m) => {
        const r = maskKeys(m.protocol, m.payload);
        if (r.kind !== 'ok') throw new Error(`unsafe: ${r.reason}`);
        return r.fields > 0;
      });
      const rates = await pairedRates(stepper(msgs, false), stepper(msgs, true), {
        rounds: 31,
        msPerRound: 80,
      });
      const kind = (label: string, pick: (m: ProbeMessage) => boolean) => {
        const one = keyed.find(pick);
        if (!one) throw new Error(`no ${label} in the mix`);
        return [label, one] as const;
      };
      const code = (m: ProbeMessage) => (m.payload[5]! << 16) | (m.payload[6]! << 8) | m.payload[7]!;
      const kinds = [
        kind('aia', (m) => m.protocol === 'diameter' && code(m) === 318),
        kind('maa', (m) => m.protocol === 'diameter' && code(m) === 303),
        kind('contextResponse', (m) => m.protocol === 'gtpv2' && m.payload[1] === 131),
        kind(
          'sip401',
          (m) => m.protocol === 'sip' && new TextDecoder().decode(m.payload).startsWith('SIP/2.0 401'),
        ),
      ];
      const extra: Record<string, number> = {
        keyedShare: Math.round((keyed.length / msgs.length) * 100) / 100,
      };
      for (const [label, m] of kinds)
        extra[`${label}PerS`] = Math.round(await opsPerSecond(() => maskKeys(m.protocol, m.payload), 300));
      return [
        {
          bench: 'probe.mask.inspect+mask',
          value: rates.subject,
          unit: 'msg/s',
          baseline: 'probe.mask.inspect',
          baselineValue: rates.baseline,
          ratio: rates.ratio,
          target: '>=0.67',
          extra,
        },
      ];
    },
  },
];

export default benches;
