/**
 * `lix admf subscriber add|list|show|modify|end`: a subscriber's identities tasked as several X1 tasks through
 * the ADMF's REST API (`/api/subscribers`, docs/admf.md "Subscribers"). Tables by default, `--json` for JSON
 * Lines (docs/cli.md). Exit status 1 when the API refuses, or when any task of the change failed (refused,
 * unreachable, conflict); tasks only pending (stored, installed when their NE is healed) exit 0.
 */
import { Option, type Command } from 'commander';
import { ApiError, type ApiClient } from '../api/client.js';
import { apiCommand } from './admf-api-client.js';
import { printRecord, printRecords } from './output.js';

interface Slot {
  neId: string;
  target: string;
  wanted: boolean;
  xid?: string;
  state?: string;
  inSync: boolean;
  why?: string;
}

interface View {
  id: string;
  name?: string;
  identities: { kind: string; value: string }[];
  placements: { neId: string; dids: string[] }[];
  deliveryType: string;
  state: string;
  createdAt: string;
  updatedAt: string;
  tasks: Slot[];
  inSync: boolean;
  outOfSync: Slot[];
  results?: {
    neId: string;
    target: string;
    xid: string;
    action: string;
    outcome: string;
    message?: string;
  }[];
}

const IDENTITY_FLAGS = ['imsi', 'msisdn', 'impu', 'impi', 'imei'] as const;

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Rows under a header, columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `KIND=VALUE` → an identity. */
function identityArg(spec: string, flag: string): { kind: string; value: string } {
  const eq = spec.indexOf('=');
  if (eq < 1)
    throw new ApiError(
      0,
      undefined,
      `${flag} ${spec}: use KIND=VALUE with KIND one of ${IDENTITY_FLAGS.join(', ')} (e.g. impu=tel:+447900000000)`,
    );
  return { kind: spec.slice(0, eq), value: spec.slice(eq + 1) };
}

/** `--ne ID` (with every `--did`) or `--ne ID=DID[,DID]`, repeatable → the API's `nes`. */
function nesArg(o: Record<string, unknown>): { ne: string; dids: string[] }[] | undefined {
  const nes = o.ne as string[] | undefined;
  if (nes === undefined) return undefined;
  const dids = (o.did as string[] | undefined) ?? [];
  return nes.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq < 0) {
      if (dids.length === 0)
        throw new ApiError(
          0,
          undefined,
          `--ne ${spec}: give its destinations with --did or as --ne ${spec}=DID`,
        );
      return { ne: spec, dids };
    }
    return {
      ne: spec.slice(0, eq),
      dids: spec
        .slice(eq + 1)
        .split(',')
        .filter(Boolean),
    };
  });
}

const identitiesOf = (v: View) => v.identities.map((i) => `${i.kind}=${i.value}`).join(' ');

function slotRows(slots: readonly Slot[]): string[][] {
  return slots.map((t) => [
    t.neId,
    t.target,
    t.xid ?? '-',
    t.state ?? '-',
    t.inSync ? 'yes' : `no: ${t.why ?? ''}`,
  ]);
}

function printView(v: View): void {
  console.log(`subscriber ${v.id}${v.name ? ` (${v.name})` : ''}: ${v.state}, ${v.deliveryType}`);
  console.log(`  identities  ${identitiesOf(v)}`);
  for (const p of v.placements) console.log(`  on ${p.neId}  -> ${p.dids.join(', ')}`);
  console.log(`  created ${v.createdAt}, updated ${v.updatedAt}`);
  console.log(table(['NE', 'TARGET', 'XID', 'STATE', 'IN SYNC'], slotRows(v.tasks)));
}

/** Prints a change's outcome; exit status 1 when any task failed. */
function printChange(v: View, json: boolean): void {
  const failed = (v.results ?? []).filter((r) => r.outcome !== 'ok' && r.outcome !== 'pending');
  if (failed.length > 0) process.exitCode = 1;
  if (json) return printRecord(v, true);
  const results = v.results ?? [];
  if (results.length > 0)
    console.log(
      table(
        ['ACTION', 'NE', 'TARGET', 'XID', 'OUTCOME'],
        results.map((r) => [
          r.action,
          r.neId,
          r.target,
          r.xid,
          r.outcome === 'ok' ? 'ok' : `${r.outcome}${r.message ? `: ${r.message}` : ''}`,
        ]),
      ),
    );
  if (v.inSync) console.log(`subscriber ${v.id}: ${v.state}, ${v.tasks.length} task(s), in sync`);
  else {
    console.log(`subscriber ${v.id}: ${v.state}, out of sync: ${v.outOfSync.length} task(s)`);
    console.log(table(['NE', 'TARGET', 'XID', 'STATE', 'IN SYNC'], slotRows(v.outOfSync)));
    console.log(
      `retry with: lix admf subscriber ${v.state === 'ended' ? 'end' : 'modify'} ${v.id} (pending tasks are installed when their NE is healed)`,
    );
  }
}

