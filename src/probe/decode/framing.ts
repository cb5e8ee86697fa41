/**
 * Message boundaries: SIP on a stream by its header block and Content-Length (RFC 3261 §18.3, §20.14, compact
 * form `l`, §7.3.3), Diameter by the 24-bit length of its header (RFC 6733 §3), and GTPv2-C messages
 * piggybacked in one datagram (3GPP TS 29.274 §5.5.1). Pure.
 */
import { DIAMETER, diameterLength, GTPV2, isSipStart, SIP_START_LINE_MAX } from './classify.js';

/** What lies at the start of a stream buffer. */
export type FrameResult =
  | { readonly kind: 'message'; readonly length: number }
  /** Bytes to drop before the next message (CRLF keep-alives, RFC 5626 §3.5.1). */
  | { readonly kind: 'skip'; readonly length: number }
  | { readonly kind: 'need-more' }
  | { readonly kind: 'bad' }
  | { readonly kind: 'too-large' };

const CR = 0x0d;
const LF = 0x0a;
/** A SIP header block longer than this without its blank line is not SIP. */
export const SIP_MAX_HEADER = 64 * 1024;
const NEED_MORE: FrameResult = { kind: 'need-more' };
const BAD: FrameResult = { kind: 'bad' };
const TOO_LARGE: FrameResult = { kind: 'too-large' };
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/i;

/** Offset just past the CRLFCRLF that ends the header block, or -1. */
function headerEnd(b: Uint8Array, limit: number): number {
  const n = Math.min(b.length, limit);
  for (let i = 3; i < n; i++) {
    if (b[i] === LF && b[i - 1] === CR && b[i - 2] === LF && b[i - 3] === CR) return i + 1;
  }
  return -1;
}

/** The Content-Length of a header block (0 when absent), or undefined when a value is unreadable. */
function contentLength(head: Uint8Array): number | undefined {
  let text = '';
  for (let i = 0; i < head.length; i++) text += String.fromCharCode(head[i]!);
  for (const line of text.split('\r\n').slice(1)) {
    if (!/^(?:content-length|l)[ \t]*:/i.test(line)) continue;
    const m = CONTENT_LENGTH.exec(line);
    return m ? Number(m[1]) : undefined;
  }
  return 0;
}

/** Leading CRLFs (keep-alives between messages). */
function leadingCrlf(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && (b[i] === CR || b[i] === LF)) i++;
  return i;
}

/** The first SIP message of a stream buffer that starts at a message boundary. */
export function frameSip(b: Uint8Array, maxMessage: number): FrameResult {
  const skip = leadingCrlf(b);
  if (skip > 0) return { kind: 'skip', length: skip };
  // Judge the start line as soon as it is complete, so that junk is not buffered up to the header limit.
  const lf = b.subarray(0, SIP_START_LINE_MAX).indexOf(LF);
  if (lf < 0 ? b.length >= SIP_START_LINE_MAX : !isSipStart(b)) return BAD;
  const end = headerEnd(b, SIP_MAX_HEADER);
  if (end < 0) {
    if (b.length >= SIP_MAX_HEADER) return BAD;
    return b.length >= maxMessage ? TOO_LARGE : NEED_MORE;
  }
  const body = contentLength(b.subarray(0, end));
  if (body === undefined) return BAD;
  const length = end + body;
  if (length > maxMessage) return TOO_LARGE;
  return b.length >= length ? { kind: 'message', length } : NEED_MORE;
}

/** The first Diameter message of a stream buffer that starts at a message boundary. */
export function frameDiameter(b: Uint8Array, maxMessage: number): FrameResult {
  if (b.length === 0) return NEED_MORE;
  if (b[0] !== DIAMETER.version) return BAD;
  if (b.length < DIAMETER.align) return NEED_MORE;
  const length = diameterLength(b);
  if (length < DIAMETER.header || length % DIAMETER.align !== 0) return BAD;
  if (length > maxMessage) return TOO_LARGE;
  return b.length >= length ? { kind: 'message', length } : NEED_MORE;
}

/**
 * The GTPv2-C messages of one datagram: the first, and those piggybacked after it while the P flag is set.
 * Undefined when a length field runs past the datagram or a piggybacked message is not GTPv2.
 */
export function splitGtpv2(b: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (let off = 0; ;) {
    if (b.length - off < GTPV2.fixedOctets || b[off]! >> GTPV2.versionShift !== GTPV2.version)
      return undefined;
    const length = GTPV2.fixedOctets + ((b[off + 2]! << 8) | b[off + 3]!);
    if (off + length > b.length) return undefined;
    out.push(b.subarray(off, off + length));
    if ((b[off]! & GTPV2.flagPiggyback) === 0) return out;
    off += length;
  }
}
