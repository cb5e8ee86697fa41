/**
 * The simple types of TS 103 221-1 and TS 103 280 (v2.17.1) as checks, and the canonical forms lix sends
 * (DESIGN.md "X1 wire format": 6-digit microsecond timestamps, lower-case UUIDs, expanded lower-case IPv6,
 * E.164 digits without `+`). Patterns carry over from the schema; XSD patterns are anchored implicitly.
 */

const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])';
const URI_CHARS = '[a-zA-Z0-9!#$&-;=?-\\[\\]_~%]+';

/** TS 103 280 pattern facets, by type name. */
export const PATTERNS = {
  UUID: /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/,
  QualifiedMicrosecondDateTime:
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}(Z|[+-][0-9]{2}:[0-9]{2})$/,
  Version: /^v1\.\d+\.\d+$/,
  InternationalE164: /^[0-9]{1,15}$/,
  IMSI: /^[0-9]{6,15}$/,
  IMEI: /^[0-9]{14}$/,
  IMEICheckDigit: /^[0-9]{15}$/,
  IMEISV: /^[0-9]{16}$/,
  IPv4Address: new RegExp(`^(${IPV4_OCTET}\\.){3}${IPV4_OCTET}$`),
  IPv4CIDR: new RegExp(`^(${IPV4_OCTET}\\.){3}${IPV4_OCTET}/([1-2]?[0-9]|3[0-2])$`),
  IPv6Address: /^([0-9a-f]{4}:){7}([0-9a-f]{4})$/,
  IPv6CIDR: /^([0-9a-f]{4}:){7}([0-9a-f]{4})\/(([1-9][0-9]?)|(1[0-1][0-9])|(12[0-8]))$/,
  MACAddress: /^([a-f0-9]{2}:){5}[a-f0-9]{2}$/,
  EUI64: /^([a-f0-9]{2}:){7}[a-f0-9]{2}$/,
  EmailAddress:
    /^[a-zA-Z0-9.!#$%&'*+\\/=?^_`{|}~-]+@[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/,
  // XSD `.` is any character but \n and \r; JavaScript's also excludes U+2028 and U+2029.
  InternationalizedEmailAddress: /^[^\n\r]+@[^\n\r]+$/,
  SIPURI: new RegExp(`^sips?:${URI_CHARS}$`),
  TELURI: new RegExp(`^tel:${URI_CHARS}$`),
  H323URI: new RegExp(`^h323:${URI_CHARS}$`),
  IMPU: new RegExp(`^${URI_CHARS}$`),
  GPSIMSISDN: /^[0-9]{1,15}$/,
  LIID: /^(([!-~]{1,25})|([0-9a-f]{26,50}))$/,
  HexBinary: /^([0-9a-fA-F]{2})*$/,
  GenericObjectType: /^Q\{[^{}]*\}[^\n\r]+$/,
} as const;

/** `ShortString` maximum length (TS 103 280). */
export const SHORT_STRING_MAX = 255;

/** XSD `xs:token` whitespace facet: collapse runs of white space and trim. */
export function collapse(s: string): string {
  return /[\t\n\r ]{2,}|^[\t\n\r ]|[\t\n\r ]$|[\t\n\r]/.test(s) ? s.replace(/[\t\n\r ]+/g, ' ').trim() : s;
}

/** XSD boolean lexical space. */
export function parseBoolean(s: string): boolean | undefined {
  switch (collapse(s)) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return undefined;
  }
}

/** XSD integer lexical space, limited to safe JavaScript integers (lix's documented bound). */
export function parseInteger(s: string): number | undefined {
  const t = collapse(s).replace(/^([+-]?)0+(?=[0-9])/, '$1');
  if (!/^[+-]?[0-9]{1,16}$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Formats microseconds since the epoch as a `QualifiedMicrosecondDateTime` in UTC. */
export function formatTimestamp(micros: bigint): string {
  const frac6 = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  // Whole seconds, rounded down (BigInt division rounds towards zero, wrong before 1970).
  const ms = Number((micros - frac6) / 1000n);
  const frac = frac6.toString().padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Parses a `QualifiedMicrosecondDateTime` into microseconds since the epoch; undefined when invalid. */
export function parseTimestamp(s: string): bigint | undefined {
  if (!PATTERNS.QualifiedMicrosecondDateTime.test(s)) return undefined;
  const y = num(s, 0, 4);
  const mo = num(s, 5, 7);
  const d = num(s, 8, 10);
  const h = num(s, 11, 13);
  const mi = num(s, 14, 16);
  const se = num(s, 17, 19);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const dim = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
  if (y === 0 || mo < 1 || mo > 12 || d < 1 || d > dim || h > 23 || mi > 59 || se > 59) return undefined; // XSD 1.0: no year 0000
  let offsetMin = 0;
  if (s.length > 27) {
    const oh = num(s, 27, 29);
    const om = num(s, 30, 32);
    if (oh > 14 || om > 59 || (oh === 14 && om > 0)) return undefined;
    offsetMin = (s[26] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const day = new Date(Date.UTC(2000, mo - 1, d, h, mi, se));
  day.setUTCFullYear(y); // Date.UTC would read years 0-99 as 1900-1999
  const ms = day.getTime() - offsetMin * 60_000;
  return BigInt(ms) * 1000n + BigInt(num(s, 20, 26));
}

/** The decimal number in `s[from, to)` (digits already checked by the pattern). */
function num(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** Expands any textual IPv6 address (`::`, embedded IPv4, upper case) to the schema's 8×4 lower-case form. */
export function expandIpv6(addr: string): string | undefined {
  let a = addr.toLowerCase();
  const zone = a.indexOf('%');
  if (zone !== -1) return undefined;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const o = v4[2]!.split('.').map(Number);
    if (o.some((x) => x > 255)) return undefined;
    a = `${v4[1]}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = a.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** E.164 digits as the schema wants them: a leading `+` and visual separators removed. */
export function canonicalE164(s: string): string {
  return s.replace(/^\+/, '').replace(/[\s.()-]/g, '');
}
