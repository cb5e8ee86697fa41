/**
 * X1 target identifiers (TS 103 221-1 §6.2.1.2, types of TS 103 280) turned into what the index looks up:
 * a normalised identity (same rules as the inspectors, `proto/identity.ts`), an address, a CIDR prefix, a
 * set of ports or a port range. Qualifiers (callPartyRole, nonLocalIdentifier) give nothing to look up.
 */
import { LixError } from '../../lib/errors.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../stm/ip.js';
import type { TargetIdentifier, TargetKind } from '../../x1/model.js';
import { normaliseIdentity } from '../proto/identity.js';
import { IP_PROTO, type IdentityKind } from '../messages.js';

/** Why a target list cannot be indexed. */
export const TARGET_INDEX_ERROR_KINDS = [
  /** A target kind the probe cannot see in its protocols (macAddress, h323Uri, hashedIdentifier ...). */
  'unsupported-kind',
  /** A value that does not normalise (an IMEI of 13 digits, a bad CIDR ...). */
  'invalid-value',
  /** Only qualifiers, nothing to match on. */
  'no-identifier',
  /** More identifiers than {@link MAX_IDENTIFIERS_PER_TASK}. */
  'too-many-identifiers',
] as const;
export type TargetIndexErrorKind = (typeof TARGET_INDEX_ERROR_KINDS)[number];

/** The typed error of `TargetIndex.add`. */
export class TargetIndexError extends LixError<TargetIndexErrorKind> {}

/** Identifiers of one task the index can AND together (one bit each). */
export const MAX_IDENTIFIERS_PER_TASK = 30;

/** X1 target kinds matched as identities, and the identity kind each stands for. */
export const IDENTITY_TARGETS: Readonly<Partial<Record<TargetKind, IdentityKind>>> = {
  sipUri: 'sipUri',
  telUri: 'telUri',
  impu: 'impu',
  impi: 'impi',
  e164Number: 'e164Number',
  gpsiMsisdn: 'e164Number',
  imsi: 'imsi',
  supiimsi: 'imsi',
  imei: 'imei',
  peiImei: 'imei',
  peiImeiCheckDigit: 'imei',
  peiImeisv: 'imei',
};

/** Target kinds that qualify another identifier; accepted and not matched on. */
export const QUALIFIER_TARGETS: ReadonlySet<TargetKind> = new Set(['callPartyRole', 'nonLocalIdentifier']);

const IPV4_BITS = 32;
const IPV6_BITS = 128;

/** One thing to look up for one target identifier. */
export type CompiledTarget =
  | { readonly index: 'identity'; readonly kind: IdentityKind; readonly value: string }
  | { readonly index: 'address'; readonly value: string }
  | { readonly index: 'cidr'; readonly family: 4 | 6; readonly prefix: number; readonly key: string }
  | { readonly index: 'port'; readonly transport: number; readonly ports: readonly number[] }
  | { readonly index: 'range'; readonly transport: number; readonly start: number; readonly end: number };

function invalid(t: TargetIdentifier, why: string): never {
  throw new TargetIndexError('invalid-value', `${t.kind}: ${why}`);
}

/** The key of an address's first `prefix` bits: IPv4 as a number, IPv6 as hex nibbles (see `cidr.ts`). */
export function prefixKey(bytes: Uint8Array, prefix: number): string {
  let key = '';
  for (let bit = 0; bit < prefix; bit += 8) {
    const left = prefix - bit;
    const octet = bytes[bit >> 3]!;
    const masked = left >= 8 ? octet : octet & ((0xff << (8 - left)) & 0xff);
    key += masked.toString(16).padStart(2, '0');
  }
  return key;
}

function cidr(t: TargetIdentifier, text: string, family: 4 | 6): CompiledTarget {
  const slash = text.indexOf('/');
  const bytes =
    slash < 0 ? undefined : family === 4 ? parseIpv4(text.slice(0, slash)) : parseIpv6(text.slice(0, slash));
  const prefix = Number(text.slice(slash + 1));
  const max = family === 4 ? IPV4_BITS : IPV6_BITS;
  if (!bytes || !Number.isInteger(prefix) || prefix < 0 || prefix > max) invalid(t, `bad CIDR ${text}`);
  return { index: 'cidr', family, prefix, key: prefixKey(bytes, prefix) };
}

function port(t: TargetIdentifier, p: number): number {
  if (!Number.isInteger(p) || p < 0 || p > 0xffff) invalid(t, `bad port ${p}`);
  return p;
}

/**
 * What to look up for `t`, undefined for a qualifier.
 *
 * @throws TargetIndexError for a kind the probe cannot match or a value that does not normalise.
 */
export function compileTarget(t: TargetIdentifier): CompiledTarget | undefined {
  if (QUALIFIER_TARGETS.has(t.kind)) return undefined;
  const idKind = IDENTITY_TARGETS[t.kind];
  if (idKind !== undefined) {
    const value = typeof t.value === 'string' ? normaliseIdentity(idKind, t.value) : undefined;
    if (value === undefined) invalid(t, `not a valid ${idKind}`);
    return { index: 'identity', kind: idKind, value };
  }
  switch (t.kind) {
    case 'ipv4Address':
    case 'ipv6Address': {
      const b = t.kind === 'ipv4Address' ? parseIpv4(t.value) : parseIpv6(t.value);
      if (!b) invalid(t, `bad address ${t.value}`);
      return { index: 'address', value: t.kind === 'ipv4Address' ? formatIpv4(b) : formatIpv6(b) };
    }
    case 'ipv4Cidr':
      return cidr(t, t.value.value, t.value.family === 'IPv4CIDR' ? 4 : 6);
    case 'ipv6Cidr':
      return cidr(t, t.value, 6);
    case 'tcpPort':
    case 'udpPort':
      return { index: 'port', transport: transportOf(t.kind), ports: [port(t, t.value)] };
    case 'tcpPortList':
    case 'udpPortList':
      return { index: 'port', transport: transportOf(t.kind), ports: t.value.map((p) => port(t, p)) };
    case 'tcpPortRange':
    case 'udpPortRange': {
      const start = port(t, t.value.start);
      const end = port(t, t.value.end);
      if (start > end) invalid(t, `range ${start}-${end} is empty`);
      return { index: 'range', transport: transportOf(t.kind), start, end };
    }
    default:
      throw new TargetIndexError('unsupported-kind', `target kind ${t.kind} cannot be matched by the probe`);
  }
}

function transportOf(kind: TargetKind): number {
  return kind.startsWith('tcp') ? IP_PROTO.tcp : IP_PROTO.udp;
}
