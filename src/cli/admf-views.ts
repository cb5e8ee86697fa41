/**
 * How `lix admf ne|destination|task|reports|audit|health` show the REST API's answers: the columns of each
 * kind of record for the table, and the one rule for `--json` (output.ts: JSON Lines). The API already
 * writes times in ISO 8601.
 */
import { cell, formatTable, printRecord, printRecords, type Column } from './output.js';

type Row = Record<string, unknown>;

const get = (r: Row, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Row)[k] : undefined), r);

const col = (heading: string, path: string): Column<Row> => ({ heading, value: (r) => get(r, path) });

/** A task's targets as `kind=value` joined with ` & ` (all must match). */
function targets(r: Row): string {
  const list = (get(r, 'details.targetIdentifiers') as { kind: string; value: unknown }[] | undefined) ?? [];
  return list.map((t) => `${t.kind}=${cell(t.value)}`).join(' & ');
}

/** A destination's address: the URI, or `ip:port/transport`. */
function address(r: Row): string {
  const a = get(r, 'details.deliveryAddress') as Row | undefined;
  if (!a) return '';
  if (typeof a.value === 'string') return a.value;
  const ip = get(a, 'address.value');
  const port = get(a, 'port.port');
  const proto = get(a, 'port.protocol');
  return ip !== undefined ? `${cell(ip)}:${cell(port)}/${cell(proto)}` : JSON.stringify(a);
}

/** The columns of each record kind the API answers with. */
export const COLUMNS = {
  ne: [
    col('ID', 'id'),
    col('URL', 'url'),
    col('REACHABLE', 'health.reachable'),
    col('FAILURES', 'health.consecutiveFailures'),
    col('LAST ANSWER', 'health.lastAnswerAt'),
    col('HEAL', 'options.heal'),
    { heading: 'FAULTS', value: (r) => (get(r, 'health.faults') as unknown[] | undefined)?.length ?? 0 },
  ],
  destination: [
    col('NE', 'neId'),
    col('DID', 'did'),
    col('TYPE', 'details.deliveryType'),
    { heading: 'ADDRESS', value: address },
    col('NAME', 'details.friendlyName'),
  ],
  task: [
    col('XID', 'xid'),
    col('NE', 'neId'),
    col('STATE', 'state'),
    col('TYPE', 'details.deliveryType'),
    { heading: 'TARGETS', value: targets },
    col('DIDS', 'details.listOfDIDs.dIds'),
    col('UPDATED', 'updatedAt'),
  ],
  report: [
    col('ID', 'id'),
    col('RECEIVED', 'receivedAt'),
    col('NE', 'neId'),
    col('KIND', 'kind'),
    col('TYPE', 'reportType'),
    { heading: 'ABOUT', value: (r) => r.xid ?? r.did },
    col('CODE', 'code'),
    col('DETAILS', 'details'),
  ],
  audit: [
    col('ID', 'id'),
    col('AT', 'at'),
    col('ACTOR', 'actor'),
    col('ACTION', 'action'),
    col('OUTCOME', 'outcome'),
    col('NE', 'neId'),
    { heading: 'ABOUT', value: (r) => r.xid ?? r.did },
    col('DETAIL', 'detail'),
  ],
} satisfies Record<string, readonly Column<Row>[]>;

export type RecordKind = keyof typeof COLUMNS;

/** A list answer: a table of `kind`'s columns, or JSON Lines. */
export function printList(kind: RecordKind, rows: unknown, json: boolean | undefined): void {
  printRecords(Array.isArray(rows) ? (rows as Row[]) : [rows as Row], COLUMNS[kind], json);
}

/** One record (a show, status, reconcile or heal answer): `FIELD VALUE` lines, or one JSON line. */
export function printOne(record: unknown, json: boolean | undefined): void {
  printRecord(record, json);
}

/** `GET /api/health`: the ADMF's line and a table of its NEs, or one JSON line. */
export function printHealth(h: { admf: Row; nes: Row[] }, json: boolean | undefined): void {
  if (json) {
    printRecord(h, true);
    return;
  }
  console.log(`ADMF ${cell(h.admf.id)}${h.admf.x1Url ? ` (X1 reports on ${cell(h.admf.x1Url)})` : ''}`);
  console.log(h.nes.length === 0 ? '(no NEs)' : formatTable(h.nes, COLUMNS.ne));
}

/**
 * What in a 200 answer says the NE refused (exit status 1, docs/cli.md "Exit status"): a Ping answered with
 * anything but a PingResponse, a heal with a failed action. Undefined when nothing was refused.
 */
export function x1Refusal(command: string, answer: unknown): string | undefined {
  const a = answer as { response?: string; actions?: { action: string; id: string; outcome: string }[] };
  if (command === 'ping' && a?.response !== undefined && a.response !== 'PingResponse')
    return `the NE answered the Ping with ${a.response}`;
  const failed = command === 'heal' ? (a?.actions ?? []).filter((x) => x.outcome !== 'ok') : [];
  if (failed.length > 0)
    return `${failed.length} heal action(s) failed: ${failed.map((x) => `${x.action} ${x.id}`).join(', ')}`;
  return undefined;
}
