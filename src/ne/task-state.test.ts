// The NE's table of task-state moves, and the owner driven through the real NE by random interleavings of
// requests, slow and fast data-plane outcomes, manual removals and restarts (fast-check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nextTaskState, type NeTaskEvent, type NeTaskState } from './task-state.js';
import { openNeStore } from '../store/sqlite-ne-store.js';
import { removeTaskByHand } from './manual.js';
import { neHarness, type NeHarness } from '../../test/support/ne-harness.js';
import { destination, req, task, uuid } from '../../test/support/x1-builders.js';

const REQUESTS = ['activate', 'modify', 'deactivate'] as const;
const eventArb: fc.Arbitrary<NeTaskEvent> = fc.oneof(
  fc.record({ type: fc.constantFrom(...REQUESTS), late: fc.boolean() }, { noNullPrototype: true }),
  fc.record(
    { type: fc.constant('outcome' as const), request: fc.constantFrom(...REQUESTS), ok: fc.boolean() },
    { noNullPrototype: true },
  ),
  fc.constantFrom<NeTaskEvent>(
    { type: 'manualAdd' },
    { type: 'remove' },
    { type: 'restore', ok: true },
    { type: 'restore', ok: false },
  ),
);

test('the table: outcomes count only for the awaited request, and a deactivation never turns back', () => {
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
      let s: NeTaskState = { kind: 'absent' };
      let deactivating = false;
      for (const e of events) {
        const m = nextTaskState(s, e);
        if ('refused' in m) {
          if (e.type === 'outcome' && s.kind === 'awaiting' && s.pending === e.request)
            assert.fail('the awaited outcome was refused');
          continue;
        }
        if (e.type === 'outcome') assert.ok(s.kind === 'awaiting' && s.pending === e.request);
        if (s.kind === 'awaiting' && s.pending === 'deactivate') deactivating = true;
        if (m.to.kind === 'absent') deactivating = false;
        if (deactivating)
          assert.notEqual(m.to.kind, 'complete', `${JSON.stringify(e)} revived a task being deactivated`);
        s = m.to;
      }
    }),
    { numRuns: 2000 },
  );
});

type Op =
  | { op: 'activate' | 'modify' | 'deactivate'; task: number }
  | { op: 'delay'; ms: number }
  | { op: 'advance'; ms: number }
  | { op: 'manualRemove'; task: number }
  | { op: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record(
    { op: fc.constantFrom('activate', 'modify', 'deactivate'), task: fc.nat(2) },
    { noNullPrototype: true },
  ) as fc.Arbitrary<Op>,
  fc.record(
    { op: fc.constant('delay' as const), ms: fc.constantFrom(0, 1_000, 6_000, 12_000) },
    { noNullPrototype: true },
  ),
  fc.record(
    { op: fc.constant('advance' as const), ms: fc.constantFrom(500, 4_000, 7_000) },
    { noNullPrototype: true },
  ),
  fc.record({ op: fc.constant('manualRemove' as const), task: fc.nat(2) }, { noNullPrototype: true }),
  fc.constant<Op>({ op: 'restart' }),
);

test('random interleavings through the real NE: the data plane ends as the store says, no report revives a task', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 14 }), async (ops) => {
      const xids = [uuid(), uuid(), uuid()];
      const did = uuid();
      let h: NeHarness = await neHarness();
      const dataDir = h.dataDir;
      let delay = 0;
      /** Per XID, the last request the NE accepted. */
      const last = new Map<string, string>();
      /** Accepted requests with the outbox length at that moment (the outbox keeps every report: no ADMF). */
      const marks: { xid: string; op: string; at: number }[] = [];
      const mark = (xid: string, op: string) => {
        last.set(xid, op);
        marks.push({ xid, op, at: h.store.pendingReports(100_000).length });
      };
      const inflight: Promise<unknown>[] = [];
      try {
        await h.send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
        for (const o of ops) {
          if (o.op === 'delay') h.dataPlane.delayMs = delay = o.ms;
          else if (o.op === 'advance') await h.clock.advance(o.ms);
          else if (o.op === 'restart') {
            await h.clock.advance(60_000);
            await Promise.allSettled(inflight.splice(0));
            await h.close();
            h = await neHarness({}, { dataDir }); // restores without delay, then slows down again
            h.dataPlane.delayMs = delay;
          } else if (o.op === 'manualRemove') {
            const cli = openNeStore(dataDir);
            try {
              if (cli.getTask(xids[o.task]!)) {
                removeTaskByHand(cli, xids[o.task]!, 'by hand');
                mark(xids[o.task]!, 'removed');
              }
            } finally {
              cli.close();
            }
            const polled = h.ne.pollManualChanges();
            await h.clock.advance(delay + 1);
            await polled;
          } else {
            const xid = xids[o.task]!;
            const m =
              o.op === 'activate'
                ? req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })
                : o.op === 'modify'
                  ? req('ModifyTaskRequest', { taskDetails: task(xid, [did], { deliveryType: 'X2Only' }) })
                  : req('DeactivateTaskRequest', { xId: xid });
            const p = h.send([m]).then(([r]) => {
              if (r?.type !== 'ErrorResponse') mark(xid, o.op);
            });
            inflight.push(p);
            await h.clock.advance(4_000); // past the TIME1 budget: the answer is out
            await p;
          }
        }
        await h.clock.advance(60_000);
        await Promise.allSettled(inflight);
        await h.clock.advance(60_000);
        const stored = h.store.listXids().sort();
        assert.deepEqual(
          [...h.dataPlane.tasks.keys()].sort(),
          stored,
          'the data plane holds exactly the stored tasks',
        );
        for (const xid of stored) assert.equal(h.store.getTask(xid)?.status.provisioningStatus, 'complete');
        for (const xid of xids) {
          const l = last.get(xid);
          if (l === 'deactivate' || l === 'removed')
            assert.ok(!stored.includes(xid), `${xid} ended but stored`);
        }
        // Once a deactivation (or a removal by hand) was accepted, no activation or modification of that
        // task reports success until the XID is activated again.
        const reports = h.store
          .pendingReports(100_000)
          .map((r) => r.body as { xId?: string; taskIssueDetails?: string });
        marks.forEach((m, i) => {
          if (m.op !== 'deactivate' && m.op !== 'removed') return;
          const next = marks.slice(i + 1).find((n) => n.xid === m.xid && n.op === 'activate');
          const revived = reports
            .slice(m.at, next?.at ?? reports.length)
            .filter(
              (r) => r.xId === m.xid && /^(activation|modification) completed/.test(r.taskIssueDetails ?? ''),
            );
          assert.deepEqual(revived, [], `after ${m.op} of ${m.xid}`);
        });
      } finally {
        await h.close();
      }
    }),
    { numRuns: 25 },
  );
});
