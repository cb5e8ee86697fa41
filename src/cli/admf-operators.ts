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
import { printRecord, printRecords, type Column } from './output.js';

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

const column = <T>(heading: string, value: (r: T) => unknown): Column<T> => ({ heading, value });

const TOKEN_COLUMNS: readonly Column<TokenView>[] = [
  column('NAME', (x) => x.name),
  column('ROLE', (x) => x.role),
  column('CREATED', (x) => x.createdAt),
  column('LAST USED', (x) => x.lastUsedAt),
  column('REVOKED', (x) => x.revokedAt),
];

const AUDIT_COLUMNS: readonly Column<AuditRow>[] = [
  column('ID', (r) => r.id),
  column('AT', (r) => r.at),
  column('ACTOR', (r) => r.actor),
  column('OPERATOR', (r) => r.operator),
  column('ACTION', (r) => r.action),
  column('OUTCOME', (r) => r.outcome),
  column('NE', (r) => r.neId),
  column('XID/DID', (r) => r.xid ?? r.did),
  column('DETAIL', (r) => r.detail),
];

function registerTokens(admf: Command): void {
  const t = admf
    .command('token')
    .description('named REST API credentials (an administrator token is needed)');
  apiCommand(
    t
      .command('add')
      .description('make a named credential and print its token (shown this once, never again)')
      .argument('<name>', 'who holds it; audit rows show this name')
      .addOption(new Option('--role <role>', 'what it may do').choices([...API_ROLES]).makeOptionMandatory()),
    async (c, [name], o) => {
      const r = await c.call<TokenView & { token: string }>('POST', '/api/tokens', { name, role: o.role });
      printRecord(r, o.json as boolean | undefined);
      console.error('store the token now: it is not shown again (lix admf token list never shows it)');
    },
  );
  apiCommand(
    t.command('list').description('named credentials: name, role, created, last used, revoked'),
    async (c, _a, o) => {
      const list = await c.call<TokenView[]>('GET', '/api/tokens');
      printRecords(list, TOKEN_COLUMNS, o.json as boolean | undefined);
    },
  );
  apiCommand(
    t
      .command('revoke')
      .description('revoke a named credential: the ADMF refuses it from the next request on')
      .argument('<name>'),
    async (c, [name], o) => {
      const r = await c.call<TokenView>('DELETE', `/api/tokens/${encodeURIComponent(name as string)}`);
      if (o.json) console.log(JSON.stringify(r));
      else console.log(`credential ${r.name} (${r.role}) revoked at ${r.revokedAt ?? '?'}`);
    },
  );
  apiCommand(admf.command('whoami').description("the calling token's name and role"), async (c, _a, o) =>
    printRecord(
      await c.call<{ name: string; role: string }>('GET', '/api/whoami'),
      o.json as boolean | undefined,
    ),
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
      .option('--limit <n>', 'at most this many'),
    async (c, _a, o) => {
      const q = new URLSearchParams();
      for (const k of ['ne', 'xid', 'operator', 'since', 'limit'])
        if (o[k] !== undefined) q.set(k, String(o[k]));
      const rows = await c.call<AuditRow[]>('GET', `/api/audit${q.size ? `?${q}` : ''}`);
      printRecords(rows, AUDIT_COLUMNS, o.json as boolean | undefined);
    },
  );
}

/** Adds the credential and audit commands to `lix admf`. */
export function registerOperatorCommands(admf: Command): void {
  registerTokens(admf);
  registerAudit(admf);
}
