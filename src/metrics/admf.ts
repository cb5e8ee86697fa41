/**
 * The ADMF's metrics: X1 requests it sent to each NE (by type, outcome, latency) and the reports it answered,
 * tasks by NE and state, and per NE: reachability, keepalives, link counters.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Admf } from '../admf/admf.js';
import type { ReportReceiver } from '../admf/reports.js';
import type { AdmfStore } from '../store/admf-store.js';
import type { X1ServerStats } from '../transport/https-server.js';
import { x1ConnectionMetrics } from './x1-connections.js';
import { counterOf, gaugeOf, x1ServedMetrics, type Sample } from './registry.js';

const SENT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

export function admfMetrics(
  registry: Registry,
  admf: Admf,
  receiver: ReportReceiver,
  store: AdmfStore,
  x1Stats?: () => Readonly<X1ServerStats>,
): void {
  receiver.observeRequests(x1ServedMetrics(registry));
  if (x1Stats) x1ConnectionMetrics(registry, x1Stats);
  const sent = new Counter({
    name: 'lix_admf_x1_requests_total',
    help: 'X1 requests the ADMF sent to NEs, by NE, message type and outcome (ok, error, unanswered)',
    labelNames: ['ne', 'type', 'outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lix_admf_x1_request_duration_seconds',
    help: 'Time from sending an X1 request to its answer (resends included), by NE and message type',
    labelNames: ['ne', 'type'] as const,
    buckets: SENT_BUCKETS,
    registers: [registry],
  });
  admf.requestObserver = (ne, type, outcome, seconds) => {
    sent.inc({ ne, type, outcome });
    latency.observe({ ne, type }, seconds);
  };
  gaugeOf(registry, 'lix_admf_tasks', 'Tasks in the ADMF store, by NE and state', ['ne', 'state'], async () =>
    (await store.countTasks()).map((t): Sample<'ne' | 'state'> => [{ ne: t.neId, state: t.state }, t.count]),
  );
  gaugeOf(
    registry,
    'lix_admf_tasks_expiring',
    'Live tasks whose warrant ends within the expiry-warning lead time (warrantExpiryWarning)',
    [],
    () => [[{}, admf.warrants.expiring]],
  );
  gaugeOf(
    registry,
    'lix_admf_ne_reachable',
    '1 while the NE answers, 0 when it does not (absent before the first exchange)',
    ['ne'],
    () =>
      admf
        .neStates()
        .flatMap((n) =>
          n.health.reachable === undefined ? [] : [[{ ne: n.neId }, n.health.reachable ? 1 : 0]],
        ),
  );
  gaugeOf(registry, 'lix_admf_ne_faults', 'Faults the NE reported and has not cleared', ['ne'], () =>
    admf.neStates().map((n) => [{ ne: n.neId }, n.health.faults.length]),
  );
  gaugeOf(registry, 'lix_admf_ne_keepalive_enabled', '1 when keepalives are agreed with the NE', ['ne'], () =>
    admf.neStates().map((n) => [{ ne: n.neId }, n.keepalive ? 1 : 0]),
  );
  counterOf(registry, 'lix_admf_ne_keepalives_total', 'Keepalives sent to the NE', ['ne'], () =>
    admf.neStates().map((n) => [{ ne: n.neId }, n.health.keepalivesSent]),
  );
  gaugeOf(
    registry,
    'lix_admf_ne_last_keepalive_timestamp_seconds',
    'When the last keepalive was sent',
    ['ne'],
    () =>
      admf
        .neStates()
        .flatMap((n) =>
          n.health.lastKeepaliveAt === undefined ? [] : [[{ ne: n.neId }, n.health.lastKeepaliveAt / 1000]],
        ),
  );
  counterOf(
    registry,
    'lix_admf_ne_link_total',
    'Link events per NE (sent, answered, timeouts, late, ...)',
    ['ne', 'event'],
    () =>
      admf
        .neStates()
        .flatMap((n) =>
          Object.entries(n.link).map(([event, v]): Sample<'ne' | 'event'> => [{ ne: n.neId, event }, v]),
        ),
  );
  gaugeOf(registry, 'lix_admf_ne_owned', '1 for each NE whose X1 link this instance owns', ['ne'], () =>
    admf.ownership.owned().map((ne) => [{ ne }, 1]),
  );
  counterOf(
    registry,
    'lix_admf_lease_events_total',
    'NE lease events of this instance: takeovers, lost leases, fencing refusals',
    ['event'],
    () => {
      const s = admf.ownership.stats();
      return [
        [{ event: 'takeover' }, s.takeovers],
        [{ event: 'lost' }, s.lostLeases],
        [{ event: 'fencing_refusal' }, s.fencingRefusals],
      ];
    },
  );
  counterOf(
    registry,
    'lix_admf_reports_received_total',
    'Reports and pings from NEs, by result',
    ['result'],
    () => [
      [{ result: 'received' }, receiver.counters.received],
      [{ result: 'refused' }, receiver.counters.refused],
      [{ result: 'unknown_xid_or_did' }, receiver.counters.unknown],
    ],
  );
}
