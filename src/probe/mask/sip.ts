/**
 * Key masking in SIP (RFC 3261 §20, §22, §25): in the authentication header fields, the digest `response`
 * (and `rspauth`) always, and with AKA (RFC 3310, `algorithm=AKAv1-MD5`/`AKAv2-MD5`) the `nonce`, which
 * carries RAND || AUTN (|| server data) in base64 (RFC 3310 §3.2), and `auts` (RFC 3310 §3.3); the `ik` and
 * `ck` parameters the S-CSCF gives the P-CSCF in a 401 (TS 24.229 §7.2A.1, TS 33.203 §7.1). Only the
 * characters of the value change (see MASK_FILLER); quotes, commas, folding and the lengths stay.
 */
import { runMasker, unsafe, type FillerKind, type MaskEdit, type MaskOutcome } from './edit.js';

/** Header fields that carry credentials or challenges (RFC 3261 §20.7, §20.27, §20.28, §20.44, §20.6). */
export const SIP_AUTH_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'www-authenticate',
  'proxy-authenticate',
  'authentication-info',
]);

/** Parameters masked in every authentication header field, and how. */
const ALWAYS: ReadonlyMap<string, FillerKind> = new Map([
  ['response', 'hex'],
  ['rspauth', 'hex'],
  ['auts', 'base64'],
  ['ck', 'hex'],
  ['ik', 'hex'],
]);
/** Parameters masked when the field's algorithm is AKA (their value carries RAND || AUTN). */
const WITH_AKA: ReadonlyMap<string, FillerKind> = new Map([
  ['nonce', 'base64'],
  ['nextnonce', 'base64'],
]);
const AKA_ALGORITHM = /^AKAv[0-9]+-/i;

/** A parameter's name and where its value is in the message (inside the quotes when quoted). */
interface Param {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

const latin1 = new TextDecoder('latin1');
const isLws = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
/** Stops a token or an unquoted value. */
const isStop = (c: string) => isLws(c) || c === ',' || c === '=' || c === '"';

/** End of the quoted string opening at `i` (the index of its closing quote), or unsafe. */
function closingQuote(s: string, i: number, end: number): number {
  for (let k = i + 1; k < end; k++) {
    if (s[k] === '\\') k++;
    else if (s[k] === '"') return k;
  }
  return unsafe(`unterminated quoted string at octet ${i}`);
}

/**
 * The `name=value` parameters of an authentication header value in `[p, q)` (RFC 3261 §25.1 auth-param;
 * several challenges or credentials in one field are read one after another). Read liberally: scheme names
 * and token68 credentials are passed over; only an unterminated quoted string cannot be read.
 */
function authParams(s: string, p: number, q: number): Param[] {
  const out: Param[] = [];
  let i = p;
  const skipLws = (k: number) => {
    while (k < q && isLws(s[k])) k++;
    return k;
  };
  while (i < q) {
    i = skipLws(i);
    if (i >= q) break;
    const c = s[i]!;
    if (c === ',' || c === '=') {
      i++;
      continue;
    }
    if (c === '"') {
      i = closingQuote(s, i, q) + 1;
      continue;
    }
    let j = i;
    while (j < q && !isStop(s[j]!)) j++;
    const name = s.slice(i, j).toLowerCase();
    const k = skipLws(j);
    if (s[k] !== '=') {
      i = j; // a scheme name or a token68
      continue;
    }
    const v = skipLws(k + 1);
    if (s[v] === '"') {
      const close = closingQuote(s, v, q);
      out.push({ name, start: v + 1, end: close });
      i = close + 1;
    } else {
      let m = v;
      while (m < q && !isLws(s[m]) && s[m] !== ',' && s[m] !== '"') m++;
      out.push({ name, start: v, end: m });
      i = m;
    }
  }
  return out;
}

function maskField(s: string, p: number, q: number, e: MaskEdit): void {
  const params = authParams(s, p, q);
  const aka = params.some((x) => x.name === 'algorithm' && AKA_ALGORITHM.test(s.slice(x.start, x.end)));
  for (const x of params) {
    const kind = ALWAYS.get(x.name) ?? (aka ? WITH_AKA.get(x.name) : undefined);
    if (kind !== undefined && x.end > x.start) e.fill(x.start, x.end, kind);
  }
}

/** Offset of the empty line that ends the header section, or -1. */
function headerEnd(s: string): number {
  const crlf = s.indexOf('\r\n\r\n');
  const lf = s.indexOf('\n\n');
  if (crlf < 0) return lf;
  return lf < 0 ? crlf : Math.min(crlf, lf);
}

/** Whether `b` contains "auth" in any case: every header field that can carry keys has it in its name. */
function mentionsAuth(b: Uint8Array): boolean {
  const LOWER = 0x20;
  for (let i = 0; i + 3 < b.length; i++) {
    if ((b[i]! | LOWER) !== 0x61) continue; // a
    if ((b[i + 1]! | LOWER) === 0x75 && (b[i + 2]! | LOWER) === 0x74 && (b[i + 3]! | LOWER) === 0x68)
      return true;
  }
  return false;
}

/**
 * Masks the keys of one SIP message (header section only; the body is not read). `unsafe` when the end of
 * the header section cannot be found or an authentication header field holds an unterminated quoted string.
 */
export function maskSip(payload: Uint8Array): MaskOutcome {
  return runMasker(payload, (e) => {
    if (!mentionsAuth(payload)) return; // no authentication header field: nothing to read
    const s = latin1.decode(payload);
    const end = headerEnd(s);
    if (end < 0) unsafe('no end of the header section');
    // Field starts: each line after the start line that does not begin with white space (folding, §7.3.1).
    let line = s.indexOf('\n') + 1;
    while (line > 0 && line <= end) {
      let next = s.indexOf('\n', line) + 1;
      while (next > 0 && next <= end && (s[next] === ' ' || s[next] === '\t'))
        next = s.indexOf('\n', next) + 1;
      const fieldEnd = next > 0 && next <= end + 1 ? next : end;
      const colon = s.indexOf(':', line);
      if (colon > 0 && colon < fieldEnd) {
        const name = s.slice(line, colon).trim().toLowerCase();
        if (SIP_AUTH_HEADERS.has(name)) maskField(s, colon + 1, Math.min(fieldEnd, end + 1), e);
      }
      line = next;
    }
  });
}
