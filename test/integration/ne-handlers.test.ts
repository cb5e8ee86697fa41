// The NE's X1 semantics, in memory (no sockets): every request type, every error kind in both profiles, the
// TIME1 budget with a slow or failing data plane, issue reports in the outbox, the keepalive watchdog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeFor, PROFILES, type ErrorKind, type ErrorProfile } from '../../src/x1/errors.js';
import type { X1Request, X1Response } from '../../src/x1/model.js';
import { neHarness, TRANSPORTS, type NeHarness } from '../support/ne-harness.js';
import { destination, req, task, uuid, ADMF } from '../support/x1-builders.js';
import { pingXml } from '../support/hostile-xml.js';

function ok(r: X1Response | undefined, type: string, value = 'AcknowledgedAndCompleted'): void {
  assert.ok(r, 'no response');
  assert.equal(r.type, type, JSON.stringify(r));
  if ('oK' in r) assert.equal(r.oK, value);
}

function err(profile: ErrorProfile, r: X1Response | undefined, kind: ErrorKind): void {
  assert.ok(r && r.type === 'ErrorResponse', `expected ${kind}, got ${JSON.stringify(r)}`);
  assert.equal(
    r.errorInformation.errorCode,
    codeFor(profile, kind),
    `${kind}: ${r.errorInformation.errorDescription}`,
  );
}

async function one(h: NeHarness, m: X1Request, peer?: string): Promise<X1Response> {
  const [r] = await h.send([m], peer);
  return r!;
}

