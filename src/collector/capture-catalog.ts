/**
 * The XIDs of the collector's output directory and their capture files (`<xid>-<n>.pcapng`, `--split xid`),
 * each with a {@link FileIndex} kept in memory and brought up to date on every read: new files (rotation)
 * join the set, grown files are indexed from where they stopped, removed files (retention, purge) leave it,
 * and a file replaced under the same name (another inode or birth time) is indexed anew. Files of `--split destination`
 * hold several XIDs and are not listed. Messages are addressed by an id `<n>-<offset>`: the file's rotation
 * number and the byte offset of the packet block, checked against the index before anything is read.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileIndex, type IndexEntry, type PacketClassifier } from './capture-index.js';

const XID_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{1,9})\.pcapng$/i;
const MESSAGE_ID = /^(\d{1,9})-(\d{1,15})$/;

/** One capture file of an XID, indexed up to its size when listed. */
export interface XidFile {
  readonly n: number;
  readonly path: string;
  readonly size: number;
  readonly index: FileIndex;
}

/** An XID with its totals. */
export interface XidTotals {
  readonly xid: string;
  readonly messages: number;
  readonly bytes: number;
  /** Earliest and latest packet time, µs since the epoch (undefined without packets). */
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly files: number;
}

/** A message's place: its file and its position in the file's index. */
export interface MessageRef {
  readonly file: XidFile;
  readonly at: number;
  readonly entry: IndexEntry;
}

/** Where a page starts: file `n`, first block after `offset` (-1: from the file's start). */
export interface Position {
  readonly n: number;
  readonly offset: number;
}

/** `<n>-<offset>` of a message. */
export const messageId = (n: number, offset: number): string => `${n}-${offset}`;

/** The position a message id names, or undefined when the text is not one. */
export function parseMessageId(id: string): Position | undefined {
  const m = MESSAGE_ID.exec(id);
  return m ? { n: Number(m[1]), offset: Number(m[2]) } : undefined;
}

export class CaptureCatalog {
  readonly #indexes = new Map<string, FileIndex>();

  constructor(
    readonly dir: string,
    private readonly classify: PacketClassifier,
  ) {}

  /** Every XID with files in the directory, in XID order. */
  async xids(): Promise<XidTotals[]> {
    const byXid = await this.#scanDir();
    const out: XidTotals[] = [];
    for (const [xid, names] of [...byXid].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const files = await this.#indexed(xid, names);
      if (files.length === 0) continue;
      const times = files.filter((f) => f.index.count > 0);
      out.push({
        xid,
        messages: files.reduce((n, f) => n + f.index.count, 0),
        bytes: files.reduce((n, f) => n + f.size, 0),
        first: times.length ? Math.min(...times.map((f) => f.index.minTime)) : undefined,
        last: times.length ? Math.max(...times.map((f) => f.index.maxTime)) : undefined,
        files: files.length,
      });
    }
    return out;
  }

  /** The XID's files in rotation order, indexed up to now; empty when it has none. */
  async files(xid: string): Promise<XidFile[]> {
    const names = (await this.#scanDir(xid)).get(xid.toLowerCase()) ?? [];
    return this.#indexed(xid.toLowerCase(), names);
  }

  /** The message an id names, or undefined (no such file, or no packet block starts there). */
  async message(xid: string, id: string): Promise<MessageRef | undefined> {
    const pos = parseMessageId(id);
    if (!pos) return undefined;
    const file = (await this.files(xid)).find((f) => f.n === pos.n);
    const at = file ? file.index.find(pos.offset) : -1;
    return file && at >= 0 ? { file, at, entry: file.index.entry(at) } : undefined;
  }

  /** File names by lower-case XID (only `xid`'s when given). */
  async #scanDir(xid?: string): Promise<Map<string, { n: number; name: string }[]>> {
    const out = new Map<string, { n: number; name: string }[]>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      // No capture yet: the collector makes the directory when it starts.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw err;
    }
    for (const name of names) {
      const m = XID_FILE.exec(name);
      if (!m) continue;
      const x = m[1]!.toLowerCase();
      if (xid !== undefined && x !== xid.toLowerCase()) continue;
      const list = out.get(x) ?? [];
      list.push({ n: Number(m[2]), name });
      out.set(x, list);
    }
    return out;
  }

  async #indexed(xid: string, names: readonly { n: number; name: string }[]): Promise<XidFile[]> {
    const out: XidFile[] = [];
    const seen = new Set<string>();
    for (const { n, name } of [...names].sort((a, b) => a.n - b.n)) {
      const path = join(this.dir, name);
      seen.add(path);
      try {
        const st = await stat(path);
        let index = this.#indexes.get(path);
        const identity = `${st.ino}:${st.birthtimeMs}`;
        if (!index || index.identity !== identity || st.size < index.scanned) {
          index = new FileIndex(path, identity, this.classify);
          this.#indexes.set(path, index);
        }
        await index.refresh(st.size);
        out.push({ n, path, size: st.size, index });
      } catch (err) {
        // Removed between the listing and the read (retention, purge): it is simply gone.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.#indexes.delete(path);
      }
    }
    this.#forgetRemoved(xid, seen);
    return out;
  }

  /** Drops the indexes of the XID's files that are no longer in the directory. */
  #forgetRemoved(xid: string, seen: ReadonlySet<string>): void {
    for (const path of this.#indexes.keys()) {
      const m = XID_FILE.exec(path.slice(this.dir.length + 1));
      if (m && m[1]!.toLowerCase() === xid && !seen.has(path)) this.#indexes.delete(path);
    }
  }
}
