/**
 * The NE's data plane as the X1 side sees it: what it can intercept and deliver to, and applying changes.
 * The probe implements it later; {@link InMemoryDataPlane} is the lab/test implementation that can be made
 * slow or failing.
 */
import type { ErrorKind } from '../x1/errors.js';
import type { DeliveryAddress, DestinationDetails, TargetKind, TaskDetails } from '../x1/model.js';

export interface Refusal {
  readonly kind: ErrorKind;
  readonly reason: string;
}

export interface DataPlane {
  /** Why this task cannot be intercepted here (unsupported target kind, combination, service type), if so. */
  checkTask(task: TaskDetails): Refusal | undefined;
  /** Why this destination cannot be delivered to (unsupported or unusable address), if so. */
  checkDestination(d: DestinationDetails): Refusal | undefined;
  /** Starts or replaces interception of a task; rejects when it cannot be done. */
  applyTask(task: TaskDetails, destinations: readonly DestinationDetails[]): Promise<void>;
  removeTask(xid: string): Promise<void>;
  applyDestination(d: DestinationDetails): Promise<void>;
  removeDestination(did: string): Promise<void>;
}

/** Target kinds the probe can match (DESIGN.md "Probe"). */
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
  'ipv4Address',
  'ipv6Address',
  'ipv4Cidr',
  'ipv6Cidr',
  'tcpPort',
  'udpPort',
  'tcpPortRange',
  'udpPortRange',
  'callPartyRole',
  'nonLocalIdentifier',
];

/** URI schemes of STM destinations (DESIGN.md "STM reports"). */
export const STM_URI_SCHEMES = ['eep+udp', 'eep+tcp', 'eep+tls', 'eep+sctp', 'gre-pcapng+udp'] as const;

/** Target kinds that qualify another identifier and cannot form a task alone. */
const QUALIFIERS: ReadonlySet<TargetKind> = new Set(['callPartyRole', 'nonLocalIdentifier']);

export function checkTargets(task: TaskDetails, supported: ReadonlySet<TargetKind>): Refusal | undefined {
  const unsupported = task.targetIdentifiers.find((t) => !supported.has(t.kind));
  if (unsupported)
    return {
      kind: 'TargetTypeUnsupported',
      reason: `target kind ${unsupported.kind} is not supported by this NE`,
    };
  if (task.targetIdentifiers.every((t) => QUALIFIERS.has(t.kind))) {
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

/** Parses a delivery address into scheme, host and port, or says why it is unusable. */
export function checkDeliveryAddress(a: DeliveryAddress): Refusal | undefined {
  if (a.kind === 'ipAddressAndPort') {
    if (a.port.port === 0) return { kind: 'DeliveryAddressUnusable', reason: 'port 0' };
    return undefined;
  }
  if (a.kind !== 'uri')
    return { kind: 'DeliveryAddressUnusable', reason: `delivery to ${a.kind} is not supported` };
  let url: URL;
  try {
    url = new URL(a.value);
  } catch {
    return { kind: 'DeliveryAddressUnusable', reason: `not a URI: ${a.value}` };
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!(STM_URI_SCHEMES as readonly string[]).includes(scheme)) {
    return {
      kind: 'DeliveryAddressUnusable',
      reason: `scheme ${scheme} is not one of ${STM_URI_SCHEMES.join(', ')}`,
    };
  }
  if (url.hostname === '') return { kind: 'DeliveryAddressUnusable', reason: 'no host' };
  if (url.port === '' && scheme !== 'gre-pcapng+udp')
    return { kind: 'DeliveryAddressUnusable', reason: 'no port' };
  return undefined;
}

export interface InMemoryDataPlaneOptions {
  readonly supportedTargets?: readonly TargetKind[];
  /** Delay every apply/remove by this many milliseconds (tests of the TIME1 budget). */
  readonly delayMs?: number;
  /** Sleep implementation (tests pass the fake clock's). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A data plane that only remembers what it was told; tests can slow it down or make it fail. */
export class InMemoryDataPlane implements DataPlane {
  readonly tasks = new Map<string, TaskDetails>();
  readonly destinations = new Map<string, DestinationDetails>();
  private readonly supported: ReadonlySet<TargetKind>;
  delayMs: number;
  /** XIDs whose next apply fails. */
  readonly failXids = new Set<string>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: InMemoryDataPlaneOptions = {}) {
    this.supported = new Set(opts.supportedTargets ?? PROBE_TARGET_KINDS);
    this.delayMs = opts.delayMs ?? 0;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  checkTask(task: TaskDetails): Refusal | undefined {
    return checkTargets(task, this.supported);
  }

  checkDestination(d: DestinationDetails): Refusal | undefined {
    return checkDeliveryAddress(d.deliveryAddress);
  }

  private async delay(): Promise<void> {
    if (this.delayMs > 0) await this.sleep(this.delayMs);
  }

  async applyTask(task: TaskDetails): Promise<void> {
    await this.delay();
    if (this.failXids.delete(task.xId)) throw new Error(`data plane refused task ${task.xId}`);
    this.tasks.set(task.xId, task);
  }

  async removeTask(xid: string): Promise<void> {
    await this.delay();
    this.tasks.delete(xid);
  }

  async applyDestination(d: DestinationDetails): Promise<void> {
    this.destinations.set(d.dId, d);
  }

  async removeDestination(did: string): Promise<void> {
    this.destinations.delete(did);
  }
}
