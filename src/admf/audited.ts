/** Audited actions of the ADMF: an operator's (REST/CLI) or its own (`system`), with a reason. */
import type { Admf } from './admf.js';

/**
 * Who acts: an operator (REST/CLI), or the ADMF itself (`system`: the warrant scheduler), with the reason
 * its audit rows and the task record carry.
 */
export interface Actor {
  readonly actor: 'operator' | 'system';
  readonly reason?: string;
}

export const OPERATOR: Actor = { actor: 'operator' };

async function record(
  admf: Admf,
  by: Actor,
  action: string,
  ok: boolean,
  ids: { neId: string; xid?: string; did?: string },
  error?: string,
) {
  const detail = [by.reason, error].filter((d) => d !== undefined).join(': ');
  await admf.audit({
    actor: by.actor,
    action,
    outcome: ok ? 'ok' : 'error',
    ...ids,
    ...(detail !== '' && { detail }),
  });
}

/** Runs an action (an operator's by default) and audits its outcome. */
export async function audited<T>(
  admf: Admf,
  action: string,
  ids: { neId: string; xid?: string; did?: string },
  fn: () => Promise<T>,
  by: Actor = OPERATOR,
): Promise<T> {
  try {
    const r = await fn();
    await record(admf, by, action, true, ids);
    return r;
  } catch (err) {
    await record(admf, by, action, false, ids, err instanceof Error ? err.message : String(err));
    throw err;
  }
}
