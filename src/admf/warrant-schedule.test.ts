// The ADMF's warrant scheduler on a fake clock (no sleeping): a task is held until its warrant starts,
// activated on its NE then and deactivated at its end; deadlines survive a restart; a modified window moves
// them; an operator's deactivation is never undone. The ADMF talks to a lix NE in memory (admf-memory.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Admf } from './admf.js';
import { activateTask, warrantActions } from './tasking.js';
import { parseWarrant, warrantView } from './warrant.js';
import { memoryAdmf, neWithDestination, type MemoryAdmf } from '../../test/support/admf-memory.js';
import { task, uuid } from '../../test/support/x1-builders.js';

const MIN = 60_000;
const H = 60 * MIN;

interface View {
  xid: string;
  state: string;
  validFrom?: string;
  validUntil?: string;
  warrantRef?: string;
  remainingSeconds?: number;
  expiring?: boolean;
  reason?: string;
}

async function setup(): Promise<{ m: MemoryAdmf; did: string }> {
  const m = await memoryAdmf();
  return { m, did: await neWithDestination(m) };
}

/** An ISO time `ms` from the fake clock's now. */
const at = (m: MemoryAdmf, ms: number) => new Date(m.clock.now() + ms).toISOString();

function body(did: string, w: { validFrom?: string; validUntil?: string; warrantRef?: string }) {
  return { ne: 'ne-1', targets: [{ kind: 'sipUri', value: 'sip:alice@example.net' }], dids: [did], ...w };
}

async function create(m: MemoryAdmf, did: string, w: Parameters<typeof body>[1]): Promise<View> {
  const r = await m.call('POST', '/api/tasks', body(did, w));
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json as View;
}

async function view(m: MemoryAdmf, xid: string): Promise<View> {
  return (await m.call('GET', `/api/tasks/${xid}`)).json as View;
}

/** Moves the fake time on and waits for the scheduler's pass to finish. */
async function advance(m: MemoryAdmf, ms: number, admf: Admf = m.admf): Promise<void> {
  await m.clock.advance(ms);
  await admf.warrants.settled();
}

const onNe = (m: MemoryAdmf, xid: string) => m.ne.store.listXids().includes(xid);

async function systemRows(admf: Admf, xid: string) {
  return (await admf.store.readAudit({ xid })).filter((r) => r.actor === 'system');
}

test('a task whose warrant starts later is held, activated on its NE at the start with its LIID, and deactivated at the end', async () => {
  const { m, did } = await setup();
  try {
    const from = at(m, H);
    const until = at(m, 3 * H);
    const t = await create(m, did, { validFrom: from, validUntil: until, warrantRef: 'LIID-42' });
    assert.equal(t.state, 'scheduled');
    assert.deepEqual([t.validFrom, t.validUntil, t.warrantRef], [from, until, 'LIID-42']);
    assert.equal(t.remainingSeconds, 3 * 3600);
    assert.equal(onNe(m, t.xid), false, 'nothing is sent before the start');

    await advance(m, H - 1);
    assert.equal((await view(m, t.xid)).state, 'scheduled');
    await advance(m, 1);
    assert.equal((await view(m, t.xid)).state, 'active');
    const md = m.ne.store.getTask(t.xid)?.details.listOfMediationDetails;
    assert.equal(md?.length, 1);
    assert.equal(md[0]!.LIID, 'LIID-42', 'the NE stores the warrant reference with the task');
    assert.equal(md[0]!.StartTime, from.replace(/\.(\d{3})Z$/, '.$1000Z'));
    assert.equal(md[0]!.EndTime, until.replace(/\.(\d{3})Z$/, '.$1000Z'));

    await advance(m, 2 * H);
    const ended = await view(m, t.xid);
    assert.equal(ended.state, 'ended');
    assert.match(ended.reason ?? '', /warrant valid until/);
    assert.equal(ended.remainingSeconds, 0);
    assert.equal(onNe(m, t.xid), false, 'deactivated on its NE');
    assert.deepEqual(
      (await systemRows(m.admf, t.xid)).map((r) => [r.action, r.outcome, r.detail]),
      [
        ['ActivateTask', 'ok', `warrant valid from ${from}`],
        ['DeactivateTask', 'ok', `warrant valid until ${until}`],
      ],
    );
  } finally {
    await m.close();
  }
});

