// The ADMF's /X1/ADMF server over mutual TLS: the lix NE's real reports arrive and move tasks on; reports
// about unknown XIDs/DIDs are accepted and flagged; Ping both ways; identities are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activateTask, createDestination } from '../../src/admf/tasking.js';
import { terminateTask } from '../../src/ne/lifecycle.js';
import { createX1Client } from '../../src/transport/https-client.js';
import { decodeX1 } from '../../src/x1/decode.js';
import type { X1Request, X1Response } from '../../src/x1/model.js';
import { admfHarness, admfWithNe, type AdmfWithNe } from '../support/admf-harness.js';
import { fakeNe } from '../support/admf-fake-ne.js';
import { testLink, until } from '../support/admf-helpers.js';
import { getTestPki } from '../support/pki.js';
import { destination, req, task, uuid, xml } from '../support/x1-builders.js';

/** Sends requests to the ADMF's /X1/ADMF with the certificate of `as`. */
async function sendToAdmf(url: string, as: string, messages: X1Request[]): Promise<X1Response[]> {
  const pki = await getTestPki();
  const c = createX1Client({ tls: pki.tls(as), url });
  try {
    const res = await c.post(xml(...messages));
    assert.equal(res.peerIdentity, 'admf-1');
    const doc = decodeX1(res.body);
    assert.ok(doc.root === 'X1Response');
    return doc.results.map((r) => {
      assert.ok(r.ok);
      return r.message;
    });
  } finally {
    await c.close();
  }
}

async function provisioned(h: AdmfWithNe): Promise<{ did: string; xid: string }> {
  const did = uuid();
  const xid = uuid();
  await createDestination(h.running.admf, 'ne-1', destination(did));
  const t = await activateTask(h.running.admf, 'ne-1', task(xid, [did]));
  assert.equal(t.state, 'active');
  return { did, xid };
}

test('a late activation: Acknowledged, then the NE reports FullyActionedAndSuccessful and the task is active', async () => {
  const h = await admfWithNe();
  try {
    const { admf } = h.running;
    const did = uuid();
    const xid = uuid();
    await createDestination(admf, 'ne-1', destination(did));
    h.ne.dataPlane.delayMs = 10_000;
    let answered = false;
    const pending = activateTask(admf, 'ne-1', task(xid, [did])).finally(() => (answered = true));
    // The NE answers Acknowledged when its TIME1 budget (4 s of its clock) is spent.
    await until('the Acknowledged answer', async () => {
      if (!answered) await h.ne.clock.advance(250);
      return answered;
    });
    const t = await pending;
    assert.deepEqual([t.state, t.provisioning], ['awaitingProvisioning', 'awaitingProvisioning']);
    await h.ne.clock.advance(10_000);
    await until('the report', async () => (await admf.store.getTask(xid))?.state === 'active');
    const [r] = await admf.store.listReports({ xid });
    assert.deepEqual(
      [r?.reportType, r?.code, r?.unknown, r?.neId],
      ['FullyActionedAndSuccessful', 9040, false, 'ne-1'],
    );
    assert.equal((await admf.store.getTask(xid))?.provisioning, 'complete');
  } finally {
    await h.close();
  }
});

test('a terminating fault reported by the NE ends the task at the ADMF', async () => {
  const h = await admfWithNe();
  try {
    const { admf } = h.running;
    const { xid } = await provisioned(h);
    await terminateTask(h.ne.ne.ctx, xid, 9030, 'target details lost');
    await until('the task ended', async () => (await admf.store.getTask(xid))?.state === 'ended');
    const t = await admf.store.getTask(xid);
    assert.match(t?.reason ?? '', /TerminatingFault: target details lost/);
    const audit = await admf.store.readAudit({ xid });
    assert.ok(audit.some((a) => a.action === 'ReportTaskIssue' && a.actor === 'x1'));
  } finally {
    await h.close();
  }
});

