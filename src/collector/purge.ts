/**
 * Per-XID deletion of capture files, for when a warrant ends: every `<xid>-<n>.pcapng` of the output
 * directory (the file set `--split xid` writes for that XID). Files of `--split destination` hold several
 * XIDs and are not touched.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileKey, SINK_DEFAULTS } from './sink.js';

/** One file of the XID: removed, or kept with the reason. */
export interface PurgedFile {
  readonly file: string;
  readonly bytes: number;
  /** When it was last written (ISO-8601). */
  readonly modified: string;
  /** Why it could not be removed (an errno code), when it was not. */
  readonly error?: string;
}

export interface PurgeResult {
  readonly xid: string;
  readonly dir: string;
  readonly files: readonly PurgedFile[];
  /** Bytes of the files removed. */
  readonly bytesRemoved: number;
  /** Files that could not be removed. */
  readonly failed: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why `xid` is not one (a usage error), or undefined. */
export function xidProblem(xid: string): string | undefined {
  return UUID.test(xid) ? undefined : `--xid must be a task's XID (a UUID), not ${JSON.stringify(xid)}`;
}

/**
 * Removes the XID's capture files from `dir`. Throws (one line) for an XID that is not a UUID or a directory
 * that cannot be read; a file that cannot be removed is reported in the result, the others are still removed.
 */
export function purgeXid(dir: string, xid: string): PurgeResult {
  const problem = xidProblem(xid);
  if (problem) throw new Error(problem);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`cannot read the capture directory ${dir} (${code})`, { cause: err });
  }
  const mine = new RegExp(`^${fileKey(xid.toLowerCase())}-\\d+\\${SINK_DEFAULTS.extension}$`, 'i');
  const files: PurgedFile[] = [];
  let bytesRemoved = 0;
  let failed = 0;
  for (const name of names.filter((n) => mine.test(n)).sort(byNumber)) {
    const file = join(dir, name);
    let st;
    try {
      st = statSync(file);
      if (!st.isFile()) continue;
      unlinkSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      if (code === 'ENOENT') continue;
      failed++;
      files.push({
        file,
        bytes: st?.size ?? 0,
        modified: st ? st.mtime.toISOString() : '',
        error: code,
      });
      continue;
    }
    bytesRemoved += st.size;
    files.push({ file, bytes: st.size, modified: st.mtime.toISOString() });
  }
  return { xid, dir, files, bytesRemoved, failed };
}

/** `x-2.pcapng` before `x-10.pcapng`. */
function byNumber(a: string, b: string): number {
  const n = (s: string) => Number(/-(\d+)\.[^.]+$/.exec(s)?.[1] ?? 0);
  return n(a) - n(b);
}
