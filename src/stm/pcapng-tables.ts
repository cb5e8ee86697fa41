/**
 * PCAPng wire constants (draft-ietf-opsawg-pcapng, "PCAP Next Generation (pcapng) Capture File Format") and
 * classic pcap (draft-ietf-opsawg-pcap) magic numbers; link types from the tcpdump.org LINKTYPE registry.
 */
import { LixError } from '../lib/errors.js';

/** Link types (LINKTYPE_*) the STM parts use. */
export const LINKTYPE = {
  ethernet: 1,
  raw: 101,
  linuxSll: 113,
  ipv4: 228,
  ipv6: 229,
  linuxSll2: 276,
} as const;

/** Block types (pcapng §4, §11.1). */
export const PCAPNG_BLOCK = {
  sectionHeader: 0x0a0d0d0a,
  interfaceDescription: 0x00000001,
  simplePacket: 0x00000003,
  nameResolution: 0x00000004,
  interfaceStatistics: 0x00000005,
  enhancedPacket: 0x00000006,
} as const;

/** Section Header Block byte-order magic (pcapng §4.1). */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_VERSION = { major: 1, minor: 0 } as const;

/** Options common to every block (pcapng §3.5). */
export const PCAPNG_OPTION = { endOfOpt: 0, comment: 1 } as const;
/** Section Header Block options (pcapng §4.1). */
export const SHB_OPTION = { hardware: 2, os: 3, userAppl: 4 } as const;
/** Interface Description Block options (pcapng §4.2). */
export const IDB_OPTION = {
  name: 2,
  description: 3,
  tsresol: 9,
  tzone: 10,
  filter: 11,
  os: 12,
  tsoffset: 14,
} as const;
/** Enhanced Packet Block options (pcapng §4.3). */
export const EPB_OPTION = { flags: 2, hash: 3, dropCount: 4, packetId: 5, queue: 6, verdict: 7 } as const;

/** Fixed sizes in bytes. */
export const PCAPNG_SIZES = {
  /** Block type + block total length + trailing block total length. */
  blockOverhead: 12,
  /** SHB body before the options: magic, major, minor, section length. */
  shbFixed: 16,
  /** IDB body before the options: link type, reserved, snap length. */
  idbFixed: 8,
  /** EPB body before the packet data: interface, timestamp high/low, captured and original length. */
  epbFixed: 20,
  /** SPB body before the packet data: original length. */
  spbFixed: 4,
  optionHeader: 4,
  align: 4,
} as const;

/** if_tsresol = 6: microseconds, the default when the option is absent (pcapng §4.2). */
export const DEFAULT_TSRESOL = 6;
/** The "section length not specified" value of the SHB (pcapng §4.1). */
export const SECTION_LENGTH_UNSPECIFIED = -1n;

/** Classic pcap file-header magic numbers (draft-ietf-opsawg-pcap §4), as read big-endian. */
export const PCAP_MAGIC = { micro: 0xa1b2c3d4, nano: 0xa1b23c4d } as const;
export const PCAP_SIZES = { fileHeader: 24, recordHeader: 16 } as const;
/** The link type lives in the low bits of the classic header's LinkType field; FCS flags are above. */
export const PCAP_LINKTYPE_MASK = 0x03ffffff;

export const PCAPNG_DECODE_REASONS = [
  'truncated',
  'bad-block-length',
  'trailing-length-mismatch',
  'bad-byte-order',
  'bad-version',
  'no-section',
  'bad-interface',
  'bad-option',
  'unknown-format',
] as const;
export type PcapngDecodeReason = (typeof PCAPNG_DECODE_REASONS)[number];

/** A damaged capture file (pcapng or classic pcap); `offset` is where the problem was found. */
export class PcapngDecodeError extends LixError<PcapngDecodeReason> {
  constructor(
    readonly reason: PcapngDecodeReason,
    message: string,
    readonly offset = 0,
  ) {
    super(reason, `capture ${reason} at byte ${offset}: ${message}`);
  }
}
