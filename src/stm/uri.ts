/**
 * STM destination URIs (DESIGN.md "STM reports"): `eep+udp://host:port`, `eep+tcp://host:port`,
 * `eep+tls://host:port`, `eep+dtls://host:port`, `eep+sctp://host:port`, `gre-pcapng+udp://host[:4754]`,
 * `gre-pcapng+dtls://host:port`. `?id=HEP3|EEP1|EEP3` picks the
 * EEP protocol ID (default HEP3); `?identity=ID` (secured schemes only) names the consumer identity that the
 * consumer's certificate must carry (TS 33.501 §5.9.4.2); `?mtu=N` (DTLS schemes only) is the path MTU that
 * records are packed to (default 1500). IPv6 literals go in brackets: `eep+udp://[::1]:9060`.
 */
import { LixError } from '../lib/errors.js';
import { EEP_PROTOCOL_IDS, type EepProtocolId } from './eep.js';
import { GRE_UDP_PORT } from './gre.js';
import type { DeliveryAddress } from '../x1/model.js';
import type { Refusal } from '../x1/targets.js';

/** The URI schemes and what each means. */
export const STM_SCHEMES = {
  'eep+udp': { encoding: 'eep', transport: 'udp' },
  'eep+tcp': { encoding: 'eep', transport: 'tcp' },
  'eep+tls': { encoding: 'eep', transport: 'tls' },
  'eep+dtls': { encoding: 'eep', transport: 'dtls' },
  'eep+sctp': { encoding: 'eep', transport: 'sctp' },
  'gre-pcapng+udp': { encoding: 'gre-pcapng', transport: 'udp' },
  'gre-pcapng+dtls': { encoding: 'gre-pcapng', transport: 'dtls' },
} as const;
export type StmScheme = keyof typeof STM_SCHEMES;
export type StmTransport = (typeof STM_SCHEMES)[StmScheme]['transport'];

/** Transports that authenticate the consumer by its certificate (and so may carry `?identity=`). */
export const SECURED_TRANSPORTS: readonly StmTransport[] = ['tls', 'dtls'];

/** Path MTUs accepted in `?mtu=`: IPv4's minimum datagram to the largest IP packet. */
export const MTU_RANGE = { min: 576, max: 65_535 } as const;

/** Longest consumer identity accepted in a URI. */
const MAX_IDENTITY = 255;

const MAX_PORT = 0xffff;

/** A URI that is not an STM destination we can use. */
export class StmUriError extends LixError<'bad-uri'> {
  constructor(
    readonly uri: string,
    why: string,
  ) {
    super('bad-uri', `bad STM URI "${uri}": ${why}`);
  }
}

export interface StmUri {
  readonly scheme: StmScheme;
  readonly encoding: 'eep' | 'gre-pcapng';
  readonly transport: StmTransport;
  /** Host name or address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  readonly protocolId: EepProtocolId;
  /** The consumer identity its certificate must name (`?identity=`), secured transports only. */
  readonly identity?: string;
  /** DTLS: the path MTU records are packed to (`?mtu=`); absent = the sender's default. */
  readonly mtu?: number;
  /** The URI as given (for logs and file names). */
  readonly text: string;
}

function isScheme(s: string): s is StmScheme {
  return Object.hasOwn(STM_SCHEMES, s);
}

function protocolIdOf(uri: string, url: URL): EepProtocolId {
  for (const key of url.searchParams.keys())
    if (key !== 'id' && key !== 'identity' && key !== 'mtu')
      throw new StmUriError(uri, `unknown parameter "${key}"`);
  const id = url.searchParams.get('id');
  if (id === null) return 'HEP3';
  const known = EEP_PROTOCOL_IDS.find((x) => x === id.toUpperCase());
  if (!known) throw new StmUriError(uri, `id must be one of ${EEP_PROTOCOL_IDS.join(', ')}, not "${id}"`);
  return known;
}

/**
 * Parses an STM destination or listen URI. Throws {@link StmUriError} for an unknown scheme, a missing host
 * or port (only `gre-pcapng+udp` has a default, 4754), a path, user info or an unknown parameter. Port 0 is
 * accepted (a listener then takes an ephemeral port); senders refuse it.
 */
