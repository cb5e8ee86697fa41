/**
 * Certificate expiry at the NE (DESIGN.md): a ReportNEIssue warning ahead of time (default 30 days, once per
 * certificate), and at expiry a terminating fault for every task ("certificate or key expired"), since
 * interception may not continue without a valid X1 security association.
 */
import { ISSUE_CODES } from '../x1/errors.js';
import type { NeContext } from './context.js';
import { terminateTask } from './lifecycle.js';

export interface WatchedCertificate {
  /** What it is, for humans: "NE certificate", "ADMF certificate", "CA certificate". */
  readonly label: string;
  readonly fingerprint: string;
  readonly notAfter: Date;
}

const DAY_MS = 86_400_000;

/** Checks the certificates once; safe to call often (each warning is sent once per certificate). */
export async function checkCertificates(ctx: NeContext, certs: readonly WatchedCertificate[]): Promise<void> {
  const now = ctx.clock.now();
  for (const c of certs) {
    const left = c.notAfter.getTime() - now;
    if (left <= 0) {
      const key = `certExpired:${c.fingerprint}`;
      if (ctx.store.getMeta(key) !== undefined && ctx.store.countTasks() === 0) continue;
      ctx.store.setMeta(key, String(now));
      ctx.issues.fault(
        { kind: 'ne', id: ctx.config.id },
        {
          errorCode: ISSUE_CODES.Terminating,
          errorDescription: `${c.label} expired on ${c.notAfter.toISOString()}`,
        },
      );
      for (const xid of ctx.store.listXids()) {
        await terminateTask(ctx, xid, ISSUE_CODES.Terminating, `certificate or key expired: ${c.label}`);
      }
    } else if (left <= ctx.config.certWarningDays * DAY_MS) {
      const key = `certWarned:${c.fingerprint}`;
      if (ctx.store.getMeta(key) !== undefined) continue;
      ctx.store.setMeta(key, String(now));
      ctx.issues.warn(
        { kind: 'ne', id: ctx.config.id },
        `${c.label} expires on ${c.notAfter.toISOString()} (in ${Math.ceil(left / DAY_MS)} days)`,
      );
    }
  }
}
