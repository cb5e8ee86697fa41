/**
 * PCAPng files of the collector: one set per key (XID or listen URI), named `<key>-<n>.pcapng`, rotated by
 * size and age. A file starts with its SHB (and gets an IDB per link type before the first packet of that
 * type); only whole blocks are ever written, so the file is valid PCAPng whenever a reader opens it after a
 * flush. Blocks are buffered and written every `flushMs` or when `flushBytes` are pending.
 *
 * Storage faults (a full disk, a directory turned read-only, I/O errors) never stop the collector: a failed
 * write is cut back to the last whole block, its blocks stay queued and are written when the storage works
 * again; beyond `maxQueuedBytes` the oldest queued packets are dropped. Faults and drops are counted
 * ({@link PcapngSink.storage}) and logged once per episode.
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import {
  encodeEnhancedPacket,
  encodeInterfaceDescription,
  encodeSectionHeader,
  type WriterPacket,
} from '../stm/pcapng.js';

export interface RotateOptions {
  /** Start a new file before one would grow past this many bytes. */
  readonly maxBytes?: number;
  /** Start a new file when one is this old. */
  readonly maxSeconds?: number;
}

export const SINK_DEFAULTS = {
  flushMs: 200,
  flushBytes: 256 * 1024,
  maxOpenFiles: 128,
  /** How often file ages are checked for rotation. */
  ageCheckMs: 1000,
  extension: '.pcapng',
  /** Blocks held in memory while the storage fails; beyond this the oldest are dropped (counted). */
  maxQueuedBytes: 64 * 1024 * 1024,
} as const;

/** Bytes the recovery probe writes while the storage fails and nothing is queued (a full disk refuses it). */
const PROBE_BYTES = 64 * 1024;

/** Limits and hooks of the sink beyond rotation. */
export interface SinkOptions {
  /** Blocks held in memory while the storage fails (default {@link SINK_DEFAULTS.maxQueuedBytes}). */
  readonly maxQueuedBytes?: number;
  /** Called when the storage starts failing (with the errno code) and when it works again (`undefined`). */
  readonly onStorageState?: (problem: string | undefined) => void;
}

/** What storage faults cost: failed writes or opens, packets dropped for them, and whether it fails now. */
export interface StorageCounters {
  faults: number;
  dropped: number;
  failing: boolean;
}

interface OpenFile {
  readonly key: string;
  readonly path: string;
  readonly fd: number;
  readonly openedAt: number;
  readonly interfaces: Map<number, number>;
  bytes: number;
  packets: number;
  pending: Uint8Array[];
  pendingBytes: number;
  /** Packets in `pending`. */
  pendingPackets: number;
  /** Bytes of the file that are whole blocks on disk. */
  flushed: number;
}

/** A key as a file-name part: letters, digits, `.`, `_`, `-`; anything else becomes `_`. */
export function fileKey(text: string): string {
  const k = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return k === '' ? '_' : k.slice(0, 120);
}

export class PcapngSink {
  readonly #files = new Map<string, OpenFile>();
  readonly #next = new Map<string, number>();
  readonly #written: string[] = [];
  readonly #timers: TimerHandle[] = [];
  readonly storage: StorageCounters = { faults: 0, dropped: 0, failing: false };
  #pending = 0;
  #closed = false;
  /** The file written last: the end of `#files`' order while it is open. */
  #last: OpenFile | undefined;

  constructor(
    private readonly dir: string,
    private readonly rotate: RotateOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly appl = 'lix collector',
    private readonly opts: SinkOptions = {},
  ) {
    checkWritable(dir);
    this.#every(SINK_DEFAULTS.flushMs, () => this.flush());
    if (rotate.maxSeconds !== undefined) this.#every(SINK_DEFAULTS.ageCheckMs, () => this.#rotateAged());
  }

  /** Every file opened so far, in order. */
  get files(): readonly string[] {
    return this.#written;
  }

