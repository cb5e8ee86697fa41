/**
 * Key masking in GTPv2-C (TS 29.274): the IEs of the message (and of a piggybacked message, §5.5.1) are
 * walked, grouped IEs recursively; the key fields of every MM Context IE (§8.38, types 103-108) are masked
 * (see gtpv2-mm-context.ts). IE types, lengths and instances stay.
 */
import { runMasker, unsafe, type MaskEdit, type MaskOutcome } from './edit.js';
import { isMmContext, maskMmContext } from './gtpv2-mm-context.js';

/** GTPv2-C framing (TS 29.274 §5.1, §8.2.1). */
const FRAME = {
  version: 2,
  versionShift: 5,
  flagPiggyback: 0x10,
  flagTeid: 0x08,
  fixedBytes: 4,
  headerWithTeid: 12,
  headerWithoutTeid: 8,
  ieHeaderBytes: 4,
  maxDepth: 8,
} as const;

/**
 * Grouped IEs (TS 29.274 Table 8.1-1): Bearer Context (93), PDN Connection (109), Overload Control
 * Information (180), Load Control Information (181), Remote UE Context (191), SCEF PDN Connection (195).
 * Walked so that an MM Context would be found inside one too.
 */
export const GTPV2_GROUPED_IES: ReadonlySet<number> = new Set([93, 109, 180, 181, 191, 195]);

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;

function walkIes(b: Uint8Array, start: number, end: number, depth: number, e: MaskEdit): void {
  let o = start;
  while (o < end) {
    if (end - o < FRAME.ieHeaderBytes) unsafe(`truncated IE header at octet ${o}`);
    const type = b[o]!;
    const v = o + FRAME.ieHeaderBytes;
    const vEnd = v + u16(b, o + 1);
    if (vEnd > end) unsafe(`IE ${type} at octet ${o} runs past its container`);
    if (isMmContext(type)) maskMmContext(type, b, v, vEnd, e);
    else if (GTPV2_GROUPED_IES.has(type)) {
      if (depth >= FRAME.maxDepth) unsafe('grouped IEs nested too deep');
      walkIes(b, v, vEnd, depth + 1, e);
    }
    o = vEnd;
  }
}

/** Masks the message at `off`; returns where it ends and whether a piggybacked message follows. */
function maskOne(b: Uint8Array, off: number, e: MaskEdit): { end: number; piggyback: boolean } {
  if (b.length - off < FRAME.headerWithoutTeid) unsafe('shorter than the 8-octet header');
  const flags = b[off]!;
  if (flags >> FRAME.versionShift !== FRAME.version)
    unsafe(`version ${flags >> FRAME.versionShift} is not 2`);
  const header = flags & FRAME.flagTeid ? FRAME.headerWithTeid : FRAME.headerWithoutTeid;
  const end = off + FRAME.fixedBytes + u16(b, off + 2);
  if (end - off < header) unsafe('length field shorter than the header');
  if (end > b.length) unsafe('length field runs past the datagram');
  walkIes(b, off + header, end, 0, e);
  return { end, piggyback: (flags & FRAME.flagPiggyback) !== 0 };
}

/**
 * Masks the keys of one GTPv2-C datagram. `unsafe` when the header, the IE framing or an MM Context cannot
 * be read, or octets follow the message that are not a piggybacked message.
 */
export function maskGtpv2(payload: Uint8Array): MaskOutcome {
  return runMasker(payload, (e) => {
    let { end, piggyback } = maskOne(payload, 0, e);
    if (piggyback && end < payload.length) ({ end, piggyback } = maskOne(payload, end, e));
    if (end !== payload.length) unsafe('octets after the end of the message');
  });
}
