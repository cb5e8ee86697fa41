/**
 * Key masking before anything leaves the NE (TS 33.501: key material in copied signalling is
 * replaced by a string of the same length): one entry point per message, by protocol, and the
 * {@link KeyMasker} the probe runs on every message it delivers, with its counters. The fields masked are
 * listed in docs/probe.md ("Key masking").
 */
import type { AppProtocol } from '../messages.js';
import { maskDiameter } from './diameter.js';
import type { MaskOutcome } from './edit.js';
import { maskGtpv2 } from './gtpv2.js';
import { maskSip } from './sip.js';

export { MASK_FILLER, type MaskOutcome } from './edit.js';
export { KEY_AVPS, KEY_CONTAINERS, maskDiameter } from './diameter.js';
export { maskGtpv2 } from './gtpv2.js';
export { maskSip } from './sip.js';

const MASKERS: Readonly<Record<AppProtocol, (payload: Uint8Array) => MaskOutcome>> = {
  sip: maskSip,
  diameter: maskDiameter,
  gtpv2: maskGtpv2,
};

/**
 * Masks the keys of one message of `protocol`. Never throws: a masker failing unexpectedly is `unsafe` too
 * (the message must not leave unmasked).
 */
export function maskKeys(protocol: AppProtocol, payload: Uint8Array): MaskOutcome {
  const masker = MASKERS[protocol] as ((p: Uint8Array) => MaskOutcome) | undefined;
  if (!masker) return { kind: 'unsafe', reason: `no key masking for protocol ${String(protocol)}` };
  try {
    return masker(payload);
  } catch (err) {
    return { kind: 'unsafe', reason: `masking failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Per protocol. */
export type ByProtocol = Record<AppProtocol, number>;

/** What the key masking counted. */
export interface MaskCounters {
  /** Key fields replaced by the filler. */
  readonly fields: ByProtocol;
  /** Messages with at least one masked field. */
  readonly messages: ByProtocol;
  /** Messages not delivered because their keys could not be located (see {@link maskKeys}). */
  readonly dropped: ByProtocol;
}

const zero = (): ByProtocol => ({ sip: 0, diameter: 0, gtpv2: 0 });

/** The probe's key masking: on unless switched off (then payloads pass as captured, and nothing is counted). */
export class KeyMasker {
  readonly counters: MaskCounters = { fields: zero(), messages: zero(), dropped: zero() };

  constructor(readonly enabled: boolean) {}

  /**
   * The payload to deliver for a message: masked (the same array when it carries no keys), or the reason it
   * must be dropped.
   */
  apply(protocol: AppProtocol, payload: Uint8Array): { payload: Uint8Array } | { dropped: string } {
    if (!this.enabled) return { payload };
    const r = maskKeys(protocol, payload);
    if (r.kind === 'unsafe') {
      this.counters.dropped[protocol]++;
      return { dropped: r.reason };
    }
    if (r.fields > 0) {
      this.counters.fields[protocol] += r.fields;
      this.counters.messages[protocol]++;
    }
    return { payload: r.payload };
  }
}
