// Lease ownership on a real PostgreSQL: two instances (two stores, two pools) share five NEs without overlap,
// an instance that stops renewing (its timers frozen, as under SIGSTOP) is taken over within TTL + renewal with
// a larger token, its writes under the old fence are refused in the database and change nothing, and a task
// stored `activating` on one instance reaches the NE's owner on the other through LISTEN/NOTIFY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { postgresSkip } from '../../test/support/postgres.js';
import { sharedPostgres } from '../../test/support/postgres-store.js';
import { openPgAdmfStore, type PgAdmfStore } from '../store/pg/admf-pg-store.js';
import { PgLeaseStore } from '../store/pg/leases.js';
import { StoreError } from '../store/store-errors.js';
import type { TaskRecord } from '../store/admf-store.js';
import { LeaseOwnership } from './lease-ownership.js';

const skip = postgresSkip();
const server = skip ? undefined : sharedPostgres();
const TTL = 800;
const RENEW = 200;

/** The system clock whose timers can be frozen (an instance under SIGSTOP fires none) and thawed. */
function freezableClock(): Clock & { frozen: boolean; thaw(): void } {
  const held: (() => void)[] = [];
  const c = {
    frozen: false,
    now: () => Date.now(),
    nowMicros: () => systemClock.nowMicros(),
    setTimer(ms: number, fn: () => void): TimerHandle {
      return systemClock.setTimer(ms, () => (c.frozen ? held.push(fn) : fn()));
    },
    thaw() {
      c.frozen = false;
      for (const fn of held.splice(0)) fn();
    },
  };
  return c;
}

interface Instance {
  readonly id: string;
  readonly store: PgAdmfStore;
  readonly own: LeaseOwnership;
  readonly clock: ReturnType<typeof freezableClock>;
  readonly told: string[];
}

