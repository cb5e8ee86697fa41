/**
 * EEP — the Extensible Encapsulation Protocol, wire-identical to HEPv3 (sipcapture HEP3 specification; 3GPP
 * STM report encoding per DESIGN.md "STM reports"). Pure codecs: encoder, decoder and stream de-framer.
 */
export {
  EEP_CHUNK_HEADER_BYTES,
  EEP_CHUNK_TYPES,
  EEP_EVENT_TYPES,
  EEP_GENERIC_VENDOR,
  EEP_HEADER_BYTES,
  EEP_IP_FAMILY,
  EEP_MAX_MESSAGE_BYTES,
  EEP_PROTOCOL_IDS,
  EEP_PROTOCOL_TYPES,
  IP_PROTOCOL,
  type EepChunkTypeName,
  type EepEventTypeName,
  type EepProtocolId,
  type EepProtocolTypeName,
} from './eep-tables.js';
export type { EepChunk, EepChunkId, EepMessage } from './eep-model.js';
export {
  EEP_DECODE_REASONS,
  EEP_ENCODE_REASONS,
  EepDecodeError,
  EepEncodeError,
  EepTooLargeError,
  type EepDecodeReason,
  type EepEncodeReason,
} from './eep-errors.js';
export { DEFAULT_SEQUENCE_CHUNK, encodeEep, type EepEncodeOptions } from './eep-encode.js';
export { DEFAULT_MAX_PAYLOAD, decodeEep, protocolIdAt, type EepDecodeOptions } from './eep-decode.js';
export { EepDeframer, type EepDeframerOptions, type EepFrameResult } from './eep-deframer.js';