export function parseStmUri(uri: string): StmUri {
  const m = /^([a-z0-9+.-]+):\/\//i.exec(uri);
  if (!m) throw new StmUriError(uri, 'expected scheme://host:port');
  const scheme = m[1]!.toLowerCase();
  if (!isScheme(scheme))
    throw new StmUriError(uri, `unknown scheme "${scheme}" (known: ${Object.keys(STM_SCHEMES).join(', ')})`);
  let url: URL;
  try {
    url = new URL(`http://${uri.slice(m[0].length)}`);
  } catch {
    throw new StmUriError(uri, 'cannot parse host and port');
  }
  if (url.username || url.password) throw new StmUriError(uri, 'user information is not allowed');
  if (url.pathname !== '/' || url.hash) throw new StmUriError(uri, 'a path or fragment is not allowed');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new StmUriError(uri, 'host missing');
  const def = scheme === 'gre-pcapng+udp' ? GRE_UDP_PORT : undefined;
  const port = url.port === '' ? def : Number(url.port);
  if (port === undefined) throw new StmUriError(uri, 'port missing');
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new StmUriError(uri, 'bad port');
  const protocolId = protocolIdOf(uri, url);
  if (STM_SCHEMES[scheme].encoding === 'gre-pcapng' && url.searchParams.has('id'))
    throw new StmUriError(uri, 'id applies to EEP schemes only');
  const identity = identityOf(uri, url, STM_SCHEMES[scheme].transport);
  const mtu = mtuOf(uri, url, STM_SCHEMES[scheme].transport);
  return {
    scheme,
    ...STM_SCHEMES[scheme],
    host,
    port,
    protocolId,
    ...(identity && { identity }),
    ...(mtu !== undefined && { mtu }),
    text: uri,
  };
}

function mtuOf(uri: string, url: URL, transport: StmTransport): number | undefined {
  const all = url.searchParams.getAll('mtu');
  if (all.length === 0) return undefined;
  if (transport !== 'dtls') throw new StmUriError(uri, 'mtu applies to DTLS schemes only');
  const n = all.length === 1 && /^[0-9]{1,5}$/.test(all[0]!) ? Number(all[0]) : NaN;
  if (!(n >= MTU_RANGE.min && n <= MTU_RANGE.max))
    throw new StmUriError(
      uri,
      `mtu must be given once, an integer from ${MTU_RANGE.min} to ${MTU_RANGE.max}`,
    );
  return n;
}

function identityOf(uri: string, url: URL, transport: StmTransport): string | undefined {
  const all = url.searchParams.getAll('identity');
  if (all.length === 0) return undefined;
  if (!SECURED_TRANSPORTS.includes(transport))
    throw new StmUriError(
      uri,
      'identity applies to secured schemes only (eep+tls, eep+dtls, gre-pcapng+dtls)',
    );
  const [id] = all;
  if (all.length > 1 || id === undefined || id === '' || id.length > MAX_IDENTITY || !/^[\P{Cc}]+$/u.test(id))
    throw new StmUriError(uri, `identity must be given once, 1 to ${MAX_IDENTITY} printable characters`);
  return id;
}

/** The URI text for a scheme, host and port (IPv6 in brackets). */
export function formatStmUri(scheme: StmScheme, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Why a destination's delivery address cannot be delivered to, if so (X1 DeliveryAddressUnusable): a `uri`
 * must be an STM URI the senders take; an IP address and port (sent as EEP over that transport) needs a port.
 */
export function checkDeliveryAddress(a: DeliveryAddress): Refusal | undefined {
  if (a.kind === 'ipAddressAndPort') {
    if (a.port.port === 0) return { kind: 'DeliveryAddressUnusable', reason: 'port 0' };
    return undefined;
  }
  if (a.kind !== 'uri')
    return { kind: 'DeliveryAddressUnusable', reason: `delivery to ${a.kind} is not supported` };
  try {
    const u = parseStmUri(a.value);
    if (u.port === 0) return { kind: 'DeliveryAddressUnusable', reason: 'port 0' };
  } catch (err) {
    return { kind: 'DeliveryAddressUnusable', reason: err instanceof Error ? err.message : String(err) };
  }
  return undefined;
}
