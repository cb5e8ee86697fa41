/**
 * tcpdump's capture statistics, as it prints them on standard error (tcpdump(8)): on SIGUSR1 one line,
 * "tcpdump: N packets captured, N packets received by filter, N packets dropped by kernel"; when it ends
 * the same figures one per line; "N packets dropped by interface" follows where libpcap can tell. Every
 * figure counts from the start of the capture (tcpdump 4.99). Pure: the live source feeds it the text and reads the figures.
 */

/** The figures; undefined until tcpdump has printed them once. */
export interface CaptureStats {
  /** Packets tcpdump wrote out. */
  captured: number;
  /** Packets that matched the filter (whether or not they were then dropped). */
  receivedByFilter: number;
  /** Packets the kernel dropped for want of buffer space (tcpdump -B sets that buffer). */
  droppedByKernel: number;
  /** Packets the interface dropped (0 where libpcap cannot tell). */
  droppedByInterface: number;
}

const FIGURE = /^\s*(\d+) packets? (captured|received by filter|dropped by kernel|dropped by interface)\s*$/;
const PREFIX = /^tcpdump: /;
const FIELD = {
  captured: 'captured',
  'received by filter': 'receivedByFilter',
  'dropped by kernel': 'droppedByKernel',
  'dropped by interface': 'droppedByInterface',
} as const satisfies Record<string, keyof CaptureStats>;

/** Longest partial line kept (tcpdump's lines are short; anything longer is not a statistics line). */
const MAX_PARTIAL = 1024;

/** Reads statistics lines out of tcpdump's standard error, fed in chunks of any size. */
export class TcpdumpStatsReader {
  private partial = '';
  /** The current line grew past MAX_PARTIAL: it is not a statistics line; skip to its end. */
  private skipping = false;
  private current: CaptureStats = {
    captured: 0,
    receivedByFilter: 0,
    droppedByKernel: 0,
    droppedByInterface: 0,
  };
  /** Statistics blocks read so far (one per SIGUSR1, one at the end). */
  reports = 0;

  /** The latest figures. */
  get stats(): Readonly<CaptureStats> {
    return this.current;
  }

  /** Feeds text; returns true when it completed a block of figures ("dropped by kernel" ends one). */
  push(text: string): boolean {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.skipping && lines.length > 0) {
      lines.shift();
      this.skipping = false;
    }
    if (this.partial.length > MAX_PARTIAL) {
      this.partial = '';
      this.skipping = true;
    }
    let completed = false;
    for (const line of lines) {
      for (const part of line.replace(PREFIX, '').split(',')) {
        const m = FIGURE.exec(part);
        if (!m) continue;
        const field = FIELD[m[2] as keyof typeof FIELD];
        this.current = { ...this.current, [field]: Number(m[1]) };
        if (field === 'droppedByKernel') {
          this.reports++;
          completed = true;
        }
      }
    }
    return completed;
  }
}
