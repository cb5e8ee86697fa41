/**
 * Task and destination details for the NE store tests: one of each with every optional field set and
 * extensions carrying XML trees (attributes, an xsi:type QName, nested elements, mixed text), plus small ones;
 * and the helpers the contract suites share.
 */
import { randomUUID } from 'node:crypto';
import type { NeStore } from '../../src/store/ne-store.js';
import { StoreError } from '../../src/store/store-errors.js';
import type { DestinationDetails, Extension, TaskDetails } from '../../src/x1/model.js';
import { XSI_NAMESPACE } from '../../src/x1/model.js';

const EXT_NS = 'urn:example:lix-store-test';

export function richExtension(owner: string): Extension {
  return {
    owner,
    content: [
      {
        ns: EXT_NS,
        name: 'vendorSettings',
        attrs: [
          { ns: '', name: 'level', value: '3' },
          {
            ns: XSI_NAMESPACE,
            name: 'type',
            value: 'SettingsType',
            qname: { ns: EXT_NS, local: 'SettingsType' },
          },
        ],
        children: [
          'before ',
          { ns: EXT_NS, name: 'item', attrs: [], children: ['a & b < c "quoted" é 中 😀'] },
          { ns: EXT_NS, name: 'empty', attrs: [], children: [] },
          ' after',
        ],
      },
      { ns: 'urn:example:other', name: 'flag', attrs: [], children: ['true'] },
    ],
  };
}

/** A TaskDetails with every optional field; `dids` go into listOfDIDs, `mediationDids` into mediation details. */
export function richTask(
  xid: string,
  dids: readonly string[],
  mediationDids: readonly string[] = [],
): TaskDetails {
  return {
    xId: xid,
    targetIdentifiers: [
      { kind: 'sipUri', value: 'sip:alice@ims.example.net' },
      { kind: 'e164Number', value: '447700900123' },
      { kind: 'ipv4Cidr', value: { family: 'IPv4CIDR', value: '192.0.2.0/24' } },
      { kind: 'udpPortRange', value: { start: 5060, end: 5070 } },
      { kind: 'tcpPortList', value: [5060, 5061] },
      { kind: 'gtpcTunnelId', value: 4_294_967_295 },
      {
        kind: 'hashedIdentifier',
        value: { hashContextID: randomUUID(), targetIdentityType: 'imsi', hashDigest: 'a1b2c3d4' },
      },
      { kind: 'targetIdentifierExtension', value: richExtension('target-owner') },
    ],
    deliveryType: 'X2andX3',
    listOfDIDs: { dIds: dids, dSIds: [randomUUID()] },
    listOfMediationDetails: [
      {
        LIID: 'LIID-0001',
        deliveryType: 'HI2andHI3',
        StartTime: '2026-11-22T10:00:00.000000Z',
        EndTime: '2026-12-22T10:00:00.123456+01:00',
        listOfDIDs: { dIds: mediationDids, dSIds: [] },
        mediationDetailsExtensions: [richExtension('mediation-owner')],
        serviceScopingOptions: [
          {
            serviceType: ['voice', 'messaging'],
            locationType: {
              kind: 'listOfLocationTypes',
              locationTypes: [{ beginningAndEnd: true, uponChange: false, LALS: true }],
            },
            suspendOnOutboundInternationalRoaming: true,
            reportPostDialledDigits: false,
          },
          { locationType: { kind: 'doNotReport' } },
        ],
        listOfTrafficPolicyReferences: [randomUUID()],
        listOfIRIPolicyReferences: [randomUUID()],
      },
    ],
    correlationID: 2 ** 40,
    implicitDeactivationAllowed: true,
    productID: randomUUID(),
    listOfServiceTypes: ['voice', 'data', 'RCS'],
    taskDetailsExtensions: [richExtension('task-owner'), { owner: 'empty-owner', content: [] }],
    listOfTrafficPolicyReferences: [randomUUID(), randomUUID()],
    listOfIRIPolicyReferences: [randomUUID()],
  };
}

/** A DestinationDetails with every optional field and an extension. */
export function richDestination(did: string): DestinationDetails {
  return {
    dId: did,
    friendlyName: 'collector <east> & "west"',
    deliveryType: 'X2andX3',
    deliveryAddress: {
      kind: 'ipAddressAndPort',
      address: { family: 'IPv6Address', value: '2001:db8::1' },
      port: { protocol: 'TCPPort', port: 9060 },
    },
    destinationDetailsExtensions: [richExtension('destination-owner')],
  };
}

/** A minimal task (one SIP target, X2 only). */
export function smallTask(xid: string, dids: readonly string[]): TaskDetails {
  return {
    xId: xid,
    targetIdentifiers: [{ kind: 'sipUri', value: `sip:${xid.slice(0, 8)}@example.net` }],
    deliveryType: 'X2Only',
    listOfDIDs: { dIds: dids, dSIds: [] },
    taskDetailsExtensions: [],
  };
}

export function smallDestination(did: string): DestinationDetails {
  return {
    dId: did,
    deliveryType: 'X2Only',
    deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
    destinationDetailsExtensions: [],
  };
}

/** A deterministic UUID for index `i` (scale tests: 100,000 distinct XIDs, sortable by index). */
export function indexedUuid(prefix: string, i: number): string {
  return `${prefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

export const T0 = '2026-11-22T10:00:00.000000Z';
export const T1 = '2026-11-22T11:00:00.000000Z';
export const T2 = '2026-11-22T12:00:00.500000Z';

/** How the contract suites get a store: `open()` an empty one, `reopen()` the last one opened. */
export interface NeStoreFactory {
  open(): NeStore;
  reopen(): NeStore;
}

export const uuid = (): string => randomUUID();

export const isStoreError =
  (kind: StoreError['kind']) =>
  (e: unknown): boolean =>
    e instanceof StoreError && e.kind === kind;

export const fault = (code: number, text = `fault ${code}`) => ({ errorCode: code, errorDescription: text });

/** Runs `fn` on a fresh store and closes it afterwards. */
export function withStore(f: NeStoreFactory, fn: (s: NeStore) => void): void {
  const s = f.open();
  try {
    fn(s);
  } finally {
    s.close();
  }
}
