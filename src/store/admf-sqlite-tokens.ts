/**
 * The named API credentials ({@link ApiTokenStore}) in the ADMF's SQLite file, and the schema step that added
 * them (version 4: the `api_tokens` table and the audit log's `operator` column).
 */
import type { Sqlite } from './sqlite.js';
import type { ApiRole, ApiTokenRecord, ApiTokenStore } from './admf-tokens.js';

/** Schema version 3 → 4: named API credentials, and the operator each audit row names. */
export const TOKENS_UPGRADE = `
CREATE TABLE api_tokens (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
  last_used_at INTEGER, revoked_at INTEGER
) WITHOUT ROWID;
ALTER TABLE audit ADD COLUMN operator TEXT;
CREATE INDEX audit_by_operator ON audit(operator);
`;

type Row = Record<string, string | number | null>;

function toToken(r: Row): ApiTokenRecord {
  return {
    name: r.name as string,
    role: r.role as ApiRole,
    hash: r.hash as string,
    createdAt: r.created_at as number,
    ...(r.last_used_at !== null && { lastUsedAt: r.last_used_at as number }),
    ...(r.revoked_at !== null && { revokedAt: r.revoked_at as number }),
  };
}

/** {@link ApiTokenStore} on an open ADMF database (schema version 4 or later). */
export class SqliteApiTokens implements ApiTokenStore {
  private readonly s;

  constructor(db: Sqlite) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      add: p(
        'INSERT INTO api_tokens (name, role, hash, created_at) VALUES (@name, @role, @hash, @createdAt) ' +
          'ON CONFLICT(name) DO NOTHING',
      ),
      byHash: p('SELECT * FROM api_tokens WHERE hash = ?'),
      byName: p('SELECT * FROM api_tokens WHERE name = ?'),
      list: p('SELECT * FROM api_tokens ORDER BY name'),
      revoke: p('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE name = ?'),
      touch: p('UPDATE api_tokens SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE name = ?'),
    };
  }

  async addApiToken(t: ApiTokenRecord): Promise<boolean> {
    const r = this.s.add.run({ name: t.name, role: t.role, hash: t.hash, createdAt: t.createdAt });
    return r.changes > 0;
  }

  async getApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const r = this.s.byHash.get(hash) as Row | undefined;
    return r && toToken(r);
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return (this.s.list.all() as Row[]).map(toToken);
  }

  async revokeApiToken(name: string, at: number): Promise<ApiTokenRecord | undefined> {
    this.s.revoke.run(at, name);
    const r = this.s.byName.get(name) as Row | undefined;
    return r && toToken(r);
  }

  async touchApiToken(name: string, at: number): Promise<void> {
    this.s.touch.run(at, name);
  }
}
