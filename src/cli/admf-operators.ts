/**
 * `lix admf token add|list|revoke`, `lix admf whoami` and `lix admf audit`: named API credentials and the
 * audit log, through the ADMF's REST API (tokens need an administrator's token; docs/security.md "Operators
 * and roles"). Each prints a table by default (`FIELD VALUE` rows for one record, `(none)` for no record) and
 * JSON Lines with --json: one object per record per line, times in ISO 8601 as the API gives them (the rule of
 * the other commands).
 */
import { Option, type Command } from 'commander';
import { API_ROLES } from '../store/admf-tokens.js';
import { apiCommand } from './admf-api-client.js';

interface TokenView {
  readonly name: string;
  readonly role: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
  readonly revoked: boolean;
}

interface AuditRow {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly operator?: string;
  readonly action: string;
  readonly outcome: string;
  readonly neId?: string;
  readonly xid?: string;
  readonly did?: string;
  readonly detail?: string;
}

const JSON_HELP = 'JSON Lines: one JSON object per record (times in ISO 8601)';

/** A cell's text: `-` for nothing, on one line. */
const cell = (c: string | undefined) => (c === undefined || c === '' ? '-' : c.replace(/[\r\n\t]+/g, ' '));

/** Rows as left-aligned columns under a header; an empty cell shows as `-`. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly (string | undefined)[])[],
): string {
  const cells = [header, ...rows.map((r) => r.map(cell))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Records as JSON Lines, or as a table (`(none)` when there is none). */
function printRows<T>(
  rows: readonly T[],
  json: unknown,
  header: readonly string[],
  row: (r: T) => (string | undefined)[],
): void {
  if (json) for (const r of rows) console.log(JSON.stringify(r));
  else console.log(rows.length === 0 ? '(none)' : textTable(header, rows.map(row)));
}

/** One record: one JSON line, or `FIELD VALUE` rows. */
function printOne(r: object, json: unknown): void {
  if (json) console.log(JSON.stringify(r));
  else
    console.log(
      textTable(
        ['FIELD', 'VALUE'],
        Object.entries(r).map(([k, v]) => [k, String(v)]),
      ),
    );
}

function registerTokens(admf: Command): void {
  const t = admf
    .command('token')
    .description('named REST API credentials (an administrator token is needed)');
  apiCommand(
    t
      .command('add')
      .description('make a named credential and print its token (shown this once, never again)')
      .argument('<name>', 'who holds it; audit rows show this name')
      .addOption(new Option('--role <role>', 'what it may do').choices([...API_ROLES]).makeOptionMandatory())
      .option('--json', JSON_HELP),
    async (c, [name], o) => {
      const r = await c.call<TokenView & { token: string }>('POST', '/api/tokens', { name, role: o.role });
      printOne(r, o.json);
      console.error('store the token now: it is not shown again (lix admf token list never shows it)');
    },
  );
  apiCommand(
    t
      .command('list')
      .description('named credentials: name, role, created, last used, revoked')
      .option('--json', JSON_HELP),
    async (c, _a, o) => {
      const list = await c.call<TokenView[]>('GET', '/api/tokens');
      printRows(list, o.json, ['NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'], (x) => [
        x.name,
        x.role,
        x.createdAt,
        x.lastUsedAt,
        x.revokedAt,
      ]);
    },
  );
  apiCommand(
    t
      .command('revoke')
      .description('revoke a named credential: the ADMF refuses it from the next request on')
      .argument('<name>')
      .option('--json', JSON_HELP),
    async (c, [name], o) => {
      const r = await c.call<TokenView>('DELETE', `/api/tokens/${encodeURIComponent(name as string)}`);
      if (o.json) console.log(JSON.stringify(r));
      else console.log(`credential ${r.name} (${r.role}) revoked at ${r.revokedAt ?? '?'}`);
    },
  );
  apiCommand(
    admf.command('whoami').description("the calling token's name and role").option('--json', JSON_HELP),
    async (c, _a, o) => printOne(await c.call<{ name: string; role: string }>('GET', '/api/whoami'), o.json),
  );
}

function registerAudit(admf: Command): void {
  apiCommand(
    admf
      .command('audit')
      .description('the audit log (operator actions and X1 exchanges), each row naming its operator')
      .option('--ne <id>', 'of one NE')
      .option('--xid <uuid>', 'about one task')
      .option('--operator <name>', 'caused by one operator (credential name)')
      .option('--since <id>', 'only after this id')
      .option('--limit <n>', 'at most this many')
      .option('--json', JSON_HELP),
    async (c, _a, o) => {
      const q = new URLSearchParams();
      for (const k of ['ne', 'xid', 'operator', 'since', 'limit'])
        if (o[k] !== undefined) q.set(k, String(o[k]));
      const rows = await c.call<AuditRow[]>('GET', `/api/audit${q.size ? `?${q}` : ''}`);
      printRows(
        rows,
        o.json,
        ['ID', 'AT', 'ACTOR', 'OPERATOR', 'ACTION', 'OUTCOME', 'NE', 'XID/DID', 'DETAIL'],
        (r) => [
          String(r.id),
          r.at,
          r.actor,
          r.operator,
          r.action,
          r.outcome,
          r.neId,
          r.xid ?? r.did,
          r.detail,
        ],
      );
    },
  );
}

/** Adds the credential and audit commands to `lix admf`. */
export function registerOperatorCommands(admf: Command): void {
  registerTokens(admf);
  registerAudit(admf);
}