test('one timer serves every warrant: the nearest deadline', async () => {
  const { m, did } = await setup();
  try {
    for (const h of [5, 2, 7]) await create(m, did, { validFrom: at(m, h * H), validUntil: at(m, 9 * H) });
    await create(m, did, { validUntil: at(m, 3 * H) });
    assert.equal(m.clock.pending, 1);
    assert.equal(m.admf.warrants.nextAt, m.clock.now() + 2 * H);
  } finally {
    await m.close();
  }
});

test('after a restart, overdue starts and ends are acted on at once', async () => {
  const { m, did } = await setup();
  let again: Admf | undefined;
  try {
    const gone = await create(m, did, { validFrom: at(m, H), validUntil: at(m, 2 * H) });
    const late = await create(m, did, { validFrom: at(m, H), validUntil: at(m, 5 * H) });
    const over = await create(m, did, { validUntil: at(m, 90 * MIN) });
    assert.equal(over.state, 'active');
    await m.admf.stop();
    await m.clock.advance(3 * H); // the ADMF is down: nothing happens
    assert.equal((await m.admf.store.getTask(late.xid))?.state, 'scheduled');
    assert.ok(onNe(m, over.xid));

    again = new Admf(m.admf.deps);
    again.warrantActions = warrantActions(again);
    await again.start();
    await again.warrants.settled();
    const g = await again.store.getTask(gone.xid);
    assert.equal(g?.state, 'ended', 'its whole window passed while the ADMF was down');
    assert.match(g?.reason ?? '', /never on its NE/);
    assert.equal(onNe(m, gone.xid), false);
    assert.equal((await again.store.getTask(late.xid))?.state, 'active');
    assert.ok(onNe(m, late.xid));
    assert.equal((await again.store.getTask(over.xid))?.state, 'ended');
    assert.equal(onNe(m, over.xid), false);
    assert.equal(again.warrants.nextAt, m.clock.now() + 2 * H, 'then waits for the next end');
  } finally {
    await again?.stop();
    await m.close();
  }
});

test('a modified window moves the deadlines; a live task cannot move its start into the future', async () => {
  const { m, did } = await setup();
  try {
    const s = await create(m, did, { validFrom: at(m, H), validUntil: at(m, 4 * H), warrantRef: 'W-1' });
    const l = await create(m, did, { validUntil: at(m, H) });
    const put = (xid: string, w: Parameters<typeof body>[1]) => {
      const { ne: _ne, ...b } = body(did, w);
      return m.call('PUT', `/api/tasks/${xid}`, b);
    };
    const ms = await put(s.xid, { validFrom: at(m, 2 * H), validUntil: at(m, 4 * H), warrantRef: 'W-2' });
    assert.equal(ms.status, 200, JSON.stringify(ms.json));
    assert.deepEqual([(ms.json as View).state, (ms.json as View).warrantRef], ['scheduled', 'W-2']);
    assert.equal(onNe(m, s.xid), false, 'a scheduled task changes at the ADMF only');
    const ml = await put(l.xid, { validUntil: at(m, 3 * H) });
    assert.equal(ml.status, 200, JSON.stringify(ml.json));
    const refused = await put(l.xid, { validFrom: at(m, H), validUntil: at(m, 3 * H) });
    assert.equal(refused.status, 409);
    assert.match((refused.json as { message: string }).message, /validFrom cannot move into the future/);

    await advance(m, H);
    assert.equal((await view(m, s.xid)).state, 'scheduled', 'not at the old start');
    assert.equal((await view(m, l.xid)).state, 'active', 'not at the old end');
    await advance(m, H);
    assert.equal((await view(m, s.xid)).state, 'active');
    assert.equal(m.ne.store.getTask(s.xid)?.details.listOfMediationDetails?.[0]?.LIID, 'W-2');
    await advance(m, H);
    assert.equal((await view(m, l.xid)).state, 'ended');

    // Bringing a scheduled task's start to now starts it at once.
    const n = await create(m, did, { validFrom: at(m, 5 * H), validUntil: at(m, 6 * H) });
    const now = await put(n.xid, { validUntil: at(m, 6 * H) });
    assert.equal(now.status, 200, JSON.stringify(now.json));
    await m.admf.warrants.settled();
    assert.equal((await view(m, n.xid)).state, 'active');
    assert.ok(onNe(m, n.xid));
  } finally {
    await m.close();
  }
});

