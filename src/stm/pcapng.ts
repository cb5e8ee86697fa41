/**
 * PCAPng (draft-ietf-opsawg-pcapng) writer and reader, the STM GRE-PCAPng payload, and a reader of packets
 * from pcapng or classic pcap files. Pure: bytes in, bytes out.
 */
export {
  DEFAULT_TSRESOL,
  EPB_OPTION,
  IDB_OPTION,
  LINKTYPE,
  PCAP_MAGIC,
  PCAPNG_BLOCK,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_DECODE_REASONS,
  PCAPNG_OPTION,
  PcapngDecodeError,
  SHB_OPTION,
  type PcapngDecodeReason,
} from './pcapng-tables.js';
export {
  concatBytes,
  encodeEnhancedPacket,
  encodeInterfaceDescription,
  encodeOptions,
  encodeSectionHeader,
  encodeSimplePacket,
  type EnhancedPacket,
  type InterfaceOptions,
  type PcapngOptionValue,
  type SectionHeaderOptions,
} from './pcapng-write.js';
export {
  encodeStmPcapng,
  parseStmComments,
  PcapngFileWriter,
  STM_COMMENT_PREFIX,
  stmComments,
  type StmPcapngPacket,
  type WriterPacket,
} from './pcapng-stm.js';
export { commentsOf, readPcapngBlocks, type ByteOrder, type PcapngBlock } from './pcapng-read.js';
export { readPackets, toMicros, type CapturedPacket } from './capture-read.js';
