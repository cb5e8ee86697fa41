/**
 * Pages of an XID's messages, read from its capture files through their indexes: the filters run over the
 * index (time, protocol, Call-ID), then only the chosen packet blocks are read, neighbours in one read of
 * at most {@link PAGE_LIMITS.runBytes}. Nothing reads a whole file into memory.
 */
import { open } from 'node:fs/promises';
import type { CaptureCatalog, Position, XidFile } from '../../collector/capture-catalog.js';
import { messageId } from '../../collector/capture-catalog.js';
import type { IndexEntry } from '../../collector/capture-index.js';
import { PCAPNG_BLOCK } from '../../stm/pcapng-tables.js';
import { carried, describe, isoMicros, type Detail, type Summary } from './message.js';

export const PAGE_LIMITS = {
  defaultLimit: 100,
  maxLimit: 1000,
  /** Blocks closer than this are read together. */
  runBytes: 1 << 20,
} as const;

/** What a page asks for (times in µs since the epoch, protocol as its index code). */
export interface PageQuery {
  readonly limit: number;
  readonly after?: Position;
  readonly from?: number;
  readonly to?: number;
  readonly protocol?: number;
  readonly callId?: string;
}

export interface Page {
  readonly messages: Summary[];
  readonly next: string | null;
}

interface Pick {
  readonly file: XidFile;
  readonly entry: IndexEntry;
}

/** The packet data of an Enhanced Packet Block held in `block` (either byte order). */
export function epbFrame(block: Uint8Array): Uint8Array | undefined {
  const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
  if (block.length < 32) return undefined;
  const le = v.getUint32(0, true) === PCAPNG_BLOCK.enhancedPacket;
  if (!le && v.getUint32(0, false) !== PCAPNG_BLOCK.enhancedPacket) return undefined;
  const capLen = v.getUint32(20, le);
  return capLen <= block.length - 32 ? block.subarray(28, 28 + capLen) : undefined;
}

function select(files: readonly XidFile[], q: PageQuery): { picks: Pick[]; more: boolean } {
  const picks: Pick[] = [];
  for (const file of files) {
    const ix = file.index;
    if (q.after && file.n < q.after.n) continue;
    if (ix.count === 0) continue;
    if (q.from !== undefined && ix.maxTime < q.from) continue;
    if (q.to !== undefined && ix.minTime > q.to) continue;
    const key = q.callId === undefined ? undefined : ix.keyId(q.callId);
    if (key === -2) continue;
    const start = q.after && file.n === q.after.n ? ix.firstFrom(q.after.offset + 1) : 0;
    for (let i = start; i < ix.count; i++) {
      const p = ix.protocolAt(i);
      if (p === 0 || (q.protocol !== undefined && p !== q.protocol)) continue;
      if (key !== undefined && ix.keyIdAt(i) !== key) continue;
      const t = ix.timeAt(i);
      if ((q.from !== undefined && t < q.from) || (q.to !== undefined && t > q.to)) continue;
      if (picks.length === q.limit) return { picks, more: true };
      picks.push({ file, entry: ix.entry(i) });
    }
  }
  return { picks, more: false };
}

function summaryOf(p: Pick, frame: Uint8Array | undefined): (Summary & { detail: Detail }) | undefined {
  const c = frame && carried(p.entry.linkType, frame);
  if (!c) return undefined;
  const d = describe(c);
  return {
    id: messageId(p.file.n, p.entry.offset),
    time: isoMicros(p.entry.timeMicros),
    src: c.src,
    dst: c.dst,
    protocol: c.protocol,
    summary: d.summary,
    ...(d.callId !== undefined && { callId: d.callId }),
    detail: d.detail,
  };
}

/** Reads the picked blocks of one file, neighbours together; calls `take` with each block in order. */
async function readBlocks(file: XidFile, picks: readonly Pick[], take: (p: Pick, block: Uint8Array) => void) {
  const fh = await open(file.path, 'r');
  try {
    for (let i = 0; i < picks.length;) {
      const first = picks[i]!.entry;
      let j = i + 1;
      while (j < picks.length) {
        const e = picks[j]!.entry;
        if (e.offset + e.length - first.offset > PAGE_LIMITS.runBytes) break;
        j++;
      }
      const last = picks[j - 1]!.entry;
      const buf = new Uint8Array(last.offset + last.length - first.offset);
      await fh.read(buf, 0, buf.length, first.offset);
      for (let k = i; k < j; k++) {
        const e = picks[k]!.entry;
        take(picks[k]!, buf.subarray(e.offset - first.offset, e.offset - first.offset + e.length));
      }
      i = j;
    }
  } finally {
    await fh.close();
  }
}

/** One page of the XID's messages; undefined when the XID has no capture file. */
export async function readPage(
  catalog: CaptureCatalog,
  xid: string,
  q: PageQuery,
): Promise<Page | undefined> {
  const files = await catalog.files(xid);
  if (files.length === 0) return undefined;
  return pageOf(files, q);
}

/** One page from files already listed (the stream polls with this). */
export async function pageOf(files: readonly XidFile[], q: PageQuery): Promise<Page> {
  const { picks, more } = select(files, q);
  const messages: Summary[] = [];
  for (const file of files) {
    const mine = picks.filter((p) => p.file === file);
    if (mine.length === 0) continue;
    try {
      await readBlocks(file, mine, (p, block) => {
        const s = summaryOf(p, epbFrame(block));
        if (s) {
          const { detail: _detail, ...summary } = s;
          messages.push(summary);
        }
      });
    } catch (err) {
      // Purged since it was listed: its messages are gone.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const lastPick = picks[picks.length - 1];
  return {
    messages,
    next: more && lastPick ? messageId(lastPick.file.n, lastPick.entry.offset) : null,
  };
}

/** One message with its detail and frame; undefined when the id names none. */
export async function readMessage(
  catalog: CaptureCatalog,
  xid: string,
  id: string,
): Promise<(Summary & { detail: Detail; bytes: string }) | undefined> {
  const ref = await catalog.message(xid, id);
  if (!ref) return undefined;
  let out: (Summary & { detail: Detail; bytes: string }) | undefined;
  await readBlocks(ref.file, [{ file: ref.file, entry: ref.entry }], (p, block) => {
    const frame = epbFrame(block);
    const s = summaryOf(p, frame);
    if (s && frame) out = { ...s, bytes: Buffer.from(frame).toString('base64') };
  });
  return out;
}