test('reports about unknown XIDs and DIDs are accepted and flagged', async () => {
  const h = await admfWithNe();
  try {
    const { admf } = h.running;
    const xid = uuid();
    const did = uuid();
    const answers = await sendToAdmf(h.running.x1Url, 'ne-1', [
      req('ReportTaskIssueRequest', {
        xId: xid,
        taskReportType: 'Warning',
        taskIssueErrorCode: 9010,
        taskIssueExtensions: [],
      }),
      req('ReportDestinationIssueRequest', {
        dId: did,
        destinationReportType: 'NonTerminatingFault',
        destinationIssueErrorCode: 9020,
      }),
    ]);
    assert.deepEqual(
      answers.map((a) => a.type),
      ['ReportTaskIssueResponse', 'ReportDestinationIssueResponse'],
    );
    const reports = await admf.store.listReports();
    assert.deepEqual(
      reports.map((r) => [r.kind, r.unknown]),
      [
        ['ReportTaskIssue', true],
        ['ReportDestinationIssue', true],
      ],
    );
    assert.equal(h.running.receiver.counters.unknown, 2);
  } finally {
    await h.close();
  }
});

test('ReportNEIssue faults show in the NE health until cleared', async () => {
  const h = await admfWithNe();
  try {
    const { admf } = h.running;
    await sendToAdmf(h.running.x1Url, 'ne-1', [
      req('ReportNEIssueRequest', {
        typeOfNeIssueMessage: 'FaultReport',
        description: 'disk full',
        issueCode: 9020,
        nEIssueExtensions: [],
      }),
    ]);
    assert.deepEqual(admf.health('ne-1').faults, [{ errorCode: 9020, errorDescription: 'disk full' }]);
    await sendToAdmf(h.running.x1Url, 'ne-1', [
      req('ReportNEIssueRequest', {
        typeOfNeIssueMessage: 'FaultCleared',
        description: 'disk ok',
        issueCode: 9020,
        nEIssueExtensions: [],
      }),
    ]);
    assert.deepEqual(admf.health('ne-1').faults, []);
    assert.equal((await admf.store.listReports({ neId: 'ne-1' })).length, 2);
    // lix NEs clear with the generic code 9000: the ADMF then takes the NE's own list (GetNEStatus).
    for (const [type, code] of [
      ['FaultReport', 9020],
      ['FaultCleared', 9000],
    ] as const) {
      await sendToAdmf(h.running.x1Url, 'ne-1', [
        req('ReportNEIssueRequest', {
          typeOfNeIssueMessage: type,
          description: 'x',
          issueCode: code,
          nEIssueExtensions: [],
        }),
      ]);
    }
    await until('faults refreshed from the NE', () => admf.health('ne-1').faults.length === 0);
    const audit = await admf.store.readAudit({ neId: 'ne-1' });
    assert.ok(audit.some((x) => x.action === 'GetNEStatusRequest' && x.outcome === 'ok'));
  } finally {
    await h.close();
  }
});

test('Ping both ways: the ADMF pings the NE, the NE pings the ADMF', async () => {
  const h = await admfWithNe();
  try {
    const a = await h.running.admf.send('ne-1', { type: 'PingRequest' });
    assert.equal(a.response.type, 'PingResponse');
    const [r] = await sendToAdmf(h.running.x1Url, 'ne-1', [req('PingRequest', {})]);
    assert.ok(r?.type === 'PingResponse' && r.oK === 'AcknowledgedAndCompleted');
    assert.deepEqual([r.header.admfIdentifier, r.header.neIdentifier], ['admf-1', 'ne-1']);
  } finally {
    await h.close();
  }
});

test('identities are checked: wrong certificate, unregistered NE, another ADMF, a request meant for an NE', async () => {
  const h = await admfWithNe();
  try {
    const url = h.running.x1Url;
    const code = (r: X1Response | undefined) =>
      r?.type === 'ErrorResponse' ? r.errorInformation.errorCode : r?.type;
    const [wrongCert] = await sendToAdmf(url, 'ne-2', [req('PingRequest', {})]);
    assert.equal(code(wrongCert), 1050);
    const [unregistered] = await sendToAdmf(url, 'ne-2', [req('PingRequest', {}, { neIdentifier: 'ne-2' })]);
    assert.equal(code(unregistered), 1050);
    const [otherAdmf] = await sendToAdmf(url, 'ne-1', [req('PingRequest', {}, { admfIdentifier: 'admf-9' })]);
    assert.equal(code(otherAdmf), 1060);
    const [neRequest] = await sendToAdmf(url, 'ne-1', [req('GetNEStatusRequest', {})]);
    assert.equal(code(neRequest), 1080);
    assert.equal((await h.running.admf.store.listReports()).length, 0, 'nothing recorded');
  } finally {
    await h.close();
  }
});

