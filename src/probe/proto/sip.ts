/**
 * SIP inspector (RFC 3261 §7): start line, header fields (folded lines, compact forms of §7.3.3), and the
 * identities of the Request-URI, From, To, P-Asserted-Identity (RFC 3325 §9.1) and Contact. The body is
 * not read.
 */
import type { Identity, Inspection } from '../messages.js';
import { ProbeProtocolError } from './errors.js';
import { dedupe, uriIdentities } from './identity.js';

/** Wire constants and limits of the SIP inspector. */
export const SIP = {
  /** Header section read at most (the rest of a larger header section is refused). */
  maxHeaderBytes: 64 * 1024,
  maxHeaderFields: 256,
  /** Compact header names (RFC 3261 §7.3.3) that matter here → full lower-case names. */
  compact: new Map([
    ['f', 'from'],
    ['t', 'to'],
    ['m', 'contact'],
    ['i', 'call-id'],
  ]) as ReadonlyMap<string, string>,
  /** Status classes (RFC 3261 §21). */
  successMin: 200,
  successMax: 299,
  requestTimeout: 408,
  transactionDoesNotExist: 481,
  sessionKeyPrefix: 'sip:',
} as const;

const CR = 0x0d;
const LF = 0x0a;
const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 ([1-6][0-9]{2})(?: .*)?$/;
const CSEQ = /^([0-9]{1,10})\s+([A-Za-z0-9.!%*_+`'~-]+)$/;

const decoder = new TextDecoder('utf-8');
/** Header fields the inspector reads; the others are only checked for a name. */
const WANTED: ReadonlySet<string> = new Set([
  'from',
  'to',
  'p-asserted-identity',
  'contact',
  'call-id',
  'cseq',
]);

function fail(reason: string): never {
  throw new ProbeProtocolError('sip', reason);
}

/** Offset of the empty line that ends the header section (CRLFCRLF, or bare LFs), or -1. */
function headerEnd(b: Uint8Array): number {
  const limit = Math.min(b.length, SIP.maxHeaderBytes);
  for (let i = 0; i < limit; i++) {
    if (b[i] !== LF) continue;
    if (b[i + 1] === LF) return i;
    if (b[i + 1] === CR && b[i + 2] === LF) return i;
  }
  return -1;
}

/** Header lines with folded continuation lines (RFC 3261 §7.3.1) joined. */
function unfold(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const first = raw.charCodeAt(0);
    if ((first === 0x20 || first === 0x09) && lines.length > 1) {
      lines[lines.length - 1] += ' ' + raw.trim();
    } else {
      lines.push(raw);
    }
  }
  return lines;
}

/** Splits a header value at commas outside quotes and angle brackets (RFC 3261 §7.3.1). */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((s) => s !== '');
}

interface SipHeaders {
  readonly requestUri: string | undefined;
  readonly status: number | undefined;
  readonly fields: Map<string, string[]>;
}

function parseHead(payload: Uint8Array): SipHeaders {
  const end = headerEnd(payload);
  if (end < 0) fail('no end of the header section');
  const lines = unfold(decoder.decode(payload.subarray(0, end)));
  const start = lines[0] ?? '';
  const req = REQUEST_LINE.exec(start);
  const res = req ? null : STATUS_LINE.exec(start);
  if (!req && !res) fail('not a SIP/2.0 request or status line');
  if (lines.length - 1 > SIP.maxHeaderFields) fail(`more than ${SIP.maxHeaderFields} header fields`);
  const fields = new Map<string, string[]>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) fail(`header line ${i} has no name`);
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = raw.length === 1 ? (SIP.compact.get(raw) ?? raw) : raw;
    if (!WANTED.has(name)) continue;
    const value = line.slice(colon + 1).trim();
    const list = fields.get(name);
    if (list) list.push(value);
    else fields.set(name, [value]);
  }
  return { requestUri: req?.[2], status: res ? Number(res[1]) : undefined, fields };
}

/** Whether a response ends the dialog: see {@link inspectSip}. */
function ends(status: number | undefined, method: string): boolean {
  if (status === undefined) return false;
  const gone = status === SIP.requestTimeout || status === SIP.transactionDoesNotExist;
  if (method === 'BYE') return gone || (status >= SIP.successMin && status <= SIP.successMax);
  if (method === 'CANCEL') return gone;
  return false;
}

/**
 * Inspects one SIP message. Identities: the Request-URI, From, To, every P-Asserted-Identity and Contact
 * entry (see `uriIdentities`). Session key `sip:<Call-ID>`. The message ends the session when it is a 2xx,
 * 408 or 481 response to BYE, or a 408 or 481 to CANCEL. A 200 to CANCEL does not end it: the 487 to the
 * INVITE follows. No response to INVITE ends it: after a final response ≥ 300 the ACK of the same INVITE
 * transaction follows (RFC 3261 §17.1.1.3), and often a new INVITE with the same Call-ID (the retry after a
 * 401/407 challenge, §22.2); the dialog that never came up is then forgotten after the session table's idle
 * time (sessions exist only for intercepted traffic, so few linger).
 *
 * @throws ProbeProtocolError without a start line, end of headers, Call-ID or valid CSeq (§8.1.1).
 */
export function inspectSip(payload: Uint8Array): Inspection {
  const { requestUri, status, fields } = parseHead(payload);
  const callId = fields.get('call-id')?.[0];
  if (callId === undefined || callId === '') fail('no Call-ID');
  const cseq = CSEQ.exec(fields.get('cseq')?.[0] ?? '');
  if (!cseq) fail('no valid CSeq');
  const ids: Identity[] = [];
  if (requestUri !== undefined) uriIdentities(requestUri, ids);
  for (const name of ['from', 'to']) {
    const v = fields.get(name)?.[0];
    if (v !== undefined) uriIdentities(v, ids);
  }
  for (const name of ['p-asserted-identity', 'contact']) {
    for (const v of fields.get(name) ?? []) {
      for (const entry of splitHeaderList(v)) if (entry !== '*') uriIdentities(entry, ids);
    }
  }
  return {
    identities: dedupe(ids),
    sessionKeys: [SIP.sessionKeyPrefix + callId],
    endsSession: ends(status, cseq[2]!.toUpperCase()),
  };
}