test("an operator's deactivation before the end stands: the scheduler does not bring the task back", async () => {
  const { m, did } = await setup();
  try {
    const live = await create(m, did, { validUntil: at(m, 2 * H) });
    const later = await create(m, did, { validFrom: at(m, H), validUntil: at(m, 2 * H) });
    assert.equal((await m.call('DELETE', `/api/tasks/${live.xid}`)).status, 200);
    const d = await m.call('DELETE', `/api/tasks/${later.xid}`);
    assert.equal((d.json as View).state, 'ended');
    assert.match((d.json as View).reason ?? '', /before its warrant started/);
    await advance(m, 3 * H);
    for (const t of [live, later]) {
      assert.equal((await view(m, t.xid)).state, 'ended');
      assert.equal(onNe(m, t.xid), false);
      assert.deepEqual(await systemRows(m.admf, t.xid), [], 'no move by the system');
    }
    const x1 = (await m.admf.store.readAudit({ xid: later.xid })).filter((r) => r.actor === 'x1');
    assert.deepEqual(x1, [], 'a scheduled task ends without X1');
    assert.equal(m.clock.pending, 0, 'nothing left to wait for');
  } finally {
    await m.close();
  }
});

test('the expiry warning: one log line per task as it enters the lead time, the count, and the view flag', async () => {
  const { m, did } = await setup();
  const lines: { msg: string; xid?: string; remainingSeconds?: number }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  await m.admf.stop();
  const admf = new Admf({
    ...m.admf.deps,
    logger,
    settings: { ...m.admf.deps.settings, warrantExpiryWarning: H },
  });
  admf.warrantActions = warrantActions(admf);
  await admf.start();
  try {
    const w = parseWarrant({ validUntil: at(m, 3 * H), warrantRef: 'LIID-7' }, m.clock.now());
    const xid = uuid();
    await activateTask(admf, 'ne-1', task(xid, [did]), w);
    await admf.warrants.settled();
    const warnings = () => lines.filter((l) => /warrant expires soon/.test(l.msg));
    assert.equal(admf.warrants.expiring, 0);
    await advance(m, 2 * H - 1, admf);
    assert.deepEqual(warnings(), []);
    await advance(m, 1, admf);
    assert.equal(admf.warrants.expiring, 1);
    assert.equal(warnings().length, 1);
    assert.equal(warnings()[0]!.xid, xid);
    assert.equal(warnings()[0]!.remainingSeconds, 3600);
    const v = warrantView((await admf.store.getTask(xid))!, m.clock.now(), admf.warrantWarningMs);
    assert.deepEqual([v.expiring, v.remainingSeconds], [true, 3600], 'the task view flags it');
    await admf.warrants.poke();
    await advance(m, 30 * MIN, admf);
    assert.equal(warnings().length, 1, 'once per task');
    await advance(m, 30 * MIN, admf);
    assert.equal((await admf.store.getTask(xid))?.state, 'ended');
    assert.equal(admf.warrants.expiring, 0);
  } finally {
    await admf.stop();
    await m.close();
  }
});

test('DeactivateAllTasks ends the scheduled tasks of the NE too: they do not start later', async () => {
  const { m, did } = await setup();
  try {
    const later = await create(m, did, { validFrom: at(m, H), validUntil: at(m, 2 * H) });
    const all = await m.call('POST', '/api/nes/ne-1/deactivate-all-tasks');
    assert.equal(all.status, 200, JSON.stringify(all.json));
    await advance(m, 90 * MIN);
    const t = await view(m, later.xid);
    assert.equal(t.state, 'ended');
    assert.match(t.reason ?? '', /DeactivateAllTasks/);
    assert.equal(onNe(m, later.xid), false);
  } finally {
    await m.close();
  }
});

test('REST refuses a bad warrant with one line naming the field', async () => {
  const { m, did } = await setup();
  try {
    const cases: [Parameters<typeof body>[1], RegExp][] = [
      [{ validFrom: at(m, 2 * H), validUntil: at(m, H) }, /validUntil .* must be after validFrom/],
      [{ validUntil: at(m, -1) }, /validUntil .* is in the past/],
      [{ validFrom: 'tomorrow' }, /validFrom: "tomorrow" is not an ISO-8601 time/],
      [{ warrantRef: 'has space' }, /warrantRef: "has space" is not a LIID/],
    ];
    for (const [w, re] of cases) {
      const r = await m.call('POST', '/api/tasks', body(did, w));
      assert.equal(r.status, 400, JSON.stringify(w));
      assert.match((r.json as { message: string }).message, re);
    }
    assert.deepEqual(await m.admf.store.listTasks(), [], 'nothing stored');
  } finally {
    await m.close();
  }
});
