/**
 * Packet sources of the probe (DESIGN.md "Probe"): {@link parseSourceSpec} reads the text form given on the
 * command line or in the lab configuration, {@link createSource} builds the source.
 *
 * Spec syntax:
 * - `pcap:FILE[?loop][&pace=original|fast]` (also `pcap:FILE?pace=fast`): a pcap or pcapng file; default
 *   pace original, no loop.
 * - `iface:NAME[?buffer=KIB][&sip=PORTS][&diameter=PORTS][&gtpc=PORTS][&all][&immediate][&filter=BPF]`: a live interface
 *   through tcpdump with a kernel capture buffer of KIB KiB (`tcpdump -B`), capturing the inspected
 *   protocols on their ports (PORTS: `5060,5070-5079` or `none`; see capture-filter.ts) or, with `all`,
 *   every packet; `immediate` hands each packet on at once (tcpdump --immediate-mode); the user's filter
 *   narrows that, comes last and runs to the end of the text.
 * - `synthetic[:RATE][?subscribers=N&seed=S]`: generated SIP / Diameter / GTPv2-C traffic, RATE messages
 *   per second (default {@link SPEC_DEFAULTS}.rate).
 */
import { FileSource } from './file-source.js';
import { LiveSource } from './live-source.js';
import {
  CAPTURE_PROTOCOLS,
  parsePortList,
  PortListError,
  type CaptureProtocol,
  type PortSpan,
} from './capture-filter.js';
import { SyntheticSource } from './synthetic-source.js';
import {
  SourceError,
  type PacketSource,
  type Pace,
  type SourceOptions,
  type SourceSpec,
} from './packet-source.js';

export type {
  PacketSource,
  Pace,
  SourceCounters,
  SourceEvents,
  SourceOptions,
  SourceSpec,
} from './packet-source.js';
export { SourceError } from './packet-source.js';

export const SPEC_DEFAULTS = { rate: 50, subscribers: 1000, seed: 1 } as const;

/** Bounds checked at the boundary. */
export const SPEC_LIMITS = {
  maxRate: 1_000_000,
  /** MSISDNs have 8 free digits ({@link labSubscriber}). */
  maxSubscribers: 100_000_000,
  maxSeed: 0xffffffff,
  /** Linux IFNAMSIZ - 1. */
  maxIfaceName: 15,
  maxFilter: 4096,
  /** Capture buffer, KiB: 1 KiB to 4 GiB (tcpdump -B). */
  minBufferKiB: 1,
  maxBufferKiB: 4 * 1024 * 1024,
} as const;

const IFACE_NAME = /^[A-Za-z0-9_.:@-]+$/;
const PACES: readonly Pace[] = ['original', 'fast'];

const bad = (text: string, why: string) => new SourceError('bad-spec', `bad source "${text}": ${why}`);

/** `key=value` and bare `key` parameters of a query string, refusing unknown and repeated keys. */
function params(text: string, query: string, allowed: readonly string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const part of query.split('&')) {
    if (part === '') throw bad(text, 'empty parameter');
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (!allowed.includes(key))
      throw bad(text, `unknown parameter "${key}" (allowed: ${allowed.join(', ')})`);
    if (out.has(key)) throw bad(text, `parameter "${key}" given twice`);
    out.set(key, eq < 0 ? undefined : part.slice(eq + 1));
  }
  return out;
}

function splitQuery(rest: string): [string, string | undefined] {
  const q = rest.indexOf('?');
  return q < 0 ? [rest, undefined] : [rest.slice(0, q), rest.slice(q + 1)];
}

function parsePcap(text: string, rest: string): SourceSpec {
  const [path, query] = splitQuery(rest);
  if (path === '') throw bad(text, 'no file name after "pcap:"');
  const p =
    query === undefined ? new Map<string, string | undefined>() : params(text, query, ['loop', 'pace']);
  const loop = p.get('loop');
  if (p.has('loop') && loop !== undefined && loop !== 'true') throw bad(text, '"loop" takes no value');
  const pace = p.get('pace') ?? 'original';
  if (!PACES.includes(pace as Pace)) throw bad(text, `pace must be original or fast, not "${pace}"`);
  return { kind: 'pcap', path, loop: p.has('loop'), pace: pace as Pace };
}

