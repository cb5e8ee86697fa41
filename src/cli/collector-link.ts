/**
 * In one process (`lix lab`), the collector's capture storage state reaches the NE: while the collector
 * cannot write (a full or read-only disk), every destination of the NE that points at one of its listeners is
 * a delivery fault, reported to the ADMF with ReportDestinationIssue, and cleared when it writes again.
 * Across hosts there is no such link (docs/collector.md, "Storage faults"): the collector's metrics and
 * health endpoint say it instead.
 */
import type { Collector } from '../collector/collector.js';
import { parseStmUri, type StmUri } from '../stm/uri.js';

/** The part of the probe this link needs. */
export interface StorageStateSink {
  consumerState(id: string, serves: (uri: string) => boolean, problem: string | undefined): void;
}

const WILDCARD = new Set(['0.0.0.0', '::']);

/** Whether a destination URI reaches this listener: same scheme and port, same host or a wildcard listener. */
export function reaches(listener: StmUri, uri: string): boolean {
  let u: StmUri;
  try {
    u = parseStmUri(uri);
  } catch {
    return false;
  }
  return (
    u.scheme === listener.scheme &&
    u.port === listener.port &&
    (u.host.toLowerCase() === listener.host.toLowerCase() || WILDCARD.has(listener.host))
  );
}

/** Links the collector's storage state to the NE's destinations; returns the function that unlinks. */
export function linkCollectorStorage(collector: Collector, ne: StorageStateSink): () => void {
  return collector.onStorageState((problem) => collectorState(collector, ne, problem));
}

/** Tells the NE that the collector can (`undefined`) or cannot take reports, e.g. when it has failed. */
export function collectorState(
  collector: Collector,
  ne: StorageStateSink,
  problem: string | undefined,
): void {
  const listeners = collector.listeners;
  ne.consumerState(
    listeners.map((l) => l.text).join(' '),
    (uri) => listeners.some((l) => reaches(l, uri)),
    problem,
  );
}
