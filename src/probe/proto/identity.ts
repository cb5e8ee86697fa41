/**
 * Identity normalisation, shared by the inspectors (values captured in signalling) and the target index
 * (X1 target values), so that equal identities become equal strings. {@link normaliseIdentity} is the one
 * entry point; the rules, by kind:
 *
 * - `sipUri` (RFC 3261 §19.1): `sip:user@host`. Display name, angle brackets, password, port, URI parameters
 *   and headers are dropped; the scheme and host are lower-cased; `sips:` becomes `sip:` (a target is the
 *   subscriber, whichever transport security the URI asks for, unlike the §19.1.4 equality rule); the user
 *   part keeps its case, and its `%XX` escapes of unreserved characters are decoded (§19.1.4), others
 *   upper-cased. An IPv6 host is written `[RFC 5952 canonical]`; an unbracketed IPv6 host with a trailing
 *   `:port` (seen in the wild) is read as such.
 * - `telUri` (RFC 3966 §3, §5.1.1): `tel:+digits` for a global number, `tel:digits` for a local one, visual
 *   separators `-.()` removed, parameters (`phone-context`, `ext`, `isub` ...) dropped.
 * - `impu` (TS 23.003 §13.4): a SIP or tel URI normalised as above; any other URI only trimmed, with its
 *   scheme lower-cased.
 * - `impi` (TS 23.003 §13.3, an NAI of RFC 7542): trimmed, the realm after the last `@` lower-cased.
 * - `e164Number` (ITU-T E.164, as TS 103 280 `InternationalE164`): digits only, no `+`, visual separators
 *   removed; 1 to 15 digits.
 * - `imsi` (TS 23.003 §2.1): 5 to 15 digits.
 * - `imei` (TS 23.003 §6.2): the 14-digit TAC + SNR. A 15-digit IMEI loses its check digit and a 16-digit
 *   IMEISV its SVN, both in targets (`imei`, `peiImei`, `peiImeiCheckDigit`, `peiImeisv`) and in messages
 *   (GTPv2 MEI, Diameter Terminal-Information), so one handset is one identity whatever form carries it.
 *
 * A value that does not fit its kind normalises to `undefined`.
 */
import { formatIpv6, parseIpv6 } from '../../stm/ip.js';
import type { Identity, IdentityKind } from '../messages.js';

const LIMITS = {
  e164MaxDigits: 15,
  imsiMinDigits: 5,
  imsiMaxDigits: 15,
  imeiDigits: 14,
  imeiWithCheckDigit: 15,
  imeisvDigits: 16,
} as const;

const VISUAL_SEPARATORS = /[-.()]/g;
const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;
const PERCENT_ESCAPE = /%([0-9A-Fa-f]{2})/g;

/** The normalised form of `raw` as an identity of `kind`, or undefined when it is not one. */
export function normaliseIdentity(kind: IdentityKind, raw: string): string | undefined {
  const text = raw.trim();
  switch (kind) {
    case 'sipUri':
      return normaliseSipUri(text);
    case 'telUri':
      return normaliseTelUri(text);
    case 'impu':
      return normaliseImpu(text);
    case 'impi':
      return normaliseImpi(text);
    case 'e164Number':
      return normaliseE164(text);
    case 'imsi':
      return digitsBetween(text, LIMITS.imsiMinDigits, LIMITS.imsiMaxDigits);
    case 'imei':
      return normaliseImei(text);
  }
}

function digitsBetween(text: string, min: number, max: number): string | undefined {
  if (text.length < min || text.length > max) return undefined;
  return /^[0-9]+$/.test(text) ? text : undefined;
}

/** E.164 digits without `+` and visual separators, or undefined. */
function normaliseE164(text: string): string | undefined {
  const digits = text.replace(VISUAL_SEPARATORS, '').replace(/^\+/, '');
  return digitsBetween(digits, 1, LIMITS.e164MaxDigits);
}

function normaliseImei(text: string): string | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = text.length;
  if (n !== LIMITS.imeiDigits && n !== LIMITS.imeiWithCheckDigit && n !== LIMITS.imeisvDigits)
    return undefined;
  return text.slice(0, LIMITS.imeiDigits);
}

function normaliseImpi(text: string): string | undefined {
  if (text === '') return undefined;
  const at = text.lastIndexOf('@');
  return at < 0 ? text : text.slice(0, at + 1) + text.slice(at + 1).toLowerCase();
}

function normaliseImpu(text: string): string | undefined {
  const bare = stripNameAddr(text);
  const colon = bare.indexOf(':');
  if (colon <= 0) return bare === '' ? undefined : bare;
  const scheme = bare.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return normaliseSipUri(bare);
  if (scheme === 'tel') return normaliseTelUri(bare);
  return scheme + bare.slice(colon);
}

/** The URI inside `"Name" <uri>;params`, or the text itself when it has no angle brackets. */
export function stripNameAddr(text: string): string {
  const lt = text.indexOf('<');
  if (lt < 0) return text.trim();
  const gt = text.indexOf('>', lt + 1);
  return text.slice(lt + 1, gt < 0 ? text.length : gt).trim();
}

/** The parts of a SIP URI that identities are built from. */
export interface SipUriParts {
  /** User part (escapes normalised), `''` when the URI has none. */
  readonly user: string;
  /** Lower-case host; IPv6 in brackets, canonical. */
  readonly host: string;
  /** True when the URI carries `user=phone` (RFC 3261 §19.1.1). */
  readonly userPhone: boolean;
}

