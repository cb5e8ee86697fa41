/**
 * The NE's data plane as the X1 side sees it: what it can intercept and deliver to, and applying changes.
 * The probe implements it later; {@link InMemoryDataPlane} is the lab/test implementation that can be made
 * slow or failing.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NeStore } from '../store/ne-store.js';
import { checkDeliveryAddress } from '../stm/uri.js';
import { checkTargets, PROBE_TARGET_KINDS, type Refusal } from '../x1/targets.js';
import type { DestinationDetails, TargetKind, TaskDetails } from '../x1/model.js';

/** What the NE hands its data plane: the store (task counters, delivery status) and the issue reporter. */
export interface DataPlaneHost {
  readonly store: NeStore;
  readonly issues: IssueSink;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** The part of the NE's IssueReporter a data plane uses (context.ts implements it). */
export interface IssueSink {
  warn(scope: { kind: 'task' | 'destination' | 'ne'; id: string }, text: string): void;
  fault(
    scope: { kind: 'task' | 'destination' | 'ne'; id: string },
    fault: { errorCode: number; errorDescription: string },
  ): void;
  clear(scope: { kind: 'task' | 'destination' | 'ne'; id: string }, code: number, text: string): void;
}

export interface DataPlane {
  /** Called once by the NE before any task is applied. */
  attach?(host: DataPlaneHost): void;
  /** Called once the NE has restored its tasks (starts capture). */
  start?(): void;
  /** Called when the NE stops. */
  close?(): Promise<void>;
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

export { checkTargets, PROBE_TARGET_KINDS, type Refusal } from '../x1/targets.js';
export { checkDeliveryAddress } from '../stm/uri.js';

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
