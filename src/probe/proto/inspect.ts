/**
 * The protocol inspectors' entry point (DESIGN.md "Probe"): one {@link ProbeMessage} in, its identities,
 * session keys and end-of-session flag out. Pure: no I/O, no state.
 */
import type { Inspection, ProbeMessage } from '../messages.js';
import { inspectDiameter } from './diameter.js';
import { ProbeProtocolError } from './errors.js';
import { inspectGtpv2 } from './gtpv2.js';
import { inspectSip } from './sip.js';

export { ProbeProtocolError, PROBE_PROTOCOL_ERROR_KINDS, type ProbeProtocolErrorKind } from './errors.js';

/**
 * Inspects one message by its `protocol`: SIP (RFC 3261), Diameter (RFC 6733) or GTPv2-C (TS 29.274).
 *
 * @throws ProbeProtocolError when the message is malformed for its protocol (and for an unknown protocol);
 *   no other error escapes.
 */
export function inspect(msg: ProbeMessage): Inspection {
  switch (msg.protocol) {
    case 'sip':
      return inspectSip(msg.payload);
    case 'diameter':
      return inspectDiameter(msg.payload);
    case 'gtpv2':
      return inspectGtpv2(msg);
    default:
      throw new ProbeProtocolError('protocol', `unknown protocol ${String(msg.protocol as unknown)}`);
  }
}
