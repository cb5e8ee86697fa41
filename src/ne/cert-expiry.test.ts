import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neHarness } from '../../test/support/ne-harness.js';
import { destination, req, task, uuid } from '../../test/support/x1-builders.js';
import { checkCertificates } from './cert-expiry.js';

const DAY = 86_400_000;

test('a certificate close to expiry is warned about once; at expiry every task ends', async () => {
  const h = await neHarness({ certWarningDays: 30 });
  try {
    const did = uuid();
    await h.send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
    const xid = uuid();
    await h.send([req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })]);
    const cert = {
      label: 'NE certificate',
      fingerprint: 'ab:cd',
      notAfter: new Date(h.clock.now() + 40 * DAY),
    };
    await checkCertificates(h.ne.ctx, [cert]);
    assert.equal(h.store.pendingReports(10).length, 0, 'nothing 40 days ahead');
    await h.clock.advance(11 * DAY);
    await checkCertificates(h.ne.ctx, [cert]);
    await checkCertificates(h.ne.ctx, [cert]);
    const warnings = h.store.pendingReports(10);
    assert.equal(warnings.length, 1, 'warned once');
    assert.equal((warnings[0]!.body as { typeOfNeIssueMessage: string }).typeOfNeIssueMessage, 'Warning');
    assert.equal(h.store.listFaults({ kind: 'ne', id: 'ne-1' }).length, 0, 'a warning is not a fault');
    await h.clock.advance(30 * DAY);
    await checkCertificates(h.ne.ctx, [cert]);
    assert.equal(h.store.countTasks(), 0);
    const kinds = h.store
      .pendingReports(10)
      .map((r) => `${r.kind}:${JSON.stringify(r.body).includes('TerminatingFault') ? 'T' : ''}`);
    assert.ok(kinds.includes('ReportTaskIssue:T'), kinds.join());
    const ne = await h.send([req('GetNEStatusRequest', {})]);
    assert.ok(ne[0]!.type === 'GetNEStatusResponse' && ne[0]!.neStatusDetails.neStatus === 'Faults');
  } finally {
    await h.close();
  }
});
