import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeFor, ERROR_KINDS, ERROR_TABLE, kindForCode, kindsForCode, PROFILES } from './errors.js';

test('the etsi and draft tables match DESIGN.md', () => {
  const expected: Record<string, [number, number]> = {
    GenericFailure: [1000, 3000],
    AdmfIdentityMismatch: [1030, 3010],
    UnexpectedAdmf: [1040, 3011],
    NeIdentityMismatch: [1050, 3010],
    NotForThisNe: [1060, 3012],
    SchemaInvalid: [1010, 3013],
    UnsupportedMessage: [1080, 3014],
    UnsupportedVersion: [1020, 3015],
    ResponseTimeout: [1000, 3016],
    XidMissing: [1010, 3020],
    XidForbidden: [1010, 3021],
    XidAlreadyExists: [2010, 3022],
    XidDoesNotExist: [2020, 3023],
    DidAlreadyExists: [2030, 3022],
    DidDoesNotExist: [2040, 3023],
    ActivateFailed: [3000, 3000],
    ModifyFailed: [3001, 3000],
    TargetTypeUnsupported: [3010, 3031],
    TargetCombinationUnsupported: [3020, 3031],
    DeliveryAddressUnusable: [6020, 3030],
    DeliveryTypeMismatch: [3040, 3000],
    ServiceTypeUnsupported: [3050, 3000],
    DeactivateAllDisabled: [5010, 3014],
    RemoveAllDestinationsDisabled: [8020, 3014],
    DestinationInUse: [7010, 3000],
    DestinationsInUse: [8010, 3000],
    // Not in DESIGN.md: lix's own bound (docs/security.md), sent as a generic failure in both profiles.
    TooManyBulkRequests: [1000, 3000],
  };
  assert.deepEqual(Object.fromEntries(Object.entries(ERROR_TABLE).map(([k, v]) => [k, [...v]])), expected);
  for (const kind of ERROR_KINDS) {
    assert.equal(codeFor('etsi', kind), expected[kind]![0]);
    assert.equal(codeFor('draft', kind), expected[kind]![1]);
  }
});

test('code → kind: every kind is among the kinds of its own code, primary meaning first', () => {
  for (const profile of PROFILES) {
    for (const kind of ERROR_KINDS) assert.ok(kindsForCode(profile, codeFor(profile, kind)).includes(kind));
  }
  assert.equal(kindForCode('etsi', 1010), 'SchemaInvalid');
  assert.deepEqual(kindsForCode('etsi', 1010), ['SchemaInvalid', 'XidMissing', 'XidForbidden']);
  assert.equal(kindForCode('etsi', 2020), 'XidDoesNotExist');
  assert.deepEqual(kindsForCode('draft', 3022), ['XidAlreadyExists', 'DidAlreadyExists']);
  assert.equal(kindForCode('draft', 3015), 'UnsupportedVersion');
  assert.equal(kindForCode('etsi', 4242), 'GenericFailure');
  assert.deepEqual(kindsForCode('etsi', 4242), []);
});
