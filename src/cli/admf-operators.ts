/**
 * `lix admf token add|list|revoke`, `lix admf whoami` and `lix admf audit`: named API credentials and the
 * audit log, through the ADMF's REST API (tokens need an administrator's token; docs/security.md "Operators
 * and roles"). Each prints a table by default and JSON with --json.
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

const json = (v: unknown) => console.log(JSON.stringify(v, null, 2));

/** Rows as left-aligned columns under a header; an empty cell shows as `-`. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly (string | undefined)[])[],
): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === undefined || c === '' ? '-' : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
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
      .option('--json', 'print JSON'),
    async (c, [name], o) => {
      const r = await c.call<TokenView & { token: string }>('POST', '/api/tokens', { name, role: o.role });
      if (o.json) return json(r);
      console.log(textTable(['NAME', 'ROLE', 'CREATED', 'TOKEN'], [[r.name, r.role, r.createdAt, r.token]]));
      console.error('store the token now: it is not shown again (lix admf token list never shows it)');
    },
  );
  apiCommand(
    t
      .command('list')
      .description('named credentials: name, role, created, last used, revoked')
      .option('--json', 'print JSON'),
    async (c, _a, o) => {
      const list = await c.call<TokenView[]>('GET', '/api/tokens');
      if (o.json) return json(list);
      console.log(
        textTable(
          ['NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'],
          list.map((x) => [x.name, x.role, x.createdAt, x.lastUsedAt, x.revokedAt]),
        ),
      );
    },
  );
  apiCommand(
    t
      .command('revoke')
      .description('revoke a named credential: the ADMF refuses it from the next request on')
      .argument('<name>')
      .option('--json', 'print JSON'),
    async (c, [name], o) => {
      const r = await c.call<TokenView>('DELETE', `/api/tokens/${encodeURIComponent(name as string)}`);
      if (o.json) return json(r);
      console.log(`credential ${r.name} (${r.role}) revoked at ${r.revokedAt ?? '?'}`);
    },
  );
  apiCommand(
    admf.command('whoami').description("the calling token's name and role").option('--json', 'print JSON'),
    async (c, _a, o) => {
      const r = await c.call<{ name: string; role: string }>('GET', '/api/whoami');
      if (o.json) return json(r);
      console.log(textTable(['NAME', 'ROLE'], [[r.name, r.role]]));
    },
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
      .option('--json', 'print JSON'),
    async (c, _a, o) => {
      const q = new URLSearchParams();
      for (const k of ['ne', 'xid', 'operator', 'since', 'limit'])
        if (o[k] !== undefined) q.set(k, String(o[k]));
      const rows = await c.call<AuditRow[]>('GET', `/api/audit${q.size ? `?${q}` : ''}`);
      if (o.json) return json(rows);
      console.log(
        textTable(
          ['ID', 'AT', 'ACTOR', 'OPERATOR', 'ACTION', 'OUTCOME', 'NE', 'XID/DID', 'DETAIL'],
          rows.map((r) => [
            String(r.id),
            r.at,
            r.actor,
            r.operator,
            r.action,
            r.outcome,
            r.neId,
            r.xid ?? r.did,
            r.detail,
          ]),
        ),
      );
    },
  );
}

/** Adds the credential and audit commands to `lix admf`. */
export function registerOperatorCommands(admf: Command): void {
  registerTokens(admf);
  registerAudit(admf);
}
