/** The table columns of `lix ne task list`, `lix ne destination list` and `lix ne audit` (output.ts). */
import type { AuditEntry, StoredDestination, StoredTask } from '../store/ne-store.js';
import { cell, type Column } from './output.js';

/** `lix ne task list`: XID, origin, provisioning status, targets (all must match), DIDs, X2 bytes. */
export const TASK_COLUMNS: readonly Column<StoredTask>[] = [
  { heading: 'XID', value: (t) => t.details.xId },
  { heading: 'ORIGIN', value: (t) => t.origin },
  { heading: 'STATUS', value: (t) => t.status.provisioningStatus },
  {
    heading: 'TARGETS',
    value: (t) => t.details.targetIdentifiers.map((x) => `${x.kind}=${cell(x.value)}`).join(' & '),
  },
  { heading: 'DIDS', value: (t) => t.details.listOfDIDs.dIds },
  { heading: 'X2 BYTES', value: (t) => t.status.amountOfX2Data },
];

/** `lix ne destination list`: DID, delivery status, type, address, friendly name. */
export const DESTINATION_COLUMNS: readonly Column<StoredDestination>[] = [
  { heading: 'DID', value: (d) => d.details.dId },
  { heading: 'STATUS', value: (d) => d.deliveryStatus },
  { heading: 'TYPE', value: (d) => d.details.deliveryType },
  {
    heading: 'ADDRESS',
    value: ({ details: { deliveryAddress: a } }) =>
      a.kind === 'ipAddressAndPort' ? `${a.address.value}:${a.port.port}/${a.port.protocol}` : a.value,
  },
  { heading: 'NAME', value: (d) => d.details.friendlyName },
];

/** `lix ne audit`: one row per entry, its time in ISO 8601. */
export const AUDIT_COLUMNS: readonly Column<AuditEntry>[] = [
  { heading: 'ID', value: (a) => a.id },
  { heading: 'AT', value: (a) => new Date(a.at).toISOString() },
  { heading: 'ACTOR', value: (a) => a.actor },
  { heading: 'ACTION', value: (a) => a.action },
  { heading: 'OUTCOME', value: (a) => a.outcome },
  {
    heading: 'ABOUT',
    value: (a) =>
      [a.xid && `xid=${a.xid}`, a.did && `did=${a.did}`, a.transactionId && `tid=${a.transactionId}`]
        .filter(Boolean)
        .join(' '),
  },
  { heading: 'DETAIL', value: (a) => a.detail },
];
