/**
 * `lix lab` runs the ADMF, the NE (with its probe) and the collector in one process; an uncaught error in one
 * of them must not take the others down. The lab installs one handler for uncaught exceptions and unhandled
 * rejections: the error is attributed to the component it came from (the async context it started in, else
 * the component's source directory on its stack), logged once with the component's name, that component is
 * stopped and marked failed (its `/healthz` says so, and `lix lab` prints one line on stderr), and the others
 * keep running. An error that belongs to no component ends the lab as before (exit 1).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../lib/logger.js';

/** The lab's components. */
export type LabPart = 'admf' | 'ne' | 'collector';

/** Source directories of each component (src/ or dist/), for errors whose async context was lost. */
const SOURCE_DIRS: Readonly<Record<LabPart, readonly string[]>> = {
  collector: ['collector'],
  ne: ['ne', 'probe'],
  admf: ['admf', 'api'],
};

interface Part {
  readonly stop: () => Promise<void>;
  failure: string | undefined;
}

/** The lab's components and what became of them. */
export class LabIsolation {
  readonly #context = new AsyncLocalStorage<LabPart>();
  readonly #parts = new Map<LabPart, Part>();
  #installed: { exception: (e: unknown) => void; rejection: (e: unknown) => void } | undefined;

  constructor(
    private readonly logger: Logger,
    /** Called once when a component has failed (the lab prints it). */
    private readonly onFailure: (part: LabPart, why: string) => void = () => undefined,
    /** Called for an error no component owns (default: exit 1). */
    private readonly onUnowned: (err: unknown) => void = () => process.exit(1),
  ) {}

  /** Runs `start` in the component's async context, so that the callbacks it sets up are known to be its own. */
  run<T>(part: LabPart, start: () => T): T {
    return this.#context.run(part, start);
  }

  /** Registers a started component and how to stop it. */
  add(part: LabPart, stop: () => Promise<void>): void {
    this.#parts.set(part, { stop, failure: undefined });
  }

  /** Why the component failed, or undefined while it runs (its health check). */
  failure(part: LabPart): string | undefined {
    return this.#parts.get(part)?.failure;
  }

  /** Stops every component that has not failed (the lab's graceful stop). */
  async stopAll(order: readonly LabPart[]): Promise<void> {
    for (const p of order) {
      const part = this.#parts.get(p);
      if (!part || part.failure !== undefined) continue;
      await part.stop();
    }
  }

  /** The component an error belongs to: its async context, else the first lix source directory on its stack. */
  owner(err: unknown): LabPart | undefined {
    const here = this.#context.getStore();
    if (here && this.#parts.has(here)) return here;
    const stack = err instanceof Error ? (err.stack ?? '') : '';
    for (const line of stack.split('\n').slice(1)) {
      const m = /[/\\](?:src|dist)[/\\]([a-z-]+)[/\\]/.exec(line);
      if (!m) continue;
      for (const [part, dirs] of Object.entries(SOURCE_DIRS) as [LabPart, readonly string[]][])
        if (dirs.includes(m[1]!) && this.#parts.has(part)) return part;
    }
    return undefined;
  }

  /** Installs the process-wide handlers (once). */
  install(): void {
    if (this.#installed) return;
    const exception = (e: unknown) => this.#failed(e, 'uncaught exception');
    const rejection = (e: unknown) => this.#failed(e, 'unhandled rejection');
    process.on('uncaughtException', exception);
    process.on('unhandledRejection', rejection);
    this.#installed = { exception, rejection };
  }

  uninstall(): void {
    if (!this.#installed) return;
    process.off('uncaughtException', this.#installed.exception);
    process.off('unhandledRejection', this.#installed.rejection);
    this.#installed = undefined;
  }

  #failed(err: unknown, kind: string): void {
    const message = err instanceof Error ? err.message : String(err);
    const owner = this.owner(err);
    const part = owner && this.#parts.get(owner);
    if (!owner || !part) {
      this.logger.fatal({ err }, `${kind} outside the lab's components: ${message}`);
      this.onUnowned(err);
      return;
    }
    if (part.failure !== undefined) {
      this.logger.error({ component: owner, err }, `${owner}: another ${kind} after it failed: ${message}`);
      return;
    }
    part.failure = `${kind}: ${message}`;
    this.logger.error(
      { component: owner, err },
      `${owner} failed (${kind}: ${message}); stopping it, the other components keep running`,
    );
    this.onFailure(owner, part.failure);
    Promise.resolve()
      .then(() => part.stop())
      .then(
        () => this.logger.warn({ component: owner }, `${owner} stopped after its failure`),
        (e: unknown) => this.logger.error({ component: owner, err: e }, `${owner} did not stop cleanly`),
      );
  }
}
