/**
 * `lix collector purge --xid X --out DIR`: removes a task's capture files when its warrant ends. Prints a
 * table of the files removed (or one JSON line with `--json`, docs/cli.md); exit 0 when every file of the XID is gone (also when
 * there were none), 1 when some could not be removed or the directory cannot be read, 2 for a bad XID.
 */
import type { Command } from 'commander';
import { purgeXid, xidProblem, type PurgeResult } from '../collector/purge.js';
import { jsonOption, printRecord } from './output.js';

function table(r: PurgeResult): string {
  const head = ['file', 'bytes', 'modified', 'result'];
  const rows = r.files.map((f) => [
    f.file,
    String(f.bytes),
    f.modified,
    f.error ? `kept (${f.error})` : 'removed',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (x: string[]) =>
    x
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const removed = r.files.length - r.failed;
  const summary =
    `${removed} file(s), ${r.bytesRemoved} bytes removed for XID ${r.xid}` +
    (r.failed > 0 ? `; ${r.failed} could not be removed` : '');
  return rows.length === 0
    ? `no capture files for XID ${r.xid} in ${r.dir}`
    : [line(head), ...rows.map(line), summary].join('\n');
}

/** Adds `purge` under `lix collector`. */
export function registerCollectorPurge(collector: Command): void {
  collector
    .command('purge')
    .description(
      "remove a task's capture files (<xid>-<n>.pcapng) from the output directory, e.g. when its warrant ends",
    )
    .requiredOption('--xid <xid>', 'the task whose files go')
    .requiredOption('--out <dir>', "the collector's output directory")
    .addOption(jsonOption())
    .action((o: { xid: string; out: string; json?: boolean }) => {
      const usage = xidProblem(o.xid);
      if (usage) {
        console.error(`lix collector purge: ${usage}`);
        process.exit(2);
      }
      let r: PurgeResult;
      try {
        r = purgeXid(o.out, o.xid);
      } catch (e) {
        console.error(`lix collector purge: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      }
      if (o.json) printRecord(r, true);
      else console.log(table(r));
      if (r.failed > 0) process.exit(1);
    });
}
