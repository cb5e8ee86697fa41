/**
 * Operator changes handed to an NE's owner, on PostgreSQL (migration 3). Queuing a change notifies the owner
 * (`op:<id>` on channel `lix_admf`) and storing its outcome notifies the asker (`done:<id>`), each in the
 * writing statement, so that the notice leaves with the commit. A change is claimed only under the fence of the
 * NE's current, unexpired lease. Finished changes are kept an hour, for the audit trail of a slow asker.
 */
import type pg from 'pg';
import type { Fence } from '../admf-fence.js';
import type { HandedOp, HandedOpStore, HandedResult } from '../admf-ops.js';
import { run, prepared } from './exec.js';
import { LEASE_CHANNEL } from './leases.js';

const notice = (ne: string, subject: string) =>
  `pg_notify('${LEASE_CHANNEL}', json_build_object('ne', ${ne}, 's', ${subject})::text)`;

const Q = {
  enqueue: prepared(
    'lix_op_enqueue',
    'WITH i AS (INSERT INTO admf_ops (ne_id, op, asked_by, operator) VALUES ($1, $2, $3, $4) RETURNING id) ' +
      `SELECT id, ${notice('$1', "'op:' || id")} FROM i`,
  ),
  queued: prepared(
    'lix_op_queued',
    "SELECT id FROM admf_ops WHERE ne_id = $1 AND state = 'queued' ORDER BY id",
  ),
  claim: prepared(
    'lix_op_claim',
    "UPDATE admf_ops SET state = 'running', ran_by = $2 WHERE id = $1 AND state = 'queued' AND ne_id = $4 " +
      'AND EXISTS (SELECT 1 FROM ne_lease WHERE ne_id = $4 AND owner = $2 AND token = $3 AND expires_at > now() ' +
      'FOR SHARE) RETURNING id, ne_id, op, operator, asked_by',
  ),
  finish: prepared(
    'lix_op_finish',
    "UPDATE admf_ops SET state = 'done', result = $2, done_at = now() WHERE id = $1 AND state = 'running' " +
      `RETURNING ${notice('ne_id', "'done:' || id")}`,
  ),
  orphaned: prepared(
    'lix_op_orphaned',
    "UPDATE admf_ops SET state = 'done', result = $3, done_at = now() WHERE ne_id = $1 AND state = 'running' " +
      `AND ran_by <> $2 RETURNING ${notice('ne_id', "'done:' || id")}`,
  ),
  result: prepared('lix_op_result', "SELECT result FROM admf_ops WHERE id = $1 AND state = 'done'"),
  withdraw: prepared(
    'lix_op_withdraw',
    "UPDATE admf_ops SET state = 'withdrawn', done_at = now() WHERE id = $1 AND state = 'queued'",
  ),
  prune: prepared(
    'lix_op_prune',
    "DELETE FROM admf_ops WHERE state IN ('done', 'withdrawn') AND done_at < now() - interval '1 hour'",
  ),
} as const;

/** Prune finished changes once every this many outcomes. */
const PRUNE_EVERY = 256;

export class PgHandedOps implements HandedOpStore {
  private finished = 0;

  constructor(private readonly db: pg.Pool) {}

  async enqueue(neId: string, op: unknown, askedBy: string, operator?: string): Promise<number> {
    const { rows } = await run(this.db, Q.enqueue, [neId, JSON.stringify(op), askedBy, operator ?? null]);
    return Number(rows[0]!.id);
  }

  async queued(neId: string): Promise<number[]> {
    return (await run(this.db, Q.queued, [neId])).rows.map((r) => Number(r.id));
  }

  async claim(id: number, fence: Fence): Promise<HandedOp | undefined> {
    const [r] = (await run(this.db, Q.claim, [id, fence.owner, fence.token, fence.neId])).rows;
    if (!r) return undefined;
    return {
      id: Number(r.id),
      neId: r.ne_id as string,
      op: r.op,
      ...(r.operator !== null && { operator: r.operator as string }),
      askedBy: r.asked_by as string,
    };
  }

  async finish(id: number, result: HandedResult): Promise<void> {
    await run(this.db, Q.finish, [id, JSON.stringify(result)]);
    if (++this.finished % PRUNE_EVERY === 0) await run(this.db, Q.prune);
  }

  async orphaned(neId: string, owner: string, result: HandedResult): Promise<number> {
    return (await run(this.db, Q.orphaned, [neId, owner, JSON.stringify(result)])).count;
  }

  async result(id: number): Promise<HandedResult | undefined> {
    const [r] = (await run(this.db, Q.result, [id])).rows;
    return r ? (r.result as HandedResult) : undefined;
  }

  async withdraw(id: number): Promise<boolean> {
    return (await run(this.db, Q.withdraw, [id])).count > 0;
  }
}