for (const transport of TRANSPORTS) {
  test(`every request type succeeds, and status answers from the store (${transport})`, async () => {
    const h = await neHarness(
      { deactivateAllEnabled: true, removeAllDestinationsEnabled: true },
      { transport },
    );
    try {
      const did = uuid();
      const xid = uuid();
      ok(await one(h, req('PingRequest', {})), 'PingResponse');
      ok(await one(h, req('KeepaliveRequest', {})), 'KeepaliveResponse');
      ok(
        await one(h, req('CreateDestinationRequest', { destinationDetails: destination(did) })),
        'CreateDestinationResponse',
      );
      ok(await one(h, req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })), 'ActivateTaskResponse');
      assert.ok(h.dataPlane.tasks.has(xid));
      const details = await one(h, req('GetTaskDetailsRequest', { xId: xid }));
      assert.ok(details.type === 'GetTaskDetailsResponse');
      assert.deepEqual(details.taskResponseDetails.taskDetails, task(xid, [did]));
      assert.equal(details.taskResponseDetails.taskStatus.provisioningStatus, 'complete');
      const modified = task(xid, [did], {
        targetIdentifiers: [{ kind: 'e164Number', value: '447700900123' }],
      });
      ok(await one(h, req('ModifyTaskRequest', { taskDetails: modified })), 'ModifyTaskResponse');
      const after = await one(h, req('GetTaskDetailsRequest', { xId: xid }));
      assert.ok(after.type === 'GetTaskDetailsResponse');
      assert.deepEqual(after.taskResponseDetails.taskDetails.targetIdentifiers, modified.targetIdentifiers);
      assert.equal(after.taskResponseDetails.taskStatus.numberOfModifications, 1);
      assert.deepEqual(h.dataPlane.tasks.get(xid), modified);
      const dd = await one(h, req('GetDestinationDetailsRequest', { dId: did }));
      assert.ok(dd.type === 'GetDestinationDetailsResponse');
      assert.equal(
        dd.destinationResponseDetails.destinationStatus.destinationDeliveryStatus,
        'activeAndWorking',
      );
      ok(
        await one(
          h,
          req('ModifyDestinationRequest', {
            destinationDetails: destination(did, { friendlyName: 'renamed' }),
          }),
        ),
        'ModifyDestinationResponse',
      );
      const ne = await one(h, req('GetNEStatusRequest', {}));
      assert.ok(ne.type === 'GetNEStatusResponse' && ne.neStatusDetails.neStatus === 'OK');
      const all = await one(h, req('GetAllDetailsRequest', {}));
      assert.ok(all.type === 'GetAllDetailsResponse');
      assert.equal(all.listOfTaskResponseDetails.length, 1);
      assert.equal(all.listOfDestinationResponseDetails[0]!.destinationDetails.friendlyName, 'renamed');
      const tasks = await one(h, req('GetAllTaskDetailsRequest', {}));
      assert.ok(tasks.type === 'GetAllTaskDetailsResponse' && tasks.listOfTaskResponseDetails?.length === 1);
      const dests = await one(h, req('GetAllDestinationDetailsRequest', {}));
      assert.ok(
        dests.type === 'GetAllDestinationDetailsResponse' &&
          dests.listOfDestinationResponseDetails?.length === 1,
      );
      const list = await one(h, req('ListAllDetailsRequest', {}));
      assert.ok(list.type === 'ListAllDetailsResponse');
      assert.deepEqual([list.ListOfXIDs, list.ListOfDIDs.dIds], [[xid], [did]]);
      ok(await one(h, req('DeactivateTaskRequest', { xId: xid })), 'DeactivateTaskResponse');
      assert.equal(h.store.getTask(xid), undefined);
      assert.ok(!h.dataPlane.tasks.has(xid));
      ok(await one(h, req('RemoveDestinationRequest', { dId: did })), 'RemoveDestinationResponse');
      ok(
        await one(h, req('CreateDestinationRequest', { destinationDetails: destination(did) })),
        'CreateDestinationResponse',
      );
      ok(
        await one(h, req('ActivateTaskRequest', { taskDetails: task(uuid(), [did]) })),
        'ActivateTaskResponse',
      );
      ok(await one(h, req('DeactivateAllTasksRequest', {})), 'DeactivateAllTasksResponse');
      assert.equal(h.store.countTasks(), 0);
      ok(await one(h, req('RemoveAllDestinationsRequest', {})), 'RemoveAllDestinationsResponse');
      assert.equal(h.store.listDestinations().length, 0);
      h.ne.audit.flush();
      const actions = h.store.readAudit().map((a) => a.action);
      for (const a of [
        'PingRequest',
        'ActivateTaskRequest',
        'ModifyTaskRequest',
        'DeactivateTaskRequest',
        'GetAllDetailsRequest',
      ]) {
        assert.ok(actions.includes(a), `audit has ${a}`);
      }
    } finally {
      await h.close();
    }
  });

  for (const profile of PROFILES) {
    test(`every error kind, ${profile} profile (${transport})`, async () => {
      const h = await neHarness({ profile }, { transport });
      try {
        const did = uuid();
        const x3did = uuid();
        const xid = uuid();
        await one(h, req('CreateDestinationRequest', { destinationDetails: destination(did) }));
        await one(
          h,
          req('CreateDestinationRequest', {
            destinationDetails: destination(x3did, { deliveryType: 'X3Only' }),
          }),
        );
        await one(h, req('ActivateTaskRequest', { taskDetails: task(xid, [did]) }));
        const e = (r: X1Response, kind: ErrorKind) => err(profile, r, kind);
        e(await one(h, req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })), 'XidAlreadyExists');
        e(await one(h, req('ModifyTaskRequest', { taskDetails: task(uuid(), [did]) })), 'XidDoesNotExist');
        e(await one(h, req('DeactivateTaskRequest', { xId: uuid() })), 'XidDoesNotExist');
        e(await one(h, req('GetTaskDetailsRequest', { xId: uuid() })), 'XidDoesNotExist');
        e(
          await one(h, req('CreateDestinationRequest', { destinationDetails: destination(did) })),
          'DidAlreadyExists',
        );
        e(
          await one(h, req('ModifyDestinationRequest', { destinationDetails: destination(uuid()) })),
          'DidDoesNotExist',
        );
        e(await one(h, req('RemoveDestinationRequest', { dId: uuid() })), 'DidDoesNotExist');
        e(await one(h, req('GetDestinationDetailsRequest', { dId: uuid() })), 'DidDoesNotExist');
        e(
          await one(h, req('ActivateTaskRequest', { taskDetails: task(uuid(), [uuid()]) })),
          'DidDoesNotExist',
        );
        e(await one(h, req('RemoveDestinationRequest', { dId: did })), 'DestinationInUse');
        e(await one(h, req('DeactivateAllTasksRequest', {})), 'DeactivateAllDisabled');
        e(await one(h, req('RemoveAllDestinationsRequest', {})), 'RemoveAllDestinationsDisabled');
        const mac = task(uuid(), [did], {
          targetIdentifiers: [{ kind: 'macAddress', value: '00:11:22:33:44:55' }],
        });
        e(await one(h, req('ActivateTaskRequest', { taskDetails: mac })), 'TargetTypeUnsupported');
        const roleOnly = task(uuid(), [did], {
          targetIdentifiers: [{ kind: 'callPartyRole', value: 'Originating' }],
        });
        e(
          await one(h, req('ActivateTaskRequest', { taskDetails: roleOnly })),
          'TargetCombinationUnsupported',
        );
        e(
          await one(h, req('ActivateTaskRequest', { taskDetails: task(uuid(), [x3did]) })),
          'DeliveryTypeMismatch',
        );
        const lals = task(uuid(), [did], { listOfServiceTypes: ['LALS'] });
        e(await one(h, req('ActivateTaskRequest', { taskDetails: lals })), 'ServiceTypeUnsupported');
        const http = destination(uuid(), { deliveryAddress: { kind: 'uri', value: 'http://127.0.0.1:80/' } });
        e(
          await one(h, req('CreateDestinationRequest', { destinationDetails: http })),
          'DeliveryAddressUnusable',
        );
        const email = destination(uuid(), {
          deliveryAddress: { kind: 'emailAddress', value: 'li@example.net' },
        });
        e(
          await one(h, req('CreateDestinationRequest', { destinationDetails: email })),
          'DeliveryAddressUnusable',
        );
        e(
          await one(h, req('GetAllGenericObjectDetailsRequest', { body: [] } as never)),
          'UnsupportedMessage',
        );
        e(
          await one(
            h,
            req('ReportNEIssueRequest', {
              typeOfNeIssueMessage: 'Warning',
              description: 'x',
              nEIssueExtensions: [],
            }),
          ),
          'UnsupportedMessage',
        );
        // Identities: certificate vs admfIdentifier, the expected ADMF, this NE.
        e(
          await one(h, req('ActivateTaskRequest', { taskDetails: task(uuid(), [did]) }), 'mallory'),
          'AdmfIdentityMismatch',
        );
        e(await one(h, req('PingRequest', {}, { admfIdentifier: 'admf-2' }), 'admf-2'), 'UnexpectedAdmf');
        e(await one(h, req('PingRequest', {}, { neIdentifier: 'ne-9' })), 'NotForThisNe');
        // Decoder-level kinds over the same path.
        const raw = async (xml: string) => {
          const text = await h.sendRaw(Buffer.from(xml));
          return /<x1:errorCode>(\d+)</.exec(text)?.[1];
        };
        assert.equal(
          await raw(pingXml({ version: 'v2.0.0' })),
          String(codeFor(profile, 'UnsupportedVersion')),
        );
        assert.equal(await raw(pingXml({ tid: 'NOT-A-UUID' })), String(codeFor(profile, 'SchemaInvalid')));
        const noXid = pingXml().replace('x1:PingRequest', 'x1:DeactivateTaskRequest');
        assert.equal(await raw(noXid), String(codeFor(profile, 'XidMissing')));
        const xidInPing = pingXml().replace(
          '</x1:x1TransactionId>',
          `</x1:x1TransactionId><x1:xId>${xid}</x1:xId>`,
        );
        assert.equal(await raw(xidInPing), String(codeFor(profile, 'XidForbidden')));
        // Nothing the errors touched changed.
        assert.deepEqual(h.store.listXids(), [xid]);
        assert.equal(h.store.listDestinations().length, 2);
      } finally {
        await h.close();
      }
    });
  }

  test(`a container with many messages is answered message by message, in order (${transport})`, async () => {
    const h = await neHarness({}, { transport });
    try {
      const did = uuid();
      const rs = await h.send([
        req('CreateDestinationRequest', { destinationDetails: destination(did) }),
        req('ActivateTaskRequest', { taskDetails: task(uuid(), [uuid()]) }),
        req('PingRequest', {}),
      ]);
      assert.deepEqual(
        rs.map((r) => r.type),
        ['CreateDestinationResponse', 'ErrorResponse', 'PingResponse'],
      );
    } finally {
      await h.close();
    }
  });

  test(`a container that cannot be read gets the top-level error and changes nothing (${transport})`, async () => {
    const h = await neHarness({}, { transport });
    try {
      const text = await h.sendRaw(Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><x/>'));
      assert.match(text, /<x1:X1TopLevelErrorResponse /);
      assert.match(text, /<x1:neIdentifier>ne-1</);
    } finally {
      await h.close();
    }
  });

  test(`a data plane slower than the TIME1 budget: Acknowledged, awaitingProvisioning, then FullyActionedAndSuccessful (${transport})`, async () => {
    const h = await neHarness({}, { delayMs: 10_000, transport });
    try {
      const did = uuid();
      const xid = uuid();
      await one(h, req('CreateDestinationRequest', { destinationDetails: destination(did) }));
      const pending = one(h, req('ActivateTaskRequest', { taskDetails: task(xid, [did]) }));
      await h.clock.advance(4_000); // TIME1 = 5 s; the budget is 80 % of it
      ok(await pending, 'ActivateTaskResponse', 'Acknowledged');
      const st = await one(h, req('GetTaskDetailsRequest', { xId: xid }));
      assert.ok(st.type === 'GetTaskDetailsResponse');
      assert.equal(st.taskResponseDetails.taskStatus.provisioningStatus, 'awaitingProvisioning');
      assert.deepEqual(h.store.pendingReports(10), []);
      await h.clock.advance(6_000);
      assert.equal(h.store.getTask(xid)?.status.provisioningStatus, 'complete');
      const reports = h.store.pendingReports(10);
      assert.equal(reports.length, 1);
      assert.equal(reports[0]!.kind, 'ReportTaskIssue');
      assert.deepEqual(
        [
          (reports[0]!.body as { xId: string }).xId,
          (reports[0]!.body as { taskReportType: string }).taskReportType,
        ],
        [xid, 'FullyActionedAndSuccessful'],
      );
    } finally {
      await h.close();
    }
  });

  test(`a failing data plane: ActivateFailed in time; late failure is reported and the task removed (${transport})`, async () => {
    const h = await neHarness({}, { transport });
    try {
      const did = uuid();
      await one(h, req('CreateDestinationRequest', { destinationDetails: destination(did) }));
      const xid = uuid();
      h.dataPlane.failXids.add(xid);
      err(
        'etsi',
        await one(h, req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })),
        'ActivateFailed',
      );
      assert.equal(h.store.getTask(xid), undefined);
      const late = uuid();
      h.dataPlane.failXids.add(late);
      h.dataPlane.delayMs = 10_000;
      const pending = one(h, req('ActivateTaskRequest', { taskDetails: task(late, [did]) }));
      await h.clock.advance(4_000);
      ok(await pending, 'ActivateTaskResponse', 'Acknowledged');
      assert.ok(h.store.getTask(late));
      await h.clock.advance(6_000);
      assert.equal(h.store.getTask(late), undefined);
      const [r] = h.store.pendingReports(10);
      assert.equal((r!.body as { taskReportType: string }).taskReportType, 'FullyActionedAndUnsuccessful');
    } finally {
      await h.close();
    }
  });

  test(`keepalive watchdog: no keepalive for TIME_P3 ends every task with a terminating fault (${transport})`, async () => {
    const h = await neHarness({ keepalive: true, timeP3Ms: 60_000 }, { transport });
    try {
      const did = uuid();
      await one(h, req('CreateDestinationRequest', { destinationDetails: destination(did) }));
      const xids = [uuid(), uuid()];
      for (const xid of xids) await one(h, req('ActivateTaskRequest', { taskDetails: task(xid, [did]) }));
      await h.clock.advance(50_000);
      ok(await one(h, req('KeepaliveRequest', {})), 'KeepaliveResponse');
      await h.clock.advance(50_000);
      assert.equal(h.store.countTasks(), 2, 'the keepalive re-armed the watchdog');
      await h.clock.advance(10_001);
      assert.equal(h.store.countTasks(), 0);
      const reports = h.store
        .pendingReports(10)
        .map((r) => r.body as { xId: string; taskReportType: string; taskIssueErrorCode: number });
      assert.deepEqual(
        reports.map((r) => [r.xId, r.taskReportType, r.taskIssueErrorCode]).sort(),
        xids.map((x) => [x, 'TerminatingFault', 9050]).sort(),
      );
    } finally {
      await h.close();
    }
  });

  test(`identity failures never change state (${transport})`, async () => {
    const h = await neHarness({}, { transport });
    try {
      const did = uuid();
      const r = await one(
        h,
        req('CreateDestinationRequest', { destinationDetails: destination(did) }),
        'admf-evil',
      );
      err('etsi', r, 'AdmfIdentityMismatch');
      assert.equal(h.store.getDestination(did), undefined);
      assert.equal(ADMF, 'admf-1');
    } finally {
      await h.close();
    }
  });
}