async function instance(url: string, id: string): Promise<Instance> {
  const store = await openPgAdmfStore(url);
  const clock = freezableClock();
  const told: string[] = [];
  const own = new LeaseOwnership({
    instanceId: id,
    store: new PgLeaseStore(store.db),
    clock,
    logger: silentLogger,
    audit: (row) => store.appendAudit({ at: Date.now(), ...row }).then(() => undefined),
    ttlMs: TTL,
    renewMs: RENEW,
  });
  own.listen({ gained: () => undefined, lost: () => undefined, told: (ne, s) => told.push(`${ne} ${s}`) });
  return { id, store, own, clock, told };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const NES = ['ne-1', 'ne-2', 'ne-3', 'ne-4', 'ne-5'];

async function withNes(url: string): Promise<void> {
  const s = await openPgAdmfStore(url);
  const opts = {
    keepalive: true,
    keepaliveRandom: false,
    timeP1Ms: 600_000,
    timeP2Ms: 60_000,
    heal: 'manual',
  };
  for (const id of NES)
    await s.putNe({
      id,
      url: `https://${id}.invalid/X1/NE`,
      options: opts as never,
      createdAt: 1,
      updatedAt: 1,
    });
  await s.close();
}

function task(xid: string, neId: string, state: TaskRecord['state']): TaskRecord {
  return {
    xid,
    neId,
    state,
    details: { xId: xid, targetIdentifiers: [], deliveryType: 'X2Only', listOfDIDs: [] } as never,
    createdAt: 1,
    updatedAt: 1,
  };
}

test(
  'two instances share the NEs; a frozen owner is taken over and fenced out; NOTIFY reaches the owner',
  { skip },
  async () => {
    const url = await (await server!()).createDatabase();
    await withNes(url);
    const a = await instance(url, 'admf-a');
    const b = await instance(url, 'admf-b');
    try {
      await a.own.start();
      assert.deepEqual(a.own.owned().sort(), NES, 'alone, the first instance owns every NE');
      await b.own.start();
      await until('the NEs spread over both', () => a.own.owned().length === 3 && b.own.owned().length === 2);
      const overlap = a.own.owned().filter((n) => b.own.owned().includes(n));
      assert.deepEqual(overlap, [], 'no NE has two owners');

      // A task stored `activating` on B for an NE of A reaches A (trigger + LISTEN), not B.
      const ofA = a.own.owned()[0]!;
      await b.store.putTask(task('x-notify', ofA, 'activating'));
      await until('the owner is told', () => a.told.includes(`${ofA} x-notify`));
      assert.ok(!b.told.some((t) => t.startsWith(ofA)), 'a non-owner is not told');

      // A's valid fence writes; B's fence for A's NE is refused and changes nothing.
      const fenceA = a.own.fence(ofA);
      assert.equal(await a.store.setTaskState('x-notify', 'active', 2, {}, fenceA), true);
      await assert.rejects(
        b.store.setTaskState('x-notify', 'failed', 3, {}, b.own.fence(ofA)),
        (e: unknown) => e instanceof StoreError && e.kind === 'Fenced',
      );
      assert.equal((await a.store.getTask('x-notify'))?.state, 'active');
      // Under a valid fence, a compare-and-set on states the task is not in is no change, not a fencing refusal;
      // under a lost fence, one on the state the task is in is refused.
      const cas = { from: ['activating' as const] };
      assert.equal(await a.store.setTaskState('x-notify', 'failed', 3, cas, fenceA), false);
      await assert.rejects(
        b.store.setTaskState('x-notify', 'failed', 3, { from: ['active'] }, b.own.fence(ofA)),
        (e: unknown) => e instanceof StoreError && e.kind === 'Fenced',
      );
      assert.equal((await a.store.getTask('x-notify'))?.state, 'active');
      // So for destinations and the NE's drift: the owner writes, a non-owner is refused and changes nothing.
      const dest = (did: string, friendlyName: string) => ({
        neId: ofA,
        did,
        details: { dId: did, friendlyName, deliveryType: 'X2Only', deliveryAddress: {} } as never,
        createdAt: 1,
        updatedAt: 1,
      });
      await a.store.putDestination(dest('d-1', 'owner'), fenceA);
      await a.store.setMeta(`drift:${ofA}`, 'owner', fenceA);
      const refusedWrites: [string, () => Promise<unknown>][] = [
        ['putDestination', () => b.store.putDestination(dest('d-1', 'stale'), b.own.fence(ofA))],
        ['putDestination (new)', () => b.store.putDestination(dest('d-2', 'stale'), b.own.fence(ofA))],
        ['deleteDestination', () => b.store.deleteDestination(ofA, 'd-1', b.own.fence(ofA))],
        ['setMeta', () => b.store.setMeta(`drift:${ofA}`, 'stale', b.own.fence(ofA))],
      ];
      for (const [what, write] of refusedWrites)
        await assert.rejects(write(), (e: unknown) => e instanceof StoreError && e.kind === 'Fenced', what);
      assert.equal((await a.store.getDestination(ofA, 'd-1'))?.details.friendlyName, 'owner');
      assert.equal(await a.store.getDestination(ofA, 'd-2'), undefined);
      assert.equal(await a.store.getMeta(`drift:${ofA}`), 'owner');
      assert.equal(await a.store.deleteDestination(ofA, 'd-none', fenceA), false, 'held, nothing to delete');
      assert.equal(await a.store.deleteDestination(ofA, 'd-1', fenceA), true);

      // A freezes (SIGSTOP): B takes its NEs within TTL + renewal, with larger tokens, audited.
      const aHeld = a.own.owned();
      a.clock.frozen = true;
      const frozenAt = Date.now();
      await until('B owns every NE', () => b.own.owned().length === 5, TTL + RENEW * 4 + 2000);
      const took = Date.now() - frozenAt;
      assert.ok(took <= TTL + 2 * RENEW + 500, `takeover took ${took} ms`);
      for (const ne of aHeld) assert.ok(b.own.fence(ne).token > a.own.fence(ne).token);
      const audit = await b.store.readAudit({});
      for (const ne of aHeld)
        assert.ok(
          audit.some((r) => r.action === 'TakeOverNe' && r.neId === ne && r.detail?.includes('from admf-a')),
          `takeover of ${ne} audited`,
        );

      // A wakes up (SIGCONT) and writes under its stale fence before its own round: refused, nothing changes.
      await assert.rejects(
        a.store.setTaskState('x-notify', 'ended', 4, {}, fenceA),
        (e: unknown) => e instanceof StoreError && e.kind === 'Fenced',
      );
      a.own.refused(fenceA, 'test');
      await assert.rejects(
        a.store.putTask({ ...task('x-notify', ofA, 'failed') }, fenceA),
        (e: unknown) => e instanceof StoreError && e.kind === 'Fenced',
      );
      assert.equal((await a.store.getTask('x-notify'))?.state, 'active');
      a.clock.thaw();
      await until('A lost every stale lease', () => a.own.stats().lostLeases >= aHeld.length);
      assert.ok(a.own.stats().fencingRefusals >= 1);
      // Then the NEs spread again, never with two owners.
      await until(
        'the NEs spread over both again',
        () => a.own.owned().length + b.own.owned().length === 5 && a.own.owned().length >= 2,
      );
      assert.deepEqual(
        a.own.owned().filter((n) => b.own.owned().includes(n)),
        [],
      );
      assert.ok(b.own.stats().takeovers >= aHeld.length);
    } finally {
      await a.own.stop().catch(() => undefined);
      await b.own.stop().catch(() => undefined);
      await a.store.close();
      await b.store.close();
    }
  },
);
