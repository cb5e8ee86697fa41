/**
 * Per-NE health as the ADMF sees it: reachable or not, the last answer and its latency, consecutive
 * failures, keepalives, and the faults the NE reported (ReportNEIssue FaultReport until FaultCleared).
 */
import type { ErrorInformation } from '../x1/model.js';
import type { ExchangeEvent } from './ne-link.js';

export interface NeHealth {
  /** Undefined until the first exchange. */
  reachable: boolean | undefined;
  lastAnswerAt?: number;
  lastLatencyMs?: number;
  lastError?: string;
  consecutiveFailures: number;
  keepalivesSent: number;
  lastKeepaliveAt?: number;
  lastReportAt?: number;
  /** Faults the NE reported and has not cleared. */
  faults: ErrorInformation[];
}

export function newHealth(): NeHealth {
  return { reachable: undefined, consecutiveFailures: 0, keepalivesSent: 0, faults: [] };
}

/**
 * Applies one exchange. Returns true when the NE has just come back (it was unreachable and answered now):
 * the caller reconciles then.
 */
export function applyExchange(h: NeHealth, e: ExchangeEvent, now: number): boolean {
  switch (e.outcome) {
    case 'answered':
    case 'error-response': {
      const back = h.reachable === false;
      h.reachable = true;
      h.lastAnswerAt = now;
      if (e.latencyMs !== undefined) h.lastLatencyMs = e.latencyMs;
      h.consecutiveFailures = 0;
      if (e.type === 'KeepaliveRequest') h.lastKeepaliveAt = now;
      return back;
    }
    case 'timeout':
    case 'transport':
    case 'top-level':
      h.consecutiveFailures++;
      h.reachable = false;
      h.lastError = `${e.type}: ${e.outcome}${e.detail ? ` (${e.detail})` : ''}`;
      return false;
    case 'disregarded':
      h.lastError = `${e.type}: response disregarded (${e.detail ?? ''})`;
      return false;
  }
}

/**
 * ReportNEIssue (clause 6.5.3): a FaultReport is shown until the matching FaultCleared. Returns false when a
 * FaultCleared names no fault shown (e.g. it carries the generic "cleared" code): the caller then asks the NE.
 */
export function applyNeIssue(
  h: NeHealth,
  type: string,
  code: number | undefined,
  description: string,
): boolean {
  if (type === 'FaultCleared' && !h.faults.some((f) => f.errorCode === code)) return false;
  if (code === undefined) return true;
  if (type === 'FaultReport') {
    h.faults = [
      ...h.faults.filter((f) => f.errorCode !== code),
      { errorCode: code, errorDescription: description },
    ];
  } else if (type === 'FaultCleared') {
    h.faults = h.faults.filter((f) => f.errorCode !== code);
  }
  return true;
}
