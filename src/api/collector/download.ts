/**
 * An XID's capture files as one PCAPng stream: the files one after the other (each is a section; several
 * sections make a valid PCAPng file), each up to its last whole indexed block, so that a file being written
 * is never cut inside a block. Every file is opened before the answer starts: one purged meanwhile is left
 * out instead of breaking the download halfway.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { XidFile } from '../../collector/capture-catalog.js';

const CHUNK = 256 * 1024;

/** The download's stream and its length in bytes. */
export async function pcapngDownload(
  files: readonly XidFile[],
): Promise<{ stream: Readable; bytes: number }> {
  const parts: { fh: FileHandle; end: number }[] = [];
  for (const f of files) {
    const end = f.index.scanned;
    if (end === 0) continue;
    try {
      parts.push({ fh: await open(f.path, 'r'), end });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const bytes = parts.reduce((n, p) => n + p.end, 0);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (const p of parts) {
        for (let pos = 0; pos < p.end;) {
          const buf = new Uint8Array(Math.min(CHUNK, p.end - pos));
          const { bytesRead } = await p.fh.read(buf, 0, buf.length, pos);
          if (bytesRead === 0) throw new Error('capture file shrank during the download');
          pos += bytesRead;
          yield buf.subarray(0, bytesRead);
        }
      }
    } finally {
      await Promise.all(parts.map((p) => p.fh.close().catch(() => undefined)));
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), bytes };
}
