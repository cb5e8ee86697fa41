/**
 * Textual IP addresses ↔ network-order bytes, without node:net (the codecs do no I/O). IPv4 is dotted quad
 * (RFC 791); IPv6 text follows RFC 4291 §2.2 on input and the canonical RFC 5952 §4 form on output.
 */

export const IPV4_BYTES = 4;
export const IPV6_BYTES = 16;
const IPV6_GROUPS = 8;
const MAX_OCTET = 255;

const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_DIGITS = 3;

/** Parses a dotted-quad IPv4 address; undefined when it is not one (no leading zeros beyond "0"). */
export function parseIpv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(IPV4_BYTES);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? DOT : text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || part === IPV4_BYTES) return undefined;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= ZERO && c <= NINE) {
      if (digits > 0 && value === 0) return undefined; // leading zero
      value = value * 10 + (c - ZERO);
      if (++digits > MAX_DIGITS || value > MAX_OCTET) return undefined;
    } else {
      return undefined;
    }
  }
  return part === IPV4_BYTES ? out : undefined;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      groups.push(parseInt(p, 16));
    }
  }
  return groups;
}

/** Parses an IPv6 address (RFC 4291 §2.2 forms 1-3, no zone index); undefined when it is not one. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = IPV6_GROUPS - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(IPV6_BYTES);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * Dotted quads already made, by address: the decoder formats two addresses per packet, mostly of a few peers.
 * Handing out the same string also saves rehashing it in every map keyed by it. Cleared when full.
 */
const IPV4_TEXTS = new Map<number, string>();
const IPV4_TEXTS_MAX = 65_536;

/** Dotted quad of 4 bytes at `off`. */
export function formatIpv4(b: Uint8Array, off = 0): string {
  if (off < 0 || off + IPV4_BYTES > b.length) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  const key = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
  let text = IPV4_TEXTS.get(key);
  if (text === undefined) {
    text = `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
    if (IPV4_TEXTS.size >= IPV4_TEXTS_MAX) IPV4_TEXTS.clear();
    IPV4_TEXTS.set(key, text);
  }
  return text;
}

/** RFC 5952 §4 canonical text of 16 bytes at `off`: lower case, no leading zeros, longest zero run (≥ 2) as "::". */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < IPV6_GROUPS; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < IPV6_GROUPS;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < IPV6_GROUPS && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** The bytes of an IPv4 or IPv6 address text, or undefined. */
export function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}
