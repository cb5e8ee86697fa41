/** Fixed addresses and names of the lab's network nodes, between which the synthetic traffic flows. */
export const LAB_NODES = {
  pcscf: { address: '10.10.0.10', host: 'pcscf.ims.lab.lix' },
  scscf: { address: '10.10.0.11', host: 'scscf.ims.lab.lix' },
  icscf: { address: '10.10.0.12', host: 'icscf.ims.lab.lix' },
  hss: { address: '10.10.0.20', host: 'hss.ims.lab.lix' },
  mme: { address: '10.10.0.30', host: 'mme.epc.lab.lix' },
  /** The MME a subscriber moves to at a tracking area update (S10 context transfer from `mme`). */
  mme2: { address: '10.10.0.31', host: 'mme2.epc.lab.lix' },
  sgw: { address: '10.10.0.40', host: 'sgw.epc.lab.lix' },
} as const;

/** Well-known ports (RFC 3261 §18, RFC 6733 §2.1, TS 29.274 §4.2) and the clients' ephemeral ports. */
export const LAB_PORTS = {
  sip: 5060,
  diameter: 3868,
  gtpc: 2123,
  cxClient: 41868,
  s6aClient: 42868,
  /** The S-CSCF's Cx connection to the HSS (MAR/MAA). */
  scscfCxClient: 43868,
} as const;

/** Diameter realms. */
export const LAB_REALMS = { ims: 'ims.lab.lix', epc: 'epc.lab.lix' } as const;

/** UE address (SIP Contact, SDP, PDN address) of subscriber `i`, in 10.128.0.0/9. */
export function ueAddress(i: number): string {
  return `10.${128 + ((i >>> 16) & 0x7f)}.${(i >>> 8) & 0xff}.${i & 0xff}`;
}
