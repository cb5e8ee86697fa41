/**
 * CIDR targets (TS 103 280 IPv4CIDR/IPv6CIDR): one map per family and prefix length in use, keyed by the
 * masked prefix; a message address is masked once per prefix length in use and looked up, so the cost grows
 * with the number of distinct prefix lengths (at most 33 + 129), not with the number of targets.
 */
import { parseIpv4, parseIpv6 } from '../../stm/ip.js';
import { prefixKey } from './targets.js';
import { PostingMap, type Collector, type Posting, type TaskEntry } from './postings.js';

/** CIDR prefixes of both families, by prefix length in use. */
export class CidrIndex {
  /** family → prefix length → masked prefix → postings. */
  private readonly byFamily = {
    4: new Map<number, PostingMap<string>>(),
    6: new Map<number, PostingMap<string>>(),
  };

  get empty(): boolean {
    return this.byFamily[4].size === 0 && this.byFamily[6].size === 0;
  }

  add(family: 4 | 6, prefix: number, key: string, p: Posting): void {
    const lengths = this.byFamily[family];
    let m = lengths.get(prefix);
    if (!m) lengths.set(prefix, (m = new PostingMap()));
    m.add(key, p);
  }

  remove(family: 4 | 6, prefix: number, key: string, task: TaskEntry): void {
    const lengths = this.byFamily[family];
    const m = lengths.get(prefix);
    if (!m) return;
    m.remove(key, task);
    if (m.size === 0) lengths.delete(prefix);
  }

  /** Records the prefixes that contain `address` (canonical text) in `c`. */
  collect(address: string, c: Collector): void {
    const v6 = address.includes(':');
    const lengths = this.byFamily[v6 ? 6 : 4];
    if (lengths.size === 0) return;
    const bytes = v6 ? parseIpv6(address) : parseIpv4(address);
    if (!bytes) return;
    for (const [prefix, m] of lengths) m.collect(prefixKey(bytes, prefix), c);
  }
}
