/** The EEP message model: a plain readonly object with one optional field per chunk the codec knows. */
import type { EepProtocolId } from './eep-tables.js';

/** One chunk as it is on the wire: vendor ID, chunk type and the value bytes (header excluded). */
export interface EepChunk {
  readonly vendor: number;
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * An EEP (HEPv3) message. Every field is optional on the wire; `otherChunks` keeps, in order, vendor chunks
 * and generic chunks that have no field here (auth key, VLAN, MACs, MOS...).
 */
export interface EepMessage {
  readonly protocolId: EepProtocolId;
  /** Chunk 0x01: 2 = IPv4, 10 = IPv6 (HEP uses the BSD AF_ values). */
  readonly ipFamily?: number;
  /** Chunk 0x02: IANA protocol number of the captured message's transport. */
  readonly ipProtocol?: number;
  /** Chunks 0x03/0x05: textual IPv4 or IPv6 (canonical RFC 5952 text when decoded). */
  readonly srcAddress?: string;
  /** Chunks 0x04/0x06. */
  readonly dstAddress?: string;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly timestampSec?: number;
  readonly timestampUsec?: number;
  /** Chunk 0x0b: see EEP_PROTOCOL_TYPES; any uint8 is allowed. */
  readonly protocolType?: number;
  readonly captureAgentId?: number;
  /** Chunk 0x13: the NE identifier. */
  readonly nodeName?: string;
  /** Chunk 0x11: the XID. */
  readonly correlationId?: string;
  /** Chunk 0x28: a name of EEP_EVENT_TYPES, or the decimal text of another uint16 value. */
  readonly eventType?: string;
  /** The project's sequence chunk (uint32, wraps). */
  readonly sequence?: number;
  /** Chunk 0x0f (or 0x10 gunzipped): the captured message, binary-safe. */
  readonly payload?: Uint8Array;
  readonly otherChunks: readonly EepChunk[];
}

/** Where the sequence-number chunk lives (a project value; see docs/stm.md). */
export interface EepChunkId {
  readonly vendor: number;
  readonly type: number;
}
