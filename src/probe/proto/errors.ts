/** The one error family of the protocol inspectors: a message that cannot be read as its protocol. */
import { LixError } from '../../lib/errors.js';

/** Why a message was refused, by protocol; `reason` says more. */
export const PROBE_PROTOCOL_ERROR_KINDS = ['sip', 'diameter', 'gtpv2', 'protocol'] as const;
export type ProbeProtocolErrorKind = (typeof PROBE_PROTOCOL_ERROR_KINDS)[number];

/**
 * Thrown by `inspect()` and the per-protocol inspectors on a malformed message (truncated header, bad
 * length, missing mandatory header ...). The probe counts it as a rejection; nothing else escapes.
 */
export class ProbeProtocolError extends LixError<ProbeProtocolErrorKind> {
  constructor(
    /** The protocol whose rules the message broke (`protocol` for an unknown `ProbeMessage.protocol`). */
    kind: ProbeProtocolErrorKind,
    /** A short reason, e.g. `AVP length 4 below header size`. */
    readonly reason: string,
  ) {
    super(kind, `${kind}: ${reason}`);
  }
}
