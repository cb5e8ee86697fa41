/**
 * The TIME1 budget of a lifecycle change: the data plane gets until the deadline; a late change is answered
 * `Acknowledged` and finished in the background, with the callbacks turning its outcome into reports.
 */
import type { NeContext } from '../context.js';

export type BudgetOutcome = { kind: 'done' } | { kind: 'failed'; reason: string } | { kind: 'late' };

export interface LateHandlers {
  onLateSuccess(): void;
  onLateFailure(reason: string): void;
}

export async function raceBudget(
  ctx: NeContext,
  deadline: number,
  work: Promise<void>,
  late: LateHandlers,
): Promise<BudgetOutcome> {
  let settled: BudgetOutcome | undefined;
  const tracked = work.then(
    () => (settled = { kind: 'done' }),
    (err: unknown) =>
      (settled = { kind: 'failed', reason: err instanceof Error ? err.message : String(err) }),
  );
  const remaining = deadline - ctx.clock.now();
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = ctx.clock.setTimer(Math.max(0, remaining), resolve);
  });
  await Promise.race([tracked, timeout]);
  timer?.cancel();
  if (settled) return settled;
  void tracked.then((o) => {
    try {
      if (o.kind === 'done') late.onLateSuccess();
      else if (o.kind === 'failed') late.onLateFailure(o.reason);
    } catch (err) {
      ctx.logger.error({ err }, 'finishing a late data-plane change failed');
    }
  });
  return { kind: 'late' };
}