function parseIface(text: string, rest: string): SourceSpec {
  const [name, query] = splitQuery(rest);
  if (name === '') throw bad(text, 'no interface name after "iface:"');
  if (name.length > SPEC_LIMITS.maxIfaceName || !IFACE_NAME.test(name))
    throw bad(text, `"${name}" is not an interface name`);
  if (query === undefined) return { kind: 'iface', name };
  // `filter=` runs to the end (a BPF expression may hold "&"); anything before it is `key=value&`.
  const at = query.startsWith('filter=') ? 0 : query.indexOf('&filter=');
  const head = at < 0 ? query : query.slice(0, at);
  const p =
    head === ''
      ? new Map<string, string | undefined>()
      : params(text, head, ['buffer', ...CAPTURE_PROTOCOLS, 'all', 'immediate']);
  let bufferKiB: number | undefined;
  if (p.has('buffer')) {
    bufferKiB = number(text, 'buffer', p.get('buffer'), SPEC_LIMITS.maxBufferKiB, true);
    if (bufferKiB < SPEC_LIMITS.minBufferKiB) throw bad(text, 'buffer must be at least 1 (KiB)');
  }
  for (const flag of ['all', 'immediate'])
    if (p.has(flag) && p.get(flag) !== undefined) throw bad(text, `"${flag}" takes no value`);
  const ports: Partial<Record<CaptureProtocol, readonly PortSpan[]>> = {};
  for (const proto of CAPTURE_PROTOCOLS) {
    if (!p.has(proto)) continue;
    if (p.has('all')) throw bad(text, `"all" captures every port: "${proto}" says nothing more`);
    try {
      ports[proto] = parsePortList(p.get(proto) ?? '');
    } catch (e) {
      if (e instanceof PortListError) throw bad(text, `${proto}: ${e.message}`);
      throw e;
    }
  }
  const spec = {
    kind: 'iface' as const,
    name,
    ...(bufferKiB !== undefined && { bufferKiB }),
    ...(Object.keys(ports).length > 0 && { ports }),
    ...(p.has('all') && { all: true }),
    ...(p.has('immediate') && { immediate: true }),
  };
  if (at < 0) return spec;
  const filter = query.slice(at + (at === 0 ? 0 : 1) + 'filter='.length).trim();
  if (filter === '') throw bad(text, 'empty filter');
  if (filter.length > SPEC_LIMITS.maxFilter) throw bad(text, 'filter too long');
  if (filter.startsWith('-')) throw bad(text, 'a filter cannot start with "-"');
  return { ...spec, filter };
}

function number(text: string, key: string, value: string | undefined, max: number, integer: boolean): number {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) throw bad(text, `${key} must be a number`);
  const n = Number(value);
  if (integer && !Number.isInteger(n)) throw bad(text, `${key} must be a whole number`);
  if (n > max) throw bad(text, `${key} must be at most ${max}`);
  return n;
}

function parseSynthetic(text: string, rest: string): SourceSpec {
  const [head, query] = splitQuery(rest);
  if (head !== '' && !head.startsWith(':')) throw bad(text, 'expected "synthetic:RATE"');
  const rate =
    head === '' ? SPEC_DEFAULTS.rate : number(text, 'rate', head.slice(1), SPEC_LIMITS.maxRate, false);
  if (rate <= 0) throw bad(text, 'rate must be above 0');
  const p =
    query === undefined
      ? new Map<string, string | undefined>()
      : params(text, query, ['subscribers', 'seed']);
  const subscribers = p.has('subscribers')
    ? number(text, 'subscribers', p.get('subscribers'), SPEC_LIMITS.maxSubscribers, true)
    : SPEC_DEFAULTS.subscribers;
  if (subscribers < 1) throw bad(text, 'subscribers must be at least 1');
  const seed = p.has('seed')
    ? number(text, 'seed', p.get('seed'), SPEC_LIMITS.maxSeed, true)
    : SPEC_DEFAULTS.seed;
  return { kind: 'synthetic', rate, subscribers, seed };
}

/** Parses a source spec; throws {@link SourceError} (kind `bad-spec`) saying what is wrong. */
export function parseSourceSpec(text: string): SourceSpec {
  const t = text.trim();
  if (t.startsWith('pcap:')) return parsePcap(text, t.slice('pcap:'.length));
  if (t.startsWith('iface:')) return parseIface(text, t.slice('iface:'.length));
  if (t === 'synthetic' || t.startsWith('synthetic:') || t.startsWith('synthetic?'))
    return parseSynthetic(text, t.slice('synthetic'.length));
  throw bad(text, 'expected pcap:FILE, iface:NAME or synthetic[:RATE]');
}

/** The source a spec names (nothing starts until `run`). */
export function createSource(spec: SourceSpec, opts: SourceOptions = {}): PacketSource {
  switch (spec.kind) {
    case 'pcap':
      return new FileSource(spec, opts);
    case 'iface':
      return new LiveSource(spec, opts);
    case 'synthetic':
      return new SyntheticSource(spec, opts);
  }
}