  /** Whether `path` is a file being written (retention never removes those). */
  isOpen(path: string): boolean {
    for (const f of this.#files.values()) if (f.path === path) return true;
    return false;
  }

  /** Appends one packet to the current file of `key`. */
  write(key: string, p: WriterPacket): void {
    if (this.#closed) return;
    let f = this.#currentOrDrop(key);
    if (!f) return;
    let blocks = this.#blocks(f, p);
    const max = this.rotate.maxBytes;
    if (max !== undefined && f.packets > 0 && f.bytes + blocks.length > max) {
      this.#close(f);
      f = this.#currentOrDrop(key);
      if (!f) return;
      blocks = this.#blocks(f, p);
    }
    f.pending.push(blocks);
    f.pendingBytes += blocks.length;
    f.pendingPackets++;
    f.bytes += blocks.length;
    f.packets++;
    this.#pending += blocks.length;
    if (this.#pending > this.#maxQueued) this.#shed();
    if (this.#pending >= SINK_DEFAULTS.flushBytes) this.flush();
  }

  /** The key's open file; undefined (a storage fault, the packet dropped and counted) when none can be opened. */
  #currentOrDrop(key: string): OpenFile | undefined {
    try {
      return this.#current(key);
    } catch (err) {
      this.#fault(err, `cannot open a capture file for ${key}`);
      this.storage.dropped++;
      return undefined;
    }
  }

  /** IDB (first packet of a link type) + EPB, with interface IDs recorded in the file. */
  #blocks(f: OpenFile, p: WriterPacket): Uint8Array {
    const known = f.interfaces.get(p.linkType);
    const id = known ?? f.interfaces.size;
    const epb = encodeEnhancedPacket({
      interfaceId: id,
      timestampMicros: p.timestampMicros,
      data: p.data,
      originalLength: p.originalLength,
      comments: p.comments,
    });
    if (known !== undefined) return epb;
    f.interfaces.set(p.linkType, id);
    const idb = encodeInterfaceDescription(p.linkType);
    const out = new Uint8Array(idb.length + epb.length);
    out.set(idb);
    out.set(epb, idb.length);
    return out;
  }

  /** The key's open file, moved to the end of the least-recently-used order (unless it is there already). */
  #current(key: string): OpenFile {
    const last = this.#last;
    if (last !== undefined && last.key === key && this.#files.get(key) === last) return last;
    const f = this.#files.get(key);
    if (f) {
      this.#files.delete(key);
      this.#files.set(key, f);
      this.#last = f;
      return f;
    }
    if (this.#files.size >= SINK_DEFAULTS.maxOpenFiles) this.#close(this.#files.values().next().value!);
    return this.#open(key);
  }

  #open(key: string): OpenFile {
    let n = this.#next.get(key) ?? 1;
    let path = join(this.dir, `${key}-${n}${SINK_DEFAULTS.extension}`);
    while (existsSync(path)) path = join(this.dir, `${key}-${++n}${SINK_DEFAULTS.extension}`);
    this.#next.set(key, n + 1);
    const fd = openSync(path, 'wx', 0o600);
    const shb = encodeSectionHeader({ shbUserAppl: this.appl });
    try {
      writeSync(fd, shb);
    } catch (err) {
      closeSync(fd);
      rmSync(path, { force: true });
      throw err;
    }
    const f: OpenFile = {
      key,
      path,
      fd,
      openedAt: this.clock.now(),
      interfaces: new Map(),
      bytes: shb.length,
      packets: 0,
      pending: [],
      pendingBytes: 0,
      pendingPackets: 0,
      flushed: shb.length,
    };
    this.#files.set(key, f);
    this.#last = f;
    this.#written.push(path);
    this.logger.debug({ file: path }, 'capture file opened');
    return f;
  }

  /** Writes the file's queued blocks; on a storage fault cuts it back to whole blocks and keeps them queued. */
  #flushFile(f: OpenFile): boolean {
    if (f.pendingBytes === 0) return true;
    const buf = Buffer.concat(f.pending, f.pendingBytes);
    let off = 0;
    try {
      // Positional: after a cut-back the descriptor's offset is past the file's end.
      while (off < buf.length) off += writeSync(f.fd, buf, off, buf.length - off, f.flushed + off);
    } catch (err) {
      if (off > 0) {
        try {
          ftruncateSync(f.fd, f.flushed);
        } catch {
          // The file keeps a cut block at its end; readers stop there. Nothing more can be done.
        }
      }
      this.#fault(err, `cannot write ${f.path}`);
      return false;
    }
    f.flushed += buf.length;
    this.#pending -= f.pendingBytes;
    f.pending = [];
    f.pendingBytes = 0;
    f.pendingPackets = 0;
    this.#works({ file: f.path });
    return true;
  }

  /** The storage took a write: the end of a fault episode, if there was one. */
  #works(fields: Record<string, unknown>): void {
    if (!this.storage.failing) return;
    this.storage.failing = false;
    this.logger.warn({ ...fields, dropped: this.storage.dropped }, 'capture storage works again');
    this.opts.onStorageState?.(undefined);
  }