/** Splits a SIP or SIPS URI (no display name) into user, host and `user=phone`; undefined if it is not one. */
export function parseSipUri(text: string): SipUriParts | undefined {
  const bare = stripNameAddr(text);
  const m = /^sips?:/i.exec(bare);
  if (!m) return undefined;
  const rest = bare.slice(m[0].length);
  const at = rest.indexOf('@');
  const userInfo = at < 0 ? '' : rest.slice(0, at);
  const afterUser = at < 0 ? rest : rest.slice(at + 1);
  const end = afterUser.search(/[;?]/);
  const hostPort = end < 0 ? afterUser : afterUser.slice(0, end);
  const params = end < 0 ? '' : afterUser.slice(end);
  const host = normaliseHost(hostPort);
  if (host === undefined) return undefined;
  const colon = userInfo.indexOf(':');
  const user = normaliseEscapes(colon < 0 ? userInfo : userInfo.slice(0, colon));
  if (at >= 0 && user === '') return undefined;
  return { user, host, userPhone: /;user=phone(?=;|\?|$)/i.test(params) };
}

function normaliseSipUri(text: string): string | undefined {
  const p = parseSipUri(text);
  if (!p) return undefined;
  return p.user === '' ? `sip:${p.host}` : `sip:${p.user}@${p.host}`;
}

function normaliseEscapes(user: string): string {
  if (!user.includes('%')) return user;
  return user.replace(PERCENT_ESCAPE, (esc, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : esc.toUpperCase();
  });
}

/** Lower-case host without port; IPv6 as `[canonical]`. */
function normaliseHost(hostPort: string): string | undefined {
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    const v6 = close < 0 ? undefined : parseIpv6(hostPort.slice(1, close));
    return v6 ? `[${formatIpv6(v6)}]` : undefined;
  }
  const colon = hostPort.indexOf(':');
  if (colon >= 0 && hostPort.indexOf(':', colon + 1) >= 0) {
    const v6 = parseIpv6(hostPort) ?? parseIpv6(hostPort.slice(0, hostPort.lastIndexOf(':')));
    return v6 ? `[${formatIpv6(v6)}]` : undefined;
  }
  const host = (colon >= 0 ? hostPort.slice(0, colon) : hostPort).toLowerCase();
  return /^[a-z0-9\-_.]+$/.test(host) ? host : undefined;
}

/** The number of a tel URI (RFC 3966 §3): `+digits` (global) or local digits, separators removed. */
export function telNumber(text: string): string | undefined {
  const bare = stripNameAddr(text);
  if (!/^tel:/i.test(bare)) return undefined;
  const semi = bare.indexOf(';', 4);
  const num = (semi < 0 ? bare.slice(4) : bare.slice(4, semi)).replace(VISUAL_SEPARATORS, '');
  if (/^\+[0-9]+$/.test(num)) return num;
  return /^[0-9A-Fa-f*#]+$/.test(num) ? num.toUpperCase() : undefined;
}

function normaliseTelUri(text: string): string | undefined {
  const n = telNumber(text);
  return n === undefined ? undefined : `tel:${n}`;
}

/**
 * The E.164 number a SIP user part or tel number stands for: a global number (`+digits`, RFC 3966 §5.1.4),
 * or, with `user=phone`, a number of digits only (RFC 3261 §19.1.1; lix reads it as E.164 as is).
 */
export function e164OfUser(user: string, userPhone: boolean): string | undefined {
  const semi = user.indexOf(';');
  const num = (semi < 0 ? user : user.slice(0, semi)).replace(VISUAL_SEPARATORS, '');
  if (num.startsWith('+') || userPhone) return normaliseE164(num);
  return undefined;
}

/**
 * The identities one URI found in signalling stands for: a SIP URI is a `sipUri` and an `impu`, a tel URI a
 * `telUri` and an `impu`, and either also an `e164Number` when it carries a global (or `user=phone`) number.
 * Other schemes (`urn:`, `mailto:` ...) give none.
 */
export function uriIdentities(text: string, out: Identity[]): void {
  const bare = stripNameAddr(text);
  const sip = parseSipUri(bare);
  if (sip) {
    const value = sip.user === '' ? `sip:${sip.host}` : `sip:${sip.user}@${sip.host}`;
    out.push({ kind: 'sipUri', value }, { kind: 'impu', value });
    const e164 = sip.user === '' ? undefined : e164OfUser(sip.user, sip.userPhone);
    if (e164 !== undefined) out.push({ kind: 'e164Number', value: e164 });
    return;
  }
  const tel = telNumber(bare);
  if (tel === undefined) return;
  out.push({ kind: 'telUri', value: `tel:${tel}` }, { kind: 'impu', value: `tel:${tel}` });
  const e164 = e164OfUser(tel, false);
  if (e164 !== undefined) out.push({ kind: 'e164Number', value: e164 });
}

/** Above this many identities {@link dedupe} hashes instead of scanning (hostile lists of thousands). */
const DEDUPE_SCAN_MAX = 16;

/** `ids` without repeated (kind, value) pairs, first occurrence kept. */
export function dedupe(ids: readonly Identity[]): Identity[] {
  const out: Identity[] = [];
  if (ids.length > DEDUPE_SCAN_MAX) {
    const seen = new Set<string>();
    for (const id of ids) {
      const k = `${id.kind}:${id.value}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(id);
    }
    return out;
  }
  outer: for (const id of ids) {
    for (const o of out) if (o.value === id.value && o.kind === id.kind) continue outer;
    out.push(id);
  }
  return out;
}
