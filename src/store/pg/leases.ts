/**
 * NE leases on PostgreSQL (migration 2; docs/admf.md "Several instances"). Expiry is always the database's
 * `now()`, never an instance's clock. Tokens come from the sequence `ne_lease_token`, so a grant always carries
 * a larger token than any before it. The fenced task writes ({@link FENCED}) hold the lease row `FOR SHARE`
 * inside the writing statement: a takeover (which updates that row) waits for them to commit, and a write that
 * starts after a takeover finds the token changed and changes nothing. Notices travel on the channel
 * `lix_admf` through one connection per instance taken out of the pool for good (LISTEN needs a session).
 */
import type pg from 'pg';
import type { Fence } from '../admf-fence.js';
import type { HeldLease, LeaseGrant, LeaseStore } from '../admf-lease.js';
import { run, prepared } from './exec.js';
import { TASK_COLUMNS } from './rows.js';

/** The notice channel. */
export const LEASE_CHANNEL = 'lix_admf';

/** `EXISTS` of the lease `(ne $a, owner $b, token $c)`, unexpired, locked against a takeover until commit. */
const holds = (a: number, b: number, c: number) =>
  `EXISTS (SELECT 1 FROM ne_lease WHERE ne_id = $${a} AND owner = $${b} AND token = $${c} ` +
  `AND expires_at > now() FOR SHARE)`;

const TASK_TYPES = [
  'text',
  'text',
  'jsonb',
  'text',
  'text',
  'text',
  'bigint',
  'bigint',
  'text',
  'bigint',
  'bigint',
];

