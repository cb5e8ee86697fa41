/**
 * Which target identifiers lix's probe can intercept, and the combination rules every NE data plane applies
 * before a task is accepted (TS 103 221-1 clause 6.2.1: a task the NE cannot intercept is refused with
 * TargetTypeUnsupported or TargetCombinationUnsupported). Pure.
 */
import type { ErrorKind } from './errors.js';
import type { TargetKind, TaskDetails } from './model.js';

/** Why a task or destination cannot be taken, as an X1 error kind and a reason for the ADMF. */
export interface Refusal {
  readonly kind: ErrorKind;
  readonly reason: string;
}

/** Target kinds the probe can match (DESIGN.md "Probe"; docs/probe.md says how each is matched). */
export const PROBE_TARGET_KINDS: readonly TargetKind[] = [
  'sipUri',
  'telUri',
  'e164Number',
  'impu',
  'impi',
  'imsi',
  'imei',
  'gpsiMsisdn',
  'supiimsi',
  'peiImei',
  'peiImeiCheckDigit',
  'peiImeisv',
  'ipv4Address',
  'ipv6Address',
  'ipv4Cidr',
  'ipv6Cidr',
  'tcpPort',
  'udpPort',
  'tcpPortRange',
  'udpPortRange',
  'tcpPortList',
  'udpPortList',
  'callPartyRole',
  'nonLocalIdentifier',
];

/** Target kinds that qualify another identifier and cannot form a task alone. */
export const QUALIFIER_KINDS: ReadonlySet<TargetKind> = new Set(['callPartyRole', 'nonLocalIdentifier']);

/** Refuses kinds outside `supported`, tasks of qualifiers only, and more than one callPartyRole. */
export function checkTargets(task: TaskDetails, supported: ReadonlySet<TargetKind>): Refusal | undefined {
  const unsupported = task.targetIdentifiers.find((t) => !supported.has(t.kind));
  if (unsupported)
    return {
      kind: 'TargetTypeUnsupported',
      reason: `target kind ${unsupported.kind} is not supported by this NE`,
    };
  if (task.targetIdentifiers.every((t) => QUALIFIER_KINDS.has(t.kind))) {
    return {
      kind: 'TargetCombinationUnsupported',
      reason: 'callPartyRole/nonLocalIdentifier need an identifier to qualify',
    };
  }
  const roles = task.targetIdentifiers.filter((t) => t.kind === 'callPartyRole');
  if (roles.length > 1)
    return { kind: 'TargetCombinationUnsupported', reason: 'more than one callPartyRole' };
  return undefined;
}
