/**
 * Port ranges (TS 103 280 TCPPortRange/UDPPortRange) of one transport: a segment tree over the 16-bit port
 * space. A range is stored on the O(log 65536) nodes that cover it exactly; a port is looked up by walking
 * the 17 nodes from the root to its leaf. Adding and removing a range touch only its nodes, so unlike a
 * sorted array of breakpoints (binary search, rebuilt on every change, quadratic in memory for nested
 * ranges) the cost of a change and of a lookup does not depend on how many ranges there are.
 */
import { PostingMap, type Collector, type Posting, type TaskEntry } from './postings.js';

const PORT_MAX = 0xffff;
const ROOT = 1;

/** Port ranges of one transport, as a segment tree over 0-65535. */
export class PortRangeIndex {
  /** Segment-tree node number (root 1, children 2n and 2n + 1) → postings of ranges covering it. */
  private readonly nodes = new PostingMap<number>();

  get empty(): boolean {
    return this.nodes.size === 0;
  }

  add(start: number, end: number, p: Posting): void {
    this.cover(ROOT, 0, PORT_MAX, start, end, (n) => this.nodes.add(n, p));
  }

  remove(start: number, end: number, task: TaskEntry): void {
    this.cover(ROOT, 0, PORT_MAX, start, end, (n) => this.nodes.remove(n, task));
  }

  /** Records the ranges that contain `port` in `c`. */
  collect(port: number, c: Collector): void {
    let node = ROOT;
    let lo = 0;
    let hi = PORT_MAX;
    for (;;) {
      this.nodes.collect(node, c);
      if (lo === hi) return;
      const mid = (lo + hi) >> 1;
      if (port <= mid) {
        node = 2 * node;
        hi = mid;
      } else {
        node = 2 * node + 1;
        lo = mid + 1;
      }
    }
  }

  /** Calls `visit` on each node of the canonical cover of [start, end]. */
  private cover(
    node: number,
    lo: number,
    hi: number,
    start: number,
    end: number,
    visit: (n: number) => void,
  ): void {
    if (end < lo || start > hi) return;
    if (start <= lo && hi <= end) {
      visit(node);
      return;
    }
    const mid = (lo + hi) >> 1;
    this.cover(2 * node, lo, mid, start, end, visit);
    this.cover(2 * node + 1, mid + 1, hi, start, end, visit);
  }
}
