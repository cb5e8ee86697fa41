/**
 * The contract every {@link AdmfStore} implementation must meet (SQLite now, PostgreSQL later): one suite,
 * run against each implementation by its own test file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmfStore, NeRecord, TaskRecord } from '../../src/store/admf-store.js';
import type { SubscriberRecord } from '../../src/store/admf-subscriber-store.js';
import { destination, task, uuid } from './x1-builders.js';
import { apiTokenContract } from './admf-store-tokens-contract.js';

export interface StoreFactory {
  /** A fresh, empty store. */
  open(): Promise<AdmfStore>;
  /** The same store opened again (after close), or undefined when the implementation cannot. */
  reopen?(): Promise<AdmfStore>;
}

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

export function ne(id: string, over: Partial<NeRecord> = {}): NeRecord {
  return {
    id,
    url: `https://127.0.0.1:8443/X1/NE`,
    options: {
      keepalive: false,
      keepaliveRandom: false,
      timeP1Ms: 600_000,
      timeP2Ms: 60_000,
      heal: 'manual',
    },
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function taskRecord(neId: string, over: Partial<TaskRecord> = {}): TaskRecord {
  const xid = over.xid ?? uuid();
  return { xid, neId, details: task(xid, [uuid()]), state: 'active', createdAt: T0, updatedAt: T0, ...over };
}

export function admfStoreContract(name: string, f: StoreFactory): void {
  const withStore = (title: string, fn: (s: AdmfStore) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const s = await f.open();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    });

  withStore('NEs are stored, updated in place and listed by id', async (s) => {
    await s.putNe(ne('ne-2'));
    await s.putNe(ne('ne-1'));
    await s.putNe(ne('ne-1', { url: 'https://[::1]:9/X1/NE', updatedAt: T0 + 5, createdAt: T0 + 5 }));
    const list = await s.listNes();
    assert.deepEqual(
      list.map((n) => [n.id, n.url]),
      [
        ['ne-1', 'https://[::1]:9/X1/NE'],
        ['ne-2', 'https://127.0.0.1:8443/X1/NE'],
      ],
    );
    assert.equal(list[0]!.createdAt, T0, 'an update keeps the creation time');
    assert.equal((await s.getNe('ne-1'))?.updatedAt, T0 + 5);
    assert.equal(await s.getNe('nope'), undefined);
  });

  withStore('deleting an NE deletes its destinations and tasks', async (s) => {
    await s.putNe(ne('ne-1'));
    await s.putNe(ne('ne-2'));
    const did = uuid();
    await s.putDestination({ neId: 'ne-1', did, details: destination(did), createdAt: T0, updatedAt: T0 });
    const t = taskRecord('ne-1');
    const other = taskRecord('ne-2');
    await s.putTasks([t, other]);
    assert.equal(await s.deleteNe('ne-1'), true);
    assert.equal(await s.deleteNe('ne-1'), false);
    assert.deepEqual(await s.listDestinations(), []);
    assert.deepEqual(
      (await s.listTasks()).map((x) => x.xid),
      [other.xid],
    );
  });

  withStore('destinations are per NE', async (s) => {
    await s.putNe(ne('ne-1'));
    await s.putNe(ne('ne-2'));
    const did = uuid();
    for (const neId of ['ne-1', 'ne-2'])
      await s.putDestination({ neId, did, details: destination(did), createdAt: T0, updatedAt: T0 });
    assert.equal((await s.listDestinations()).length, 2);
    assert.equal((await s.listDestinations('ne-2')).length, 1);
    assert.deepEqual((await s.getDestination('ne-1', did))?.details, destination(did));
    assert.equal(await s.deleteDestination('ne-1', did), true);
    assert.equal(await s.getDestination('ne-1', did), undefined);
    assert.ok(await s.getDestination('ne-2', did));
  });

  withStore('a destination or task for an unknown NE is refused', async (s) => {
    const did = uuid();
    await assert.rejects(
      s.putDestination({ neId: 'ghost', did, details: destination(did), createdAt: T0, updatedAt: T0 }),
    );
    await assert.rejects(s.putTask(taskRecord('ghost')));
  });

  withStore('tasks: round trip, state changes, filters', async (s) => {
    await s.putNe(ne('ne-1'));
    await s.putNe(ne('ne-2'));
    const a = taskRecord('ne-1', { createdAt: T0 });
    const b = taskRecord('ne-1', { state: 'activating', createdAt: T0 + 1 });
    const c = taskRecord('ne-2', { createdAt: T0 + 2 });
    await s.putTasks([a, b, c]);
    assert.deepEqual(await s.getTask(a.xid), a);
    assert.equal(
      await s.setTaskState(b.xid, 'awaitingProvisioning', T0 + 9, { provisioning: 'awaitingProvisioning' }),
      true,
    );
    assert.equal(await s.setTaskState(uuid(), 'ended', T0), false);
    // Compare-and-set: only from the states given, checked in the write.
    assert.equal(await s.setTaskState(b.xid, 'active', T0 + 5, { from: ['activating', 'modifying'] }), false);
    assert.equal((await s.getTask(b.xid))?.state, 'awaitingProvisioning', 'unchanged');
    assert.equal(
      await s.setTaskState(b.xid, 'awaitingProvisioning', T0 + 9, { from: ['awaitingProvisioning'] }),
      true,
    );
    const got = await s.getTask(b.xid);
    assert.deepEqual(
      [got?.state, got?.provisioning, got?.updatedAt],
      ['awaitingProvisioning', 'awaitingProvisioning', T0 + 9],
    );
    await s.setTaskState(b.xid, 'ended', T0 + 10, { reason: 'terminating fault' });
    const ended = await s.getTask(b.xid);
    assert.deepEqual(
      [ended?.state, ended?.provisioning, ended?.reason],
      ['ended', 'awaitingProvisioning', 'terminating fault'],
    );
    assert.deepEqual(
      (await s.listTasks({ neId: 'ne-1' })).map((t) => t.xid),
      [a.xid, b.xid],
    );
    assert.deepEqual(
      (await s.listTasks({ states: ['active'] })).map((t) => t.xid),
      [a.xid, c.xid],
    );
    assert.deepEqual(await s.listTasks({ states: [] }), []);
  });

  withStore(
    'tasks: a new task is written only over a terminal record of its XID, even when racing',
    async (s) => {
      await s.putNe(ne('ne-1'));
      await s.putNe(ne('ne-2'));
      const first = taskRecord('ne-1', { state: 'activating', createdAt: T0 });
      assert.equal(await s.addTask(first), true);
      assert.deepEqual(await s.getTask(first.xid), first);
      const again = { ...first, neId: 'ne-2', createdAt: T0 + 1, updatedAt: T0 + 1 };
      assert.equal(await s.addTask(again), false, 'a live record is kept');
      assert.deepEqual(await s.getTask(first.xid), first);
      await s.setTaskState(first.xid, 'ended', T0 + 2);
      assert.equal(await s.addTask(again), true, 'an ended record is replaced');
      assert.deepEqual(await s.getTask(first.xid), again);
      // Two creations of one XID at once: exactly one is written.
      const racing = taskRecord('ne-1', { state: 'activating', createdAt: T0 });
      const won = await Promise.all([s.addTask(racing), s.addTask({ ...racing, neId: 'ne-2' })]);
      assert.deepEqual(won.filter(Boolean).length, 1, `outcomes ${won.join(', ')}`);
      assert.equal((await s.getTask(racing.xid))?.neId, won[0] ? 'ne-1' : 'ne-2');
    },
  );

  withStore(
    'tasks: a warrant window and reference round-trip; windowed lists only tasks with a window',
    async (s) => {
      await s.putNe(ne('ne-1'));
      const plain = taskRecord('ne-1', { createdAt: T0 });
      const later = taskRecord('ne-1', {
        state: 'scheduled',
        validFrom: T0 + 60_000,
        validUntil: T0 + 3_600_000,
        warrantRef: 'LIID-0001',
        createdAt: T0 + 1,
      });
      const endOnly = taskRecord('ne-1', { validUntil: T0 + 5, createdAt: T0 + 2 });
      await s.putTasks([plain, later, endOnly]);
      assert.deepEqual(await s.getTask(later.xid), later);
      assert.deepEqual(await s.getTask(endOnly.xid), endOnly);
      assert.deepEqual(
        (await s.listTasks({ windowed: true })).map((t) => t.xid),
        [later.xid, endOnly.xid],
      );
      assert.deepEqual(
        (await s.listTasks({ windowed: true, states: ['scheduled'] })).map((t) => t.xid),
        [later.xid],
      );
      await s.setTaskState(later.xid, 'activating', T0 + 60_000, { reason: 'warrant valid from …' });
      const moved = await s.getTask(later.xid);
      assert.deepEqual(
        [moved?.state, moved?.validFrom, moved?.validUntil, moved?.warrantRef],
        ['activating', T0 + 60_000, T0 + 3_600_000, 'LIID-0001'],
        'a state change keeps the window',
      );
      const { validFrom: _f, validUntil: _u, warrantRef: _r, ...cleared } = later;
      await s.putTask(cleared);
      assert.deepEqual(await s.getTask(later.xid), cleared, 'a task replaced without a window has none');
    },
  );

  withStore('reports: flags, filters and paging', async (s) => {
    const xid = uuid();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await s.addReport({
          receivedAt: T0 + i,
          neId: i % 2 ? 'ne-2' : 'ne-1',
          kind: 'ReportTaskIssue',
          transactionId: uuid(),
          xid,
          reportType: 'Warning',
          code: 9010,
          unknown: i === 4,
        }),
      );
    }
    const all = await s.listReports();
    assert.equal(all.length, 5);
    assert.deepEqual(
      all.map((r) => r.unknown),
      [false, false, false, false, true],
    );
    assert.equal((await s.listReports({ neId: 'ne-2' })).length, 2);
    assert.deepEqual(
      (await s.listReports({ sinceId: ids[2]!, limit: 1 })).map((r) => r.id),
      [ids[3]],
    );
    assert.equal((await s.listReports({ xid: uuid() })).length, 0);
  });

  withStore('the audit log is append-only and filterable', async (s) => {
    const xid = uuid();
    await s.appendAudit({
      at: T0,
      actor: 'operator',
      action: 'ActivateTask',
      outcome: 'ok',
      neId: 'ne-1',
      xid,
    });
    await s.appendAudit({
      at: T0 + 1,
      actor: 'x1',
      action: 'Ping',
      outcome: 'error',
      neId: 'ne-2',
      detail: 'timeout',
    });
    const rows = await s.readAudit();
    assert.deepEqual(
      rows.map((r) => [r.actor, r.action, r.outcome]),
      [
        ['operator', 'ActivateTask', 'ok'],
        ['x1', 'Ping', 'error'],
      ],
    );
    assert.equal(rows[1]!.detail, 'timeout');
    assert.equal((await s.readAudit({ xid })).length, 1);
    await s.appendAudits([
      { at: T0 + 2, actor: 'system', action: 'a', outcome: 'ok' },
      { at: T0 + 3, actor: 'system', action: 'b', outcome: 'ok', xid },
    ]);
    assert.deepEqual(
      (await s.readAudit({ sinceId: rows[1]!.id })).map((r) => r.action),
      ['a', 'b'],
    );
    assert.equal((await s.readAudit({ xid })).length, 2);
    assert.equal((await s.readAudit({ neId: 'ne-2' })).length, 1);
    // A batch keeps its order and every value exactly, whatever characters it holds (one statement on PostgreSQL).
    const awkward = [
      'NULL',
      '',
      '"quoted"',
      'back\\slash',
      '{a,b}',
      'comma, here',
      'ünï ☎ 𝄞',
      "it's",
      ' pad ',
    ];
    const last = (await s.readAudit({ limit: 1000 })).at(-1)!.id;
    await s.appendAudits(
      awkward.map((d, i) => ({
        at: T0 + 10 + i,
        actor: 'operator' as const,
        action: `batch${i}`,
        outcome: 'ok' as const,
        detail: d,
        ...(i % 2 === 0 ? { operator: d, transactionId: d } : {}),
      })),
    );
    const batch = await s.readAudit({ sinceId: last });
    assert.deepEqual(
      batch.map((r) => [r.at, r.action, r.detail, r.operator, r.transactionId]),
      awkward.map((d, i) => [
        T0 + 10 + i,
        `batch${i}`,
        d,
        i % 2 === 0 ? d : undefined,
        i % 2 === 0 ? d : undefined,
      ]),
    );
  });

  withStore(
    'subscribers: stored, updated in place, listed by id, with the tasks made for them',
    async (s) => {
      await s.putNe(ne('ne-1'));
      const did = uuid();
      const sub = (id: string, over: Partial<SubscriberRecord> = {}): SubscriberRecord => ({
        id,
        identities: [
          { kind: 'imsi', value: '001010000000000' },
          { kind: 'msisdn', value: '447900000000' },
        ],
        placements: [{ neId: 'ne-1', dids: [did] }],
        deliveryType: 'X2Only',
        state: 'active',
        createdAt: T0,
        updatedAt: T0,
        ...over,
      });
      await s.putSubscriber(sub('b'));
      await s.putSubscriber(sub('a', { name: 'Alice' }));
      await s.putSubscriber(sub('b', { state: 'ended', createdAt: T0 + 7, updatedAt: T0 + 7 }));
      assert.deepEqual(await s.getSubscriber('a'), sub('a', { name: 'Alice' }));
      const b = await s.getSubscriber('b');
      assert.deepEqual([b?.state, b?.createdAt, b?.updatedAt], ['ended', T0, T0 + 7], 'creation time kept');
      assert.equal(b?.name, undefined);
      assert.deepEqual(
        (await s.listSubscribers()).map((x) => x.id),
        ['a', 'b'],
      );
      assert.equal(await s.getSubscriber('nope'), undefined);
      const [x1, x2, x3] = [uuid(), uuid(), uuid()];
      // Same time for all: the order is the order they were added.
      for (const [xid, key] of [
        [x2, 'imsi:001010000000000'],
        [x1, 'e164Number:447900000000'],
        [x3, 'imsi:001010000000000'],
      ] as const)
        await s.addSubscriberTask({ subscriberId: 'a', xid, neId: 'ne-1', targetKey: key, createdAt: T0 });
      assert.deepEqual(
        (await s.listSubscriberTasks('a')).map((l) => [l.xid, l.targetKey]),
        [
          [x2, 'imsi:001010000000000'],
          [x1, 'e164Number:447900000000'],
          [x3, 'imsi:001010000000000'],
        ],
      );
      assert.deepEqual(await s.listSubscriberTasks('b'), []);
      assert.equal(await s.subscriberOfTask(x1), 'a');
      assert.equal(await s.subscriberOfTask(uuid()), undefined);
      await assert.rejects(
        s.addSubscriberTask({
          subscriberId: 'ghost',
          xid: uuid(),
          neId: 'ne-1',
          targetKey: 'k',
          createdAt: T0,
        }),
        Error,
        'a task for an unknown subscriber is refused',
      );
    },
  );

  apiTokenContract(withStore);

  withStore('meta values', async (s) => {
    assert.equal(await s.getMeta('k'), undefined);
    await s.setMeta('k', 'a');
    await s.setMeta('k', 'b');
    assert.equal(await s.getMeta('k'), 'b');
  });

  if (f.reopen) {
    const reopen = f.reopen;
    test(`${name}: state survives closing and reopening`, async () => {
      const s = await f.open();
      await s.putNe(ne('ne-1'));
      const t = taskRecord('ne-1');
      await s.putTask(t);
      await s.close();
      const again = await reopen();
      try {
        assert.deepEqual(await again.getTask(t.xid), t);
        assert.equal((await again.listNes()).length, 1);
      } finally {
        await again.close();
      }
    });
  }
}