const path = (id: string) => `/api/subscribers/${encodeURIComponent(id)}`;

function change(fn: (c: ApiClient, args: unknown[], o: Record<string, unknown>) => Promise<View>) {
  return async (c: ApiClient, args: unknown[], o: Record<string, unknown>) =>
    printChange(await fn(c, args, o), o.json === true);
}

const deliveryType = () =>
  new Option('--delivery-type <t>', 'X2Only (default), X3Only, X2andX3').choices([
    'X2Only',
    'X3Only',
    'X2andX3',
  ]);

export function registerSubscriberCommands(admf: Command): void {
  const sub = admf
    .command('subscriber')
    .description("a subscriber's identities tasked together as several X1 tasks (one per target and NE)");
  let add = sub
    .command('add')
    .description('create a subscriber: its tasks are activated on every NE given')
    .option('--id <id>', 'subscriber identifier (a UUID when absent)')
    .option('--name <text>', 'a name for people')
    .requiredOption(
      '--ne <id[=did,...]>',
      'NE to task it on, repeatable; its DIDs after = or from --did',
      collect,
    )
    .option('--did <uuid>', 'destination on the NE(s), repeatable', collect)
    .addOption(deliveryType());
  for (const k of IDENTITY_FLAGS)
    add = add.option(
      `--${k} <value>`,
      `${k.toUpperCase()}${k === 'impu' ? ' (sip: or tel: URI)' : ''}, repeatable`,
      collect,
    );
  apiCommand(
    add,
    change(async (c, _a, o) => {
      const identities = IDENTITY_FLAGS.flatMap((k) =>
        ((o[k] as string[] | undefined) ?? []).map((value) => ({ kind: k, value })),
      );
      return c.call<View>('POST', '/api/subscribers', {
        ...(o.id !== undefined && { id: o.id }),
        ...(o.name !== undefined && { name: o.name }),
        identities,
        nes: nesArg(o),
        ...(o.deliveryType !== undefined && { deliveryType: o.deliveryType }),
      });
    }),
  );
  apiCommand(
    sub.command('list').description('subscribers and whether their tasks are in sync'),
    async (c, _a, o) => {
      const list = await c.call<View[]>('GET', '/api/subscribers');
      if (o.json) return printRecords(list, [], true);
      console.log(
        table(
          ['ID', 'NAME', 'STATE', 'TASKS', 'IN SYNC', 'IDENTITIES'],
          list.map((v) => [
            v.id,
            v.name ?? '',
            v.state,
            String(v.tasks.length),
            v.inSync ? 'yes' : `no (${v.outOfSync.length})`,
            identitiesOf(v),
          ]),
        ),
      );
    },
  );
  apiCommand(
    sub.command('show').description('a subscriber with its tasks').argument('<id>'),
    async (c, [id], o) => {
      const v = await c.call<View>('GET', path(id as string));
      if (o.json) printRecord(v, true);
      else printView(v);
    },
  );
  apiCommand(
    sub
      .command('modify')
      .description('change it; its tasks follow (no option: retry the tasks that are out of sync)')
      .argument('<id>')
      .option('--add <KIND=VALUE>', 'add an identity, repeatable (e.g. impu=sip:alice@example.net)', collect)
      .option('--remove <KIND=VALUE>', 'remove an identity, repeatable', collect)
      .option('--ne <id[=did,...]>', 'replace the NEs (and destinations), repeatable', collect)
      .option('--did <uuid>', 'destinations for --ne, repeatable', collect)
      .option('--name <text>', 'a new name')
      .addOption(deliveryType()),
    change(async (c, [id], o) => {
      const nes = nesArg(o);
      const list = (flag: string) =>
        ((o[flag] as string[] | undefined) ?? []).map((s) => identityArg(s, `--${flag}`));
      return c.call<View>('PATCH', path(id as string), {
        ...(o.add !== undefined && { addIdentities: list('add') }),
        ...(o.remove !== undefined && { removeIdentities: list('remove') }),
        ...(nes && { nes }),
        ...(o.name !== undefined && { name: o.name }),
        ...(o.deliveryType !== undefined && { deliveryType: o.deliveryType }),
      });
    }),
  );
  apiCommand(
    sub
      .command('end')
      .description('end it: every task of it is deactivated (again: retry those still live)')
      .argument('<id>'),
    change(async (c, [id]) => c.call<View>('DELETE', path(id as string))),
  );
}
