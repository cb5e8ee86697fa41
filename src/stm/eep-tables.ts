/**
 * EEP (HEPv3) wire constants. Sources: the HEP3 network protocol specification (sipcapture/HEP, "generic
 * chunk types" and "captured protocol types" tables, rev. 37) and DESIGN.md "STM reports". Values marked
 * "project value" are not assigned by HEP; they are documented in docs/stm.md and can be overridden.
 */

/** Protocol IDs (the first 4 bytes of a message) we send and accept. HEP3 is what deployed decoders take. */
export const EEP_PROTOCOL_IDS = ['HEP3', 'EEP1', 'EEP3'] as const;
export type EepProtocolId = (typeof EEP_PROTOCOL_IDS)[number];

/** Message header: 4-byte protocol ID + 2-byte total length (header included). */
export const EEP_HEADER_BYTES = 6;
/** Chunk header: vendor(2) + type(2) + length(2, header included). */
export const EEP_CHUNK_HEADER_BYTES = 6;
/** The total-length field is 16 bits. */
export const EEP_MAX_MESSAGE_BYTES = 0xffff;
/** Vendor ID of the generic chunk types. */
export const EEP_GENERIC_VENDOR = 0x0000;

/** Generic (vendor 0x0000) chunk types of HEPv3, plus the project's sequence-number chunk. */
export const EEP_CHUNK_TYPES = {
  ipFamily: 0x01, // uint8: 2 = IPv4, 10 = IPv6
  ipProtocol: 0x02, // uint8: IANA protocol number (17 UDP, 6 TCP, 132 SCTP)
  srcIpv4: 0x03, // 4 bytes
  dstIpv4: 0x04,
  srcIpv6: 0x05, // 16 bytes
  dstIpv6: 0x06,
  srcPort: 0x07, // uint16
  dstPort: 0x08,
  timestampSec: 0x09, // uint32, seconds since the epoch
  timestampUsec: 0x0a, // uint32, microseconds added to the seconds
  protocolType: 0x0b, // uint8, see EEP_PROTOCOL_TYPES
  captureAgentId: 0x0c, // uint32
  keepAliveTimer: 0x0d, // uint16, seconds
  authKey: 0x0e, // octet string
  payload: 0x0f, // octet string: the captured message
  compressedPayload: 0x10, // octet string: gzip (or zlib) of the captured message
  correlationId: 0x11, // octet string
  vlanId: 0x12, // uint16
  nodeName: 0x13, // octet string: capture agent (node) name
  srcMac: 0x14, // 6 or 8 bytes
  dstMac: 0x15,
  ethernetType: 0x16, // uint16
  tcpFlags: 0x17, // uint8
  ipTos: 0x18, // uint8
  // 0x19 - 0x1f reserved by HEP
  mos: 0x20, // uint16
  rFactor: 0x21, // uint16
  geoLocation: 0x22, // octet string
  jitter: 0x23, // uint32
  translationType: 0x24, // octet string (transaction type: call, registration)
  payloadJsonKeys: 0x25, // octet string
  tagsValues: 0x26, // octet string
  tagType: 0x27, // uint16
  eventType: 0x28, // uint16, see EEP_EVENT_TYPES
  groupId: 0x29, // octet string
  /** Project value (HEP assigns none): uint32 per-destination report counter, so a collector counts gaps. */
  sequence: 0xf0,
} as const;
export type EepChunkTypeName = keyof typeof EEP_CHUNK_TYPES;

/**
 * Values of the event-type chunk (HEP3 "event type": 1 recording, 2 recording for lawful interception). The
 * codec carries the name; an unknown numeric value is carried as its decimal text.
 */
export const EEP_EVENT_TYPES = { recording: 0x0001, interception: 0x0002 } as const;
export type EepEventTypeName = keyof typeof EEP_EVENT_TYPES;

/** HEP3 captured-protocol types (chunk 0x0b), plus project values for raw Diameter and GTPv2-C. */
export const EEP_PROTOCOL_TYPES = {
  reserved: 0x00,
  sip: 0x01,
  xmpp: 0x02,
  sdp: 0x03,
  rtp: 0x04,
  rtcpJson: 0x05,
  mgcp: 0x06,
  megaco: 0x07, // H.248
  m2ua: 0x08,
  m3ua: 0x09,
  iax: 0x0a,
  h322: 0x0b,
  h321: 0x0c,
  m2pa: 0x0d,
  mosFullJson: 0x22,
  mosShortJson: 0x23,
  sipJson: 0x32,
  dnsJson: 0x35,
  m3uaIsupJson: 0x36,
  rtspJson: 0x37,
  diameterJson: 0x38,
  gsmMapJson: 0x39,
  rtcpPion: 0x3a,
  cdr: 0x3c,
  log: 0x64,
  /** Project value: raw Diameter (RFC 6733) messages; HEP has only Diameter-as-JSON (0x38). */
  diameter: 0xf0,
  /** Project value: raw GTPv2-C (3GPP TS 29.274) messages; HEP has none. */
  gtpv2c: 0xf1,
} as const;
export type EepProtocolTypeName = keyof typeof EEP_PROTOCOL_TYPES;

/** HEP's IP family values (chunk 0x01): the BSD socket constants AF_INET and AF_INET6. */
export const EEP_IP_FAMILY = { ipv4: 2, ipv6: 10 } as const;

/** IANA protocol numbers for chunk 0x02. */
export const IP_PROTOCOL = { tcp: 6, udp: 17, sctp: 132 } as const;
