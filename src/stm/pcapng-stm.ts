/**
 * The STM uses of PCAPng: the self-contained SHB + IDB + EPB payload of a GRE-PCAPng report (DESIGN.md "STM
 * reports"), and an incremental file writer for the collector. The XID and NE identifier travel as EPB
 * opt_comment values `lix.xid=<XID>` and `lix.ne=<NE identifier>` (tshark shows them as `frame.comment`).
 */
import {
  concatBytes,
  encodeEnhancedPacket,
  encodeInterfaceDescription,
  encodeSectionHeader,
  type SectionHeaderOptions,
} from './pcapng-write.js';

/** Prefixes of the EPB comments that carry the report's identifiers (a project convention, docs/stm.md). */
export const STM_COMMENT_PREFIX = { xid: 'lix.xid=', ne: 'lix.ne=', liid: 'lix.liid=' } as const;

/** The comments for an XID, an NE identifier and a warrant's LIID, in that order. */
export function stmComments(ids: {
  readonly xid?: string | undefined;
  readonly neId?: string | undefined;
  readonly liid?: string | undefined;
}): string[] {
  const out: string[] = [];
  if (ids.xid !== undefined) out.push(STM_COMMENT_PREFIX.xid + ids.xid);
  if (ids.neId !== undefined) out.push(STM_COMMENT_PREFIX.ne + ids.neId);
  if (ids.liid !== undefined) out.push(STM_COMMENT_PREFIX.liid + ids.liid);
  return out;
}

/** The XID, NE identifier and LIID found in EPB comments (the first of each). */
export function parseStmComments(comments: readonly string[]): {
  xid?: string;
  neId?: string;
  liid?: string;
} {
  const value = (prefix: string) => comments.find((c) => c.startsWith(prefix))?.slice(prefix.length);
  const xid = value(STM_COMMENT_PREFIX.xid);
  const neId = value(STM_COMMENT_PREFIX.ne);
  const liid = value(STM_COMMENT_PREFIX.liid);
  return {
    ...(xid !== undefined && { xid }),
    ...(neId !== undefined && { neId }),
    ...(liid !== undefined && { liid }),
  };
}

export interface StmPcapngPacket {
  readonly linkType: number;
  readonly timestampMicros: bigint;
  readonly packet: Uint8Array;
  readonly xid?: string | undefined;
  readonly neId?: string | undefined;
  readonly liid?: string | undefined;
}

/** SHB + IDB + EPB: one packet that decodes on its own (the payload of a GRE-PCAPng STM report). */
export function encodeStmPcapng(p: StmPcapngPacket): Uint8Array {
  return concatBytes([
    encodeSectionHeader(),
    encodeInterfaceDescription(p.linkType),
    encodeEnhancedPacket({
      interfaceId: 0,
      timestampMicros: p.timestampMicros,
      data: p.packet,
      comments: stmComments({ xid: p.xid, neId: p.neId, liid: p.liid }),
    }),
  ]);
}

export interface WriterPacket {
  readonly linkType: number;
  readonly timestampMicros: bigint;
  readonly data: Uint8Array;
  readonly originalLength?: number;
  readonly comments?: readonly string[];
}

/**
 * Incremental PCAPng writer for one file (one section): pure, it returns the bytes to append. The first call
 * starts with the SHB; an IDB is emitted the first time each link type is seen.
 */
export class PcapngFileWriter {
  readonly #interfaces = new Map<number, number>();
  #started = false;
  #packets = 0;

  constructor(private readonly shb: SectionHeaderOptions = {}) {}

  /** The SHB, once (empty on later calls): lets a file exist before its first packet. */
  start(): Uint8Array {
    if (this.#started) return new Uint8Array(0);
    this.#started = true;
    return encodeSectionHeader(this.shb);
  }

  /** Bytes to append for one packet (SHB and IDB first when needed). */
  packet(p: WriterPacket): Uint8Array {
    const parts = [this.start()];
    let id = this.#interfaces.get(p.linkType);
    if (id === undefined) {
      id = this.#interfaces.size;
      this.#interfaces.set(p.linkType, id);
      parts.push(encodeInterfaceDescription(p.linkType));
    }
    parts.push(
      encodeEnhancedPacket({
        interfaceId: id,
        timestampMicros: p.timestampMicros,
        data: p.data,
        ...(p.originalLength !== undefined && { originalLength: p.originalLength }),
        ...(p.comments !== undefined && { comments: p.comments }),
      }),
    );
    this.#packets++;
    return concatBytes(parts);
  }

  /** Packets written so far. */
  get packets(): number {
    return this.#packets;
  }

  /** Interfaces (link types) declared so far. */
  get interfaces(): number {
    return this.#interfaces.size;
  }
}
