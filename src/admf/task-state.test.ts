// The ADMF's table of legal task moves, as properties: the warrant's `scheduled` state is entered only when a
// task is created (never by a move), and leaves only for `activating` or `ended`; terminal states have no exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TASK_STATES } from '../store/admf-store.js';
import { createTask, isLegalMove, legalFrom, moveTask, TERMINAL_STATES } from './task-state.js';
import { PROVISIONING_STATUSES } from '../x1/model.js';
import { MEMORY_NE_URL, memoryAdmf } from '../../test/support/admf-memory.js';
import { task, uuid } from '../../test/support/x1-builders.js';

const state = fc.constantFrom(...TASK_STATES);

test('no move leads into scheduled; scheduled leads only to activating or ended (or stays)', () => {
  fc.assert(
    fc.property(state, state, (from, to) => {
      if (to === 'scheduled') assert.equal(isLegalMove(from, to), from === 'scheduled');
      if (from === 'scheduled')
        assert.equal(isLegalMove(from, to), ['scheduled', 'activating', 'ended'].includes(to));
    }),
  );
});

test('terminal states have no exits, not even staying put', () => {
  fc.assert(
    fc.property(state, state, (from, to) => {
      if (TERMINAL_STATES.includes(from)) assert.equal(isLegalMove(from, to), false);
    }),
  );
});

test('the records a creation and a move return are the records the store then holds (no read-back)', async () => {
  const m = await memoryAdmf();
  try {
    const { admf } = m;
    assert.equal((await m.call('POST', '/api/nes', { id: 'ne-1', url: MEMORY_NE_URL })).status, 201);
    const provisioning = fc.option(fc.constantFrom(...PROVISIONING_STATUSES), { nil: undefined });
    const reason = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ to: state, provisioning, reason }), { minLength: 1, maxLength: 6 }),
        async (moves) => {
          const xid = uuid();
          assert.deepEqual(await createTask(admf, 'ne-1', task(xid, [])), await admf.store.getTask(xid));
          for (const mv of moves) {
            const extra = {
              ...(mv.provisioning !== undefined && { provisioning: mv.provisioning }),
              ...(mv.reason !== undefined && { reason: mv.reason }),
            };
            const back = await moveTask(admf, xid, mv.to, 'test', extra);
            assert.deepEqual(back, await admf.store.getTask(xid));
          }
        },
      ),
      { numRuns: 40 },
    );
    assert.equal(await moveTask(admf, uuid(), 'active', 'test'), undefined, 'no such task');
  } finally {
    await m.close();
  }
});

test('legalFrom(to) is exactly the states the table lets move to `to`', () => {
  fc.assert(
    fc.property(state, state, (from, to) =>
      assert.equal(legalFrom(to).includes(from), isLegalMove(from, to)),
    ),
  );
});

test('interleavings: a move decided on a state read before another move lands never overwrites it', async () => {
  const m = await memoryAdmf();
  try {
    const { admf } = m;
    assert.equal((await m.call('POST', '/api/nes', { id: 'ne-1', url: MEMORY_NE_URL })).status, 201);
    const getTask = admf.store.getTask.bind(admf.store);
    await fc.assert(
      fc.asyncProperty(fc.array(state, { maxLength: 3 }), state, state, async (path, late, meanwhile) => {
        const xid = uuid();
        await createTask(admf, 'ne-1', task(xid, []));
        for (const to of path) await moveTask(admf, xid, to, 'path');
        const before = (await getTask(xid))!.state;
        // The late move reads the task, then waits while another move runs to its end, then writes.
        let resume!: () => void;
        const read = new Promise<void>((r) => {
          admf.store.getTask = async (x) => {
            const t = await getTask(x);
            admf.store.getTask = getTask;
            r();
            await new Promise<void>((go) => (resume = go));
            return t;
          };
        });
        const lateMove = moveTask(admf, xid, late, 'late');
        await read;
        await moveTask(admf, xid, meanwhile, 'meanwhile');
        const afterMeanwhile = (await getTask(xid))!.state;
        resume();
        const back = await lateMove;
        const stored = await getTask(xid);
        // The late move applies only if the table allows it from the state it read and from the state it finds.
        const expected =
          isLegalMove(before, late) && isLegalMove(afterMeanwhile, late) ? late : afterMeanwhile;
        assert.equal(stored?.state, expected, `${before}: ${meanwhile} meanwhile, then ${late}`);
        // A move refused on the state it read answers with that record; one it wrote (or found changed), the new.
        assert.equal(back?.state, isLegalMove(before, late) ? expected : before);
      }),
      { numRuns: 150 },
    );
  } finally {
    await m.close();
  }
});

test('two creations of one XID at once: one is written, the other is a conflict', async () => {
  const m = await memoryAdmf();
  try {
    const { admf } = m;
    for (const id of ['ne-1', 'ne-2'])
      assert.equal((await m.call('POST', '/api/nes', { id, url: MEMORY_NE_URL })).status, 201);
    const xid = uuid();
    const outcomes = await Promise.allSettled([
      createTask(admf, 'ne-1', task(xid, [])),
      createTask(admf, 'ne-2', task(xid, [])),
    ]);
    const written = outcomes.filter((o) => o.status === 'fulfilled');
    assert.equal(written.length, 1, 'exactly one creation is written');
    const refused = outcomes.find((o) => o.status === 'rejected');
    assert.match(String(refused?.reason), /exists \(activating\)/);
    assert.deepEqual(await admf.store.getTask(xid), written[0]!.value);
  } finally {
    await m.close();
  }
});
