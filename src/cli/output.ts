/**
 * How every `lix` command prints records (docs/cli.md "Output"): a table for people by default, and with
 * `--json` JSON Lines for scripts — one JSON object per record, one per line, nothing else on standard
 * output (summaries and warnings go to standard error). A command that prints one record prints one line.
 * Times are ISO 8601 (UTC) in both forms.
 */
import { Option, type Command } from 'commander';
import { isoTimes } from '../lib/iso-times.js';

export { isoTimes };

/** The `--json` option every record-printing command takes. */
export const jsonOption = () =>
  new Option('--json', 'JSON Lines: one JSON object per record (times in ISO 8601)');

/** Adds `--json` to a command. */
export const withJson = (cmd: Command): Command => cmd.addOption(jsonOption());

/** One column of a table: its heading and how a record shows in it. */
export interface Column<T> {
  readonly heading: string;
  readonly value: (row: T) => unknown;
}

/** A cell's text: '-' for nothing, ISO times kept, arrays joined, objects as compact JSON. */
export function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '-';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.map(cell).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/[\r\n\t]+/g, ' ');
}

/** The rows as an aligned text table with a heading line (the last column is not padded). */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((c) => c.heading), ...rows.map((r) => columns.map((c) => cell(c.value(r))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells
    .map((line) =>
      line
        .map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Prints records: JSON Lines with `json`, else a table (or `empty` when there are none). */
export function printRecords<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  json: boolean | undefined,
  empty = '(none)',
): void {
  if (json) {
    for (const r of rows) console.log(JSON.stringify(isoTimes(r)));
    return;
  }
  console.log(rows.length === 0 ? empty : formatTable(rows, columns));
}

/** `{a: {b: 1}, c: [x]}` → `[['a.b', 1], ['c', [x]]]`: nested objects flattened to dotted keys. */
export function flatten(v: unknown, prefix = ''): [string, unknown][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0)
    return [[prefix || 'value', v]];
  return Object.entries(v).flatMap(([k, x]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    const isList = Array.isArray(x) && x.some((e) => e !== null && typeof e === 'object');
    return isList ? (x as unknown[]).flatMap((e, i) => flatten(e, `${key}[${i}]`)) : flatten(x, key);
  });
}

/** Prints one record: one JSON line with `json`, else one `field  value` line per (flattened) field. */
export function printRecord(record: unknown, json: boolean | undefined): void {
  const r = isoTimes(record);
  if (json) {
    console.log(JSON.stringify(r));
    return;
  }
  const rows = flatten(r).map(([field, value]) => ({ field, value }));
  console.log(
    formatTable(rows, [
      { heading: 'FIELD', value: (x) => x.field },
      { heading: 'VALUE', value: (x) => x.value },
    ]),
  );
}
