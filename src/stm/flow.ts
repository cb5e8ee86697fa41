/**
 * The flow of a captured message: the transport 5-tuple (IANA protocol number, addresses as canonical text —
 * dotted IPv4, IPv6 as `formatIpv6` writes it — and ports), one direction. Probe messages, STM reports,
 * synthesised and parsed packets all carry it, so that one text names one endpoint everywhere.
 */

/** One direction between two transport endpoints (ports 0 where the protocol has none). */
export interface Endpoints {
  readonly srcAddress: string;
  readonly dstAddress: string;
  readonly srcPort: number;
  readonly dstPort: number;
}

/** The 5-tuple: {@link Endpoints} and the IANA protocol number (17 UDP, 6 TCP, 132 SCTP). */
export interface Flow extends Endpoints {
  readonly ipProtocol: number;
}