/** Task writes that commit only under a holding fence (the last three parameters: NE, owner, token). */
export const FENCED = {
  setState: prepared(
    'lix_task_state_fenced',
    'UPDATE tasks SET state = $2, provisioning = coalesce($3, provisioning), reason = $4, updated_at = $5 ' +
      `WHERE xid = $1 AND ne_id = $6 AND ($9::text[] IS NULL OR state = ANY($9)) AND ${holds(6, 7, 8)}`,
  ),
  putTask: prepared(
    'lix_task_put_fenced',
    `INSERT INTO tasks (${TASK_COLUMNS}) SELECT ${TASK_TYPES.map((t, i) => `$${i + 1}::${t}`).join(', ')} ` +
      `WHERE $2 = $12 AND ${holds(12, 13, 14)} ON CONFLICT (xid) DO UPDATE SET ` +
      TASK_COLUMNS.split(', ')
        .slice(1)
        .map((c) => `${c} = excluded.${c}`)
        .join(', '),
  ),
  putDest: prepared(
    'lix_dest_put_fenced',
    'INSERT INTO destinations (ne_id, did, details, created_at, updated_at) ' +
      `SELECT $1::text, $2::text, $3::jsonb, $4::bigint, $5::bigint WHERE $1 = $6 AND ${holds(6, 7, 8)} ` +
      'ON CONFLICT (ne_id, did) DO UPDATE SET details = excluded.details, updated_at = excluded.updated_at',
  ),
  // Whether the lease held, and how many rows went: a missing destination is not a lost lease.
  deleteDest: prepared(
    'lix_dest_delete_fenced',
    `WITH lease AS (SELECT $1 = $3 AND ${holds(3, 4, 5)} AS held), ` +
      'gone AS (DELETE FROM destinations WHERE ne_id = $1 AND did = $2 AND (SELECT held FROM lease) RETURNING 1) ' +
      'SELECT (SELECT held FROM lease) AS held, (SELECT count(*)::int FROM gone) AS n',
  ),
  setMeta: prepared(
    'lix_meta_set_fenced',
    `INSERT INTO meta (key, value) SELECT $1::text, $2::text WHERE ${holds(3, 4, 5)} ` +
      'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ),
} as const;

const ttl = (n: number) => `now() + $${n} * interval '1 millisecond'`;

const L = {
  heartbeat: prepared(
    'lix_instance_beat',
    `WITH me AS (INSERT INTO admf_instances (id, seen_at) VALUES ($1, ${ttl(2)}) ` +
      'ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at) ' +
      'SELECT count(*) + CASE WHEN bool_or(id = $1) THEN 0 ELSE 1 END AS n FROM admf_instances WHERE seen_at > now()',
  ),
  free: prepared(
    'lix_lease_free',
    'SELECT n.id, l.owner, l.expires_at > now() AS held FROM nes n LEFT JOIN ne_lease l ON l.ne_id = n.id ORDER BY n.id',
  ),
  acquire: prepared(
    'lix_lease_acquire',
    `INSERT INTO ne_lease AS l (ne_id, owner, token, expires_at) VALUES ($1, $2, nextval('ne_lease_token'), ${ttl(3)}) ` +
      'ON CONFLICT (ne_id) DO UPDATE SET owner = excluded.owner, token = excluded.token, ' +
      'expires_at = excluded.expires_at WHERE l.expires_at <= now() RETURNING l.token, l.keepalive_at',
  ),
  renew: prepared(
    'lix_lease_renew',
    `UPDATE ne_lease l SET expires_at = ${ttl(4)} FROM unnest($2::text[], $3::bigint[]) AS h(ne_id, token) ` +
      'WHERE l.ne_id = h.ne_id AND l.token = h.token AND l.owner = $1 AND l.expires_at > now() RETURNING l.ne_id',
  ),
  release: prepared(
    'lix_lease_release',
    'UPDATE ne_lease l SET expires_at = now() FROM unnest($2::text[], $3::bigint[]) AS h(ne_id, token) ' +
      'WHERE l.ne_id = h.ne_id AND l.token = h.token AND l.owner = $1',
  ),
  keepalive: prepared(
    'lix_lease_keepalive',
    'UPDATE ne_lease SET keepalive_at = $4 WHERE ne_id = $1 AND owner = $2 AND token = $3 AND expires_at > now()',
  ),
  leave: prepared('lix_instance_leave', 'DELETE FROM admf_instances WHERE id = $1'),
  notify: prepared('lix_notify', `SELECT pg_notify('${LEASE_CHANNEL}', $1)`),
} as const;

/** Back-off between reconnections of the listening connection (ms). */
const LISTEN_RETRY_MS = 500;

/** Leases on the store's pool; the listener holds one of its connections. */
export class PgLeaseStore implements LeaseStore {
  constructor(
    private readonly db: pg.Pool,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  async heartbeat(instance: string, ttlMs: number): Promise<number> {
    return (await run(this.db, L.heartbeat, [instance, ttlMs])).rows[0]!.n as number;
  }

  async freeNes(): Promise<{ total: number; free: { neId: string; owner?: string }[] }> {
    const { rows } = await run(this.db, L.free);
    const free = rows
      .filter((r) => r.held !== true)
      .map((r) => ({ neId: r.id as string, ...(r.owner !== null && { owner: r.owner as string }) }));
    return { total: rows.length, free };
  }

  async acquire(instance: string, neId: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    const [r] = (await run(this.db, L.acquire, [neId, instance, ttlMs])).rows;
    if (!r) return undefined;
    return {
      neId,
      token: r.token as number,
      ...(r.keepalive_at !== null && { keepaliveAt: r.keepalive_at as number }),
    };
  }

  async renew(instance: string, held: readonly HeldLease[], ttlMs: number): Promise<string[]> {
    if (held.length === 0) return [];
    const r = await run(this.db, L.renew, [
      instance,
      held.map((h) => h.neId),
      held.map((h) => h.token),
      ttlMs,
    ]);
    return r.rows.map((x) => x.ne_id as string);
  }

  async release(instance: string, held: readonly HeldLease[]): Promise<void> {
    if (held.length === 0) return;
    await run(this.db, L.release, [instance, held.map((h) => h.neId), held.map((h) => h.token)]);
  }

  async noteKeepalive(f: Fence, at: number): Promise<boolean> {
    return (await run(this.db, L.keepalive, [f.neId, f.owner, f.token, at])).count > 0;
  }

  async leave(instance: string): Promise<void> {
    await run(this.db, L.leave, [instance]);
  }

  async notify(neId: string, subject: string): Promise<void> {
    await run(this.db, L.notify, [JSON.stringify({ ne: neId, s: subject })]);
  }

  async listen(
    notice: (neId: string, subject: string) => void,
    connected: () => void,
  ): Promise<{ close(): Promise<void> }> {
    let closed = false;
    let client: pg.PoolClient | undefined;
    let retry: NodeJS.Timeout | undefined;
    const open = async (): Promise<void> => {
      const c = await this.db.connect();
      c.on('notification', (m) => {
        const n = parseNotice(m.payload);
        if (n) notice(n.neId, n.subject);
      });
      const lost = (err?: Error) => {
        if (client !== c) return;
        client = undefined;
        if (err) this.onError(err);
        c.release(err ?? true);
        if (!closed) retry = setTimeout(() => void open().catch(again), LISTEN_RETRY_MS);
      };
      c.on('error', lost);
      c.on('end', () => lost());
      client = c;
      try {
        await c.query(`LISTEN ${LEASE_CHANNEL}`);
      } catch (err) {
        lost(err as Error);
        return;
      }
      if (closed) return lost();
      connected();
    };
    const again = (err: unknown) => {
      this.onError(err as Error);
      client = undefined;
      if (!closed) retry = setTimeout(() => void open().catch(again), LISTEN_RETRY_MS);
    };
    await open();
    return {
      async close() {
        closed = true;
        clearTimeout(retry);
        const c = client;
        client = undefined;
        // Released as broken: the pool closes it rather than hand out a connection still listening.
        c?.release(true);
      },
    };
  }
}

/** A notice's NE and subject, or undefined for a payload lix did not send. */
function parseNotice(payload: string | undefined): { neId: string; subject: string } | undefined {
  try {
    const v = JSON.parse(payload ?? '') as { ne?: unknown; s?: unknown };
    return typeof v.ne === 'string' && typeof v.s === 'string' ? { neId: v.ne, subject: v.s } : undefined;
  } catch {
    return undefined;
  }
}
