/**
 * PCAPng files of the collector: one set per key (XID or listen URI), named `<key>-<n>.pcapng`, rotated by
 * size and age. A file starts with its SHB (and gets an IDB per link type before the first packet of that
 * type); only whole blocks are ever written, so the file is valid PCAPng whenever a reader opens it after a
 * flush. Blocks are buffered and written every `flushMs` or when `flushBytes` are pending.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
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
} as const;

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
  #pending = 0;
  #closed = false;

  constructor(
    private readonly dir: string,
    private readonly rotate: RotateOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly appl = 'lix collector',
  ) {
    mkdirSync(dir, { recursive: true });
    this.#every(SINK_DEFAULTS.flushMs, () => this.flush());
    if (rotate.maxSeconds !== undefined) this.#every(SINK_DEFAULTS.ageCheckMs, () => this.#rotateAged());
  }

  /** Every file opened so far, in order. */
  get files(): readonly string[] {
    return this.#written;
  }

  /** Appends one packet to the current file of `key`. */
  write(key: string, p: WriterPacket): void {
    if (this.#closed) return;
    let f = this.#current(key);
    let blocks = this.#blocks(f, p);
    const max = this.rotate.maxBytes;
    if (max !== undefined && f.packets > 0 && f.bytes + blocks.length > max) {
      this.#close(f);
      f = this.#current(key);
      blocks = this.#blocks(f, p);
    }
    f.pending.push(blocks);
    f.pendingBytes += blocks.length;
    f.bytes += blocks.length;
    f.packets++;
    this.#pending += blocks.length;
    if (this.#pending >= SINK_DEFAULTS.flushBytes) this.flush();
  }

  /** IDB (first packet of a link type) + EPB, with interface IDs recorded in the file. */
  #blocks(f: OpenFile, p: WriterPacket): Uint8Array {
    let id = f.interfaces.get(p.linkType);
    const epb = (iface: number) =>
      encodeEnhancedPacket({
        interfaceId: iface,
        timestampMicros: p.timestampMicros,
        data: p.data,
        ...(p.originalLength !== undefined && { originalLength: p.originalLength }),
        ...(p.comments !== undefined && { comments: p.comments }),
      });
    if (id !== undefined) return epb(id);
    id = f.interfaces.size;
    f.interfaces.set(p.linkType, id);
    const idb = encodeInterfaceDescription(p.linkType);
    const e = epb(id);
    const out = new Uint8Array(idb.length + e.length);
    out.set(idb);
    out.set(e, idb.length);
    return out;
  }

  #current(key: string): OpenFile {
    const f = this.#files.get(key);
    if (f) {
      this.#files.delete(key);
      this.#files.set(key, f);
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
    const fd = openSync(path, 'wx');
    const shb = encodeSectionHeader({ shbUserAppl: this.appl });
    writeSync(fd, shb);
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
    };
    this.#files.set(key, f);
    this.#written.push(path);
    this.logger.info({ file: path }, 'capture file opened');
    return f;
  }

  #flushFile(f: OpenFile): void {
    if (f.pendingBytes === 0) return;
    const buf = Buffer.concat(f.pending, f.pendingBytes);
    let off = 0;
    while (off < buf.length) off += writeSync(f.fd, buf, off);
    this.#pending -= f.pendingBytes;
    f.pending = [];
    f.pendingBytes = 0;
  }

  #close(f: OpenFile): void {
    this.#flushFile(f);
    closeSync(f.fd);
    this.#files.delete(f.key);
    this.logger.info({ file: f.path, packets: f.packets, bytes: f.bytes }, 'capture file closed');
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
  }

  /** Flushes and closes every file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    for (const f of [...this.#files.values()]) this.#close(f);
  }
}
