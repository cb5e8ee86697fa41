// The ADMF's task state has one owner (src/admf/task-state.ts). The field bug: with a slow NE, activate then
// deactivate (both Acknowledged); a late "activation completed" report was read as the deactivation finishing
// (deactivating → ended), and the real "deactivation completed" then moved ended back to active.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reconcile } from '../../src/admf/reconcile.js';
import { isLegalMove } from '../../src/admf/task-state.js';
import { activateTask, createDestination, deactivateTask, modifyTask } from '../../src/admf/tasking.js';
import { LIVE_TASK_STATES } from '../../src/store/admf-store.js';
import { createX1Client } from '../../src/transport/https-client.js';
import type { X1Request } from '../../src/x1/model.js';
import { admfWithNe, type AdmfWithNe } from '../support/admf-harness.js';
import { until } from '../support/admf-helpers.js';
import { getTestPki } from '../support/pki.js';
import { destination, req, task, uuid, xml } from '../support/x1-builders.js';

/** What an NE that reports the earlier request late sends: a success report for the XID, as ne-1. */
async function reportAsNe(h: AdmfWithNe, xid: string, details: string): Promise<void> {
  const pki = await getTestPki();
  const c = createX1Client({ tls: pki.tls('ne-1'), url: h.running.x1Url });
  try {
    const m: X1Request = req('ReportTaskIssueRequest', {
      xId: xid,
      taskReportType: 'FullyActionedAndSuccessful',
      taskIssueErrorCode: 9040,
      taskIssueDetails: details,
      taskIssueExtensions: [],
    } as never);
    const res = await c.post(xml(m));
    assert.equal(res.status, 200);
  } finally {
    await c.close();
  }
}

/** Runs an ADMF call against the slow NE, advancing the NE's clock until it answers. */
async function answered<T>(h: AdmfWithNe, p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => (done = true));
  await until('the answer', async () => {
    if (!done) await h.ne.clock.advance(250);
    return done;
  });
  return q;
}

test('a late activation report while deactivating does not end the task; the real one does; nothing revives it', async () => {
  const h = await admfWithNe();
  try {
    const { admf } = h.running;
    const did = uuid();
    const xid = uuid();
    await createDestination(admf, 'ne-1', destination(did));
    h.ne.dataPlane.delayMs = 60_000;
    const a = await answered(h, activateTask(admf, 'ne-1', task(xid, [did])));
    assert.equal(a.state, 'awaitingProvisioning');
    const d = await answered(h, deactivateTask(admf, xid));
    assert.equal(d.state, 'deactivating');

    await reportAsNe(h, xid, 'activation completed');
    assert.equal((await admf.store.getTask(xid))?.state, 'deactivating', 'the report was for the activation');

    await h.ne.clock.advance(120_000); // the NE finishes: its own report says the deactivation completed
    await until('ended', async () => (await admf.store.getTask(xid))?.state === 'ended');

    await reportAsNe(h, xid, 'activation completed');
    await new Promise((r) => setTimeout(r, 200));
    const t = await admf.store.getTask(xid);
    assert.equal(t?.state, 'ended', 'a terminal task has no exits');
    const reports = await admf.store.listReports({ xid });
    assert.ok(reports.length >= 3, 'every report is still recorded');
  } finally {
    await h.close();
  }
});

type Step =
  | { kind: 'activate' | 'deactivate' | 'modify' | 'schedule'; task: number }
  | { kind: 'admfAdvance'; ms: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'staleReport'; task: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record(
    { kind: fc.constantFrom('activate', 'deactivate', 'modify', 'schedule'), task: fc.nat(1) },
    { noNullPrototype: true },
  ) as fc.Arbitrary<Step>,
  fc.record(
    { kind: fc.constant('delay' as const), ms: fc.constantFrom(0, 8_000) },
    { noNullPrototype: true },
  ),
  fc.record(
    { kind: fc.constant('advance' as const), ms: fc.constantFrom(1_000, 10_000) },
    { noNullPrototype: true },
  ),
  fc.record({ kind: fc.constant('staleReport' as const), task: fc.nat(1) }, { noNullPrototype: true }),
  // The ADMF's own clock: warrant starts and ends fall due (the scheduler moves tasks in the background).
  fc.record(
    { kind: fc.constant('admfAdvance' as const), ms: fc.constantFrom(5_000, 20_000) },
    { noNullPrototype: true },
  ),
);

/**
 * Lets the ADMF's clock run `ms`, a second at a time, each time letting the warrant scheduler finish while the
 * slow NE's clock runs (one jump would let TIME2 expire before the request even reached the NE).
 */
async function admfAdvance(h: AdmfWithNe, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1000) {
    await h.clock.advance(Math.min(1000, left));
    await answered(h, h.running.admf.warrants.settled());
  }
}

test('random interleavings: every change is a legal move and, after reconciliation, the ADMF agrees with the NE', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { minLength: 2, maxLength: 10 }), async (steps) => {
      const h = await admfWithNe();
      const { admf } = h.running;
      const seen: string[] = [];
      const xids = [uuid(), uuid()];
      const did = uuid();
      const origSet = admf.store.setTaskState.bind(admf.store);
      admf.store.setTaskState = async (xid, state, at, extra) => {
        const from = (await admf.store.getTask(xid))?.state;
        if (from !== undefined && !isLegalMove(from, state)) seen.push(`${from} -> ${state}`);
        return origSet(xid, state, at, extra);
      };
      try {
        await createDestination(admf, 'ne-1', destination(did));
        for (const s of steps) {
          if (s.kind === 'delay') h.ne.dataPlane.delayMs = s.ms;
          else if (s.kind === 'advance') await h.ne.clock.advance(s.ms);
          else if (s.kind === 'admfAdvance') await admfAdvance(h, s.ms);
          else if (s.kind === 'staleReport') {
            if (await admf.store.getTask(xids[s.task]!))
              await reportAsNe(h, xids[s.task]!, 'activation completed');
          } else {
            const xid = xids[s.task]!;
            const now = h.clock.now();
            const call =
              s.kind === 'activate'
                ? activateTask(admf, 'ne-1', task(xid, [did]))
                : s.kind === 'schedule'
                  ? activateTask(admf, 'ne-1', task(xid, [did]), {
                      validFrom: now + 10_000,
                      validUntil: now + 30_000,
                    })
                  : s.kind === 'modify'
                    ? modifyTask(admf, task(xid, [did], { deliveryType: 'X2Only' }))
                    : deactivateTask(admf, xid);
            await answered(
              h,
              call.catch(() => undefined),
            );
          }
        }
        await admfAdvance(h, 60_000); // every warrant has ended
        await h.ne.clock.advance(120_000);
        await new Promise((r) => setTimeout(r, 100)); // the NE's last reports reach the ADMF
        await reconcile(admf, 'ne-1');
        assert.deepEqual(seen, [], 'illegal moves written');
        const onNe = new Set(h.ne.store.listXids());
        for (const xid of xids) {
          const t = await admf.store.getTask(xid);
          if (!t) continue;
          const live = LIVE_TASK_STATES.includes(t.state);
          assert.equal(
            live,
            onNe.has(xid),
            `${xid}: ADMF ${t.state}, NE ${onNe.has(xid) ? 'has it' : 'does not'}`,
          );
          if (t.state === 'deactivating') assert.fail(`${xid} still deactivating after the NE finished`);
        }
      } finally {
        await h.close();
      }
    }),
    { numRuns: 12 },
  );
});