  /**
   * While the storage fails and nothing is queued (every packet was dropped because no file could be opened),
   * no write would ever find out that it works again: a probe file of {@link PROBE_BYTES} does.
   */
  #probe(): void {
    const probe = join(this.dir, `.lix-write-check-${process.pid}`);
    try {
      writeFileSync(probe, Buffer.alloc(PROBE_BYTES), { mode: 0o600 });
    } catch {
      rmSync(probe, { force: true });
      return;
    }
    rmSync(probe, { force: true });
    this.#works({ dir: this.dir });
  }

  /** A storage fault: counted, logged once until the storage works again. */
  #fault(err: unknown, what: string): void {
    this.storage.faults++;
    if (this.storage.failing) return;
    this.storage.failing = true;
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    this.logger.error({ code, dir: this.dir }, `${what} (${code}): packets stay queued and are retried`);
    this.opts.onStorageState?.(String(code));
  }

  get #maxQueued(): number {
    return this.opts.maxQueuedBytes ?? SINK_DEFAULTS.maxQueuedBytes;
  }

  /** Too much queued while the storage fails: the oldest queued packets of the largest backlog go (counted). */
  #shed(): void {
    while (this.#pending > this.#maxQueued) {
      const f = [...this.#files.values()].reduce((a, b) => (b.pendingBytes > a.pendingBytes ? b : a));
      if (f.pendingBytes === 0) return;
      this.#pending -= f.pendingBytes;
      this.storage.dropped += f.pendingPackets;
      f.bytes -= f.pendingBytes;
      f.pending = [];
      f.pendingBytes = 0;
      f.pendingPackets = 0;
    }
  }

  #close(f: OpenFile): void {
    if (!this.#flushFile(f)) {
      // Closing while the storage fails: what is queued for this file cannot be kept past its descriptor.
      this.#pending -= f.pendingBytes;
      this.storage.dropped += f.pendingPackets;
    }
    try {
      closeSync(f.fd);
    } catch (err) {
      this.#fault(err, `cannot close ${f.path}`);
    }
    this.#files.delete(f.key);
    this.logger.debug({ file: f.path, packets: f.packets, bytes: f.bytes }, 'capture file closed');
  }

  #rotateAged(): void {
    const limit = this.rotate.maxSeconds! * 1000;
    const now = this.clock.now();
    for (const f of [...this.#files.values()]) if (now - f.openedAt >= limit && f.packets > 0) this.#close(f);
  }

  #every(ms: number, fn: () => void): void {
    let handle: TimerHandle;
    const tick = () => {
      if (this.#closed) return;
      try {
        fn();
      } catch (e) {
        this.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'capture file write failed');
      }
      handle = this.clock.setTimer(ms, tick);
    };
    handle = this.clock.setTimer(ms, tick);
    this.#timers.push({ cancel: () => handle.cancel() });
  }

  /** Writes every pending block. */
  flush(): void {
    for (const f of this.#files.values()) this.#flushFile(f);
    if (this.storage.failing && this.#pending === 0 && !this.#closed) this.#probe();
  }

  /** Flushes and closes every file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    for (const f of [...this.#files.values()]) this.#close(f);
  }
}

/**
 * The output directory must exist (it is created, mode 0700: intercepted content) and take a file: a
 * read-only mount or a missing permission is refused at start with one line, never at the first report.
 */
export function checkWritable(dir: string): void {
  const probe = join(dir, `.lix-write-check-${process.pid}`);
  try {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      // A recursive mkdir on a read-only mount says ENOENT; the plain one names the real cause (EROFS).
      mkdirSync(dir, { mode: 0o700 });
      throw err;
    }
    accessSync(dir, constants.W_OK);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new Error(`output directory ${dir} is not writable (${code})`, { cause: err });
  }
}
