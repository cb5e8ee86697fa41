/**
 * `lix admf task list` as a table: each task's NE, state, warrant and the time left before its warrant ends
 * (docs/admf.md "Warrant validity"); `--json` prints JSON Lines instead (docs/cli.md).
 */

/** The fields of a REST task view the table shows. */
export interface TaskRow {
  readonly xid: string;
  readonly neId: string;
  readonly state: string;
  readonly validFrom?: string;
  readonly validUntil?: string;
  readonly warrantRef?: string;
  readonly remainingSeconds?: number;
  readonly expiring?: boolean;
}

/** Whole seconds as the two largest units: `2d 3h`, `3h 05m`, `4m 09s`, `12s`. */
export function timeLeft(s: number): string {
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(sec)}s`;
  return `${sec}s`;
}

const COLUMNS = ['XID', 'NE', 'STATE', 'WARRANT', 'VALID FROM', 'VALID UNTIL', 'TIME LEFT'] as const;

function cells(t: TaskRow): string[] {
  const left =
    t.remainingSeconds === undefined
      ? '-'
      : t.state === 'ended' || t.state === 'failed'
        ? '-'
        : `${timeLeft(t.remainingSeconds)}${t.expiring ? ' (expiring)' : ''}`;
  return [t.xid, t.neId, t.state, t.warrantRef ?? '-', t.validFrom ?? '-', t.validUntil ?? '-', left];
}

/** The table, one line per task, columns aligned. */
export function taskTable(rows: readonly TaskRow[]): string {
  const lines = [[...COLUMNS], ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
