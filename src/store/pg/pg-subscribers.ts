/**
 * {@link SubscriberStore} and {@link ApiTokenStore} on PostgreSQL, used by PgAdmfStore. Each call is one
 * statement (atomic on its own; READ COMMITTED is enough as no call reads and then writes). The subscriber
 * lock holds across processes: a transaction-scoped advisory lock on a connection of a small pool of its own.
 */
import type pg from 'pg';
import type { SubscriberRecord, SubscriberStore, SubscriberTaskLink } from '../admf-subscriber-store.js';
import type { ApiTokenRecord, ApiTokenStore } from '../admf-tokens.js';
import { prepared, run } from './exec.js';
import { inTransaction, PG_LOCKS } from './pool.js';
import { toLink, toSubscriber, toToken } from './rows.js';

const S = {
  putSubscriber: prepared(
    'lix_sub_put',
    'INSERT INTO subscribers (id, name, identities, placements, delivery_type, state, created_at, updated_at) ' +
      'VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET name = excluded.name, ' +
      'identities = excluded.identities, placements = excluded.placements, delivery_type = excluded.delivery_type, ' +
      'state = excluded.state, updated_at = excluded.updated_at',
  ),
  getSubscriber: prepared('lix_sub_get', 'SELECT * FROM subscribers WHERE id = $1'),
  listSubscribers: prepared('lix_sub_list', 'SELECT * FROM subscribers ORDER BY id'),
  addTask: prepared(
    'lix_sub_task_add',
    'INSERT INTO subscriber_tasks (subscriber_id, xid, ne_id, target_key, created_at) VALUES ($1, $2, $3, $4, $5)',
  ),
  tasks: prepared('lix_sub_tasks', 'SELECT * FROM subscriber_tasks WHERE subscriber_id = $1 ORDER BY seq'),
  ofTask: prepared('lix_sub_of_task', 'SELECT subscriber_id FROM subscriber_tasks WHERE xid = $1 LIMIT 1'),
  addToken: prepared(
    'lix_token_add',
    'INSERT INTO api_tokens (name, role, hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING',
  ),
  tokenByHash: prepared('lix_token_by_hash', 'SELECT * FROM api_tokens WHERE hash = $1'),
  listTokens: prepared('lix_token_list', 'SELECT * FROM api_tokens ORDER BY name'),
  revoke: prepared(
    'lix_token_revoke',
    'UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE name = $1 RETURNING *',
  ),
  touch: prepared(
    'lix_token_touch',
    'UPDATE api_tokens SET last_used_at = greatest(coalesce(last_used_at, 0), $2) WHERE name = $1',
  ),
} as const;

/** The subscriber and credential statements on a pool of an ADMF database. */
export class PgSubscribersAndTokens implements SubscriberStore, ApiTokenStore {
  constructor(
    private readonly pool: pg.Pool,
    /** Connections that only hold subscriber locks (never run the locked work: no pool can starve itself). */
    private readonly lockPool: pg.Pool,
  ) {}

  async putSubscriber(s: SubscriberRecord): Promise<void> {
    await run(this.pool, S.putSubscriber, [
      s.id,
      s.name ?? null,
      JSON.stringify(s.identities),
      JSON.stringify(s.placements),
      s.deliveryType,
      s.state,
      s.createdAt,
      s.updatedAt,
    ]);
  }

  async getSubscriber(id: string): Promise<SubscriberRecord | undefined> {
    const [r] = (await run(this.pool, S.getSubscriber, [id])).rows;
    return r && toSubscriber(r);
  }

  async listSubscribers(): Promise<SubscriberRecord[]> {
    return (await run(this.pool, S.listSubscribers)).rows.map(toSubscriber);
  }

  async addSubscriberTask(l: SubscriberTaskLink): Promise<void> {
    await run(this.pool, S.addTask, [l.subscriberId, l.xid, l.neId, l.targetKey, l.createdAt]);
  }

  async listSubscriberTasks(subscriberId: string): Promise<SubscriberTaskLink[]> {
    return (await run(this.pool, S.tasks, [subscriberId])).rows.map(toLink);
  }

  async subscriberOfTask(xid: string): Promise<string | undefined> {
    const [r] = (await run(this.pool, S.ofTask, [xid])).rows;
    return r?.subscriber_id as string | undefined;
  }

  /**
   * Runs `fn` holding `pg_advisory_xact_lock(PG_LOCKS.subscriberClass, hashtext(id))` in a transaction of its
   * own, which ends (and frees the lock) when `fn` settles, or when the process or its connection dies.
   */
  withSubscriberLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return inTransaction(this.lockPool, 'READ COMMITTED', async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PG_LOCKS.subscriberClass, id]);
      return fn();
    });
  }

  async addApiToken(t: ApiTokenRecord): Promise<boolean> {
    return (await run(this.pool, S.addToken, [t.name, t.role, t.hash, t.createdAt])).count > 0;
  }

  async getApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const [r] = (await run(this.pool, S.tokenByHash, [hash])).rows;
    return r && toToken(r);
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return (await run(this.pool, S.listTokens)).rows.map(toToken);
  }

  async revokeApiToken(name: string, at: number): Promise<ApiTokenRecord | undefined> {
    const [r] = (await run(this.pool, S.revoke, [name, at])).rows;
    return r && toToken(r);
  }

  async touchApiToken(name: string, at: number): Promise<void> {
    await run(this.pool, S.touch, [name, at]);
  }
}