test('hostile or unreadable bodies at /X1/ADMF get a top-level error and change nothing', async () => {
  const h = await admfWithNe();
  try {
    const pki = await getTestPki();
    const c = createX1Client({ tls: pki.tls('ne-1'), url: h.running.x1Url });
    try {
      for (const body of [
        'not xml at all',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        '<X1Request xmlns="http://example.com/other"/>',
      ]) {
        const res = await c.post(body);
        const doc = decodeX1(res.body);
        assert.equal(doc.root, 'X1TopLevelErrorResponse', body);
      }
    } finally {
      await c.close();
    }
    assert.equal((await h.running.admf.store.listReports()).length, 0);
  } finally {
    await h.close();
  }
});

/** An ADMF with ne-1 a fake NE (answers can be held) that has one destination; a fresh XID to task. */
async function admfWithFakeNe() {
  const h = await admfHarness();
  const ne = await fakeNe();
  await h.running.admf.putNe({ id: 'ne-1', url: ne.url });
  const did = uuid();
  await createDestination(h.running.admf, 'ne-1', destination(did));
  return { h, ne, did, xid: uuid() };
}

test('a report that overtakes the Acknowledged answer is not undone by it', async () => {
  const { h, ne, did, xid } = await admfWithFakeNe();
  try {
    const { admf } = h.running;
    ne.h.dataPlane.delayMs = 10_000;
    ne.slow.add('ActivateTaskRequest');
    const activation = activateTask(admf, 'ne-1', task(xid, [did]));
    await until('the NE has answered Acknowledged (held)', async () => {
      await ne.h.clock.advance(250);
      return ne.h.store.getTask(xid) !== undefined;
    });
    await sendToAdmf(h.running.x1Url, 'ne-1', [
      req('ReportTaskIssueRequest', {
        xId: xid,
        taskReportType: 'FullyActionedAndSuccessful',
        taskIssueErrorCode: 9040,
        taskIssueExtensions: [],
      }),
    ]);
    assert.equal((await admf.store.getTask(xid))?.state, 'active');
    ne.slow.clear();
    ne.release();
    const t = await activation;
    assert.equal(t.state, 'active');
    assert.equal((await admf.store.getTask(xid))?.state, 'active');
  } finally {
    await ne.close();
    await h.close();
  }
});

test('an activation the NE already has, whose GetTaskDetails goes unanswered, is answered pending, not refused (no 502)', async () => {
  const { h, ne, did, xid } = await admfWithFakeNe();
  const direct = await testLink(ne.url);
  try {
    const { admf } = h.running;
    // A previous owner's ActivateTask reached the NE; its answer was lost with that owner.
    const first = await direct.link.request({ type: 'ActivateTaskRequest', taskDetails: task(xid, [did]) });
    assert.equal(first.response.type, 'ActivateTaskResponse');
    ne.silent.add('GetTaskDetailsRequest');
    let settled = false;
    const activation = activateTask(admf, 'ne-1', task(xid, [did])).finally(() => (settled = true));
    await until('the NE refused the second ActivateTask and was asked for the task', () =>
      ne.received.some((m) => m.type === 'GetTaskDetailsRequest'),
    );
    // TIME2 on every resend of GetTaskDetails, until the link gives up.
    for (let i = 0; i < 20 && !settled; i++) {
      await h.clock.advance(60_000);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Answered as pending, not refused as unreachable; the NE's return (it answers pings) may already have
    // reconciled it to active.
    const t = await activation;
    assert.ok(['activating', 'active'].includes(t.state), t.state);
    assert.equal((await admf.store.getTask(xid))?.state, t.state);
    assert.deepEqual(ne.h.store.listXids(), [xid]);
  } finally {
    ne.release();
    await direct.close();
    await ne.close();
    await h.close();
  }
});
