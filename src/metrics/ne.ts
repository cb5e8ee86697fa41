/**
 * The NE's metrics: X1 requests it answered, tasks and destinations by status, its reports to the ADMF, and
 * its probe (frames, messages, matches, drops by reason, deliveries per destination, capture source).
 */
import type { Registry } from 'prom-client';
import type { NetworkElement } from '../ne/ne.js';
import type { Probe } from '../probe/probe.js';
import type { X1ServerStats } from '../transport/https-server.js';
import { counterOf, gaugeOf, x1ServedMetrics } from './registry.js';
import { x1ConnectionMetrics } from './x1-connections.js';

type Series<L extends string> = Iterable<[Partial<Record<L, string>>, number]>;

/** `x1Stats`: the NE's X1 server (connection limits); absent when it is not served. */
export function neMetrics(
  registry: Registry,
  ne: NetworkElement,
  probe?: Probe,
  x1Stats?: () => Readonly<X1ServerStats>,
): void {
  ne.observeRequests(x1ServedMetrics(registry));
  if (x1Stats) x1ConnectionMetrics(registry, x1Stats);
  const store = ne.ctx.store;
  // One scrape reads the three counts once (each is a GROUP BY over the tasks or destinations).
  let cached: { at: number; value: ReturnType<typeof store.countByStatus> } | undefined;
  const counts = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 500) cached = { at: now, value: store.countByStatus() };
    return cached.value;
  };
  gaugeOf(registry, 'lix_ne_tasks', 'Tasks held by the NE, by provisioning status', ['status'], () =>
    Object.entries(counts().tasks).map(([status, n]) => [{ status }, n]),
  );
  gaugeOf(
    registry,
    'lix_ne_destinations',
    'Destinations held by the NE, by delivery status',
    ['status'],
    () => Object.entries(counts().destinations).map(([status, n]) => [{ status }, n]),
  );
  gaugeOf(registry, 'lix_ne_reports_queued', 'Reports waiting in the durable outbox for the ADMF', [], () => [
    [{}, counts().outbox],
  ]);
  gaugeOf(
    registry,
    'lix_ne_restore_pending_tasks',
    'Stored tasks not yet back in the data plane after the start (0 once restored)',
    [],
    () => {
      const p = ne.restoreProgress();
      return [[{}, p.running ? p.total - p.done : 0]];
    },
  );
  const r = ne.reporter.counters;
  counterOf(registry, 'lix_ne_reports_total', 'Reports to the ADMF, by result', ['result'], () => [
    [{ result: 'sent' }, r.sent],
    [{ result: 'attempt' }, r.attempts],
    [{ result: 'error_from_admf' }, r.errorsFromAdmf],
    [{ result: 'disregarded' }, r.disregarded],
  ]);
  counterOf(
    registry,
    'lix_ne_admf_connections_dropped_total',
    'Connections to the ADMF dropped because an answer did not come from its certificate',
    [],
    () => [[{}, r.connectionsDropped]],
  );
  if (probe) probeMetrics(registry, probe);
}

const sum = (byProtocol: Readonly<Record<string, number>>) =>
  Object.values(byProtocol).reduce((a, b) => a + b, 0);

function probeMetrics(registry: Registry, probe: Probe): void {
  counterOf(
    registry,
    'lix_probe_events_total',
    'Probe: frames seen, signalling messages decoded, matched to a task, reports handed to senders',
    ['event'],
    () => [
      [{ event: 'frame' }, probe.counters.frames],
      [{ event: 'message' }, probe.counters.messages],
      [{ event: 'matched' }, probe.counters.matched],
      [{ event: 'report' }, probe.counters.reports],
    ],
  );
  counterOf(
    registry,
    'lix_probe_dropped_total',
    'Probe: what was not delivered, by reason',
    ['reason'],
    () => {
      const d = probe.decoder.counters;
      const c = probe.counters;
      const out: [{ reason: string }, number][] = [
        [{ reason: 'malformed_signalling' }, c.malformed],
        [{ reason: 'no_destination' }, c.noDestination],
        [{ reason: 'internal_error' }, c.internalErrors],
        [{ reason: 'worker_queue_full' }, c.queueFull],
        [{ reason: 'worker_failed' }, c.workerFailed],
        [{ reason: 'destination_queue_full' }, probe.destinations().reduce((n, x) => n + x.dropped, 0)],
        [{ reason: 'key_masking_unsafe' }, sum(probe.masker.counters.dropped)],
        [{ reason: 'non_ip' }, d.nonIp],
        [{ reason: 'fragment_timeout' }, d.fragmentTimeouts],
        [{ reason: 'fragment_eviction' }, d.fragmentEvictions],
      ];
      for (const [reason, n] of d.malformedByReason) out.push([{ reason: `malformed_${reason}` }, n]);
      return out;
    },
  );
  counterOf(
    registry,
    'lix_probe_masked_fields_total',
    'Probe: key fields replaced by the filler before delivery, by protocol',
    ['protocol'],
    () => Object.entries(probe.masker.counters.fields).map(([protocol, n]) => [{ protocol }, n]),
  );
  gaugeOf(
    registry,
    'lix_probe_worker_queue_depth',
    'Probe: messages handed to each worker thread and not yet processed (none without workers)',
    ['worker'],
    () => probe.workerQueues().map((n, i) => [{ worker: String(i) }, n]),
  );
  counterOf(
    registry,
    'lix_probe_worker_restarts_total',
    'Probe: worker threads that died and were replaced',
    [],
    () => [[{}, probe.counters.workerRestarts]],
  );
  counterOf(
    registry,
    'lix_probe_gtp_routes_total',
    'Probe: GTPv2-C tunnels routed to the worker threads (endpoints learned and forgotten, messages whose TEID was unknown, peers beyond the id limit)',
    ['counter'],
    () => Object.entries(probe.gtpRoutes ?? {}).map(([counter, n]) => [{ counter }, n]),
  );
  gaugeOf(
    registry,
    'lix_probe_key_masking_enabled',
    '1 while keys in delivered signalling are masked (0: switched off with --no-mask-keys)',
    [],
    () => [[{}, probe.masker.enabled ? 1 : 0]],
  );
  const source = (): Series<'counter'> =>
    Object.entries(probe.sourceCounters ?? {})
      .filter(([, v]) => typeof v === 'number')
      .map(([counter, v]) => [{ counter }, v]);
  counterOf(
    registry,
    'lix_probe_source_total',
    'Packet source counters (frames, bytes, kernel drops, ...)',
    ['counter'],
    source,
  );
  const dest = (pick: (d: ReturnType<Probe['destinations']>[number]) => number) => (): Series<'did'> =>
    probe.destinations().map((d) => [{ did: d.did }, pick(d)]);
  counterOf(
    registry,
    'lix_delivery_sent_total',
    'STM reports handed to the socket, per destination',
    ['did'],
    dest((d) => d.sent),
  );
  counterOf(
    registry,
    'lix_delivery_dropped_total',
    'STM reports dropped (queue full), per destination',
    ['did'],
    dest((d) => d.dropped),
  );
  counterOf(
    registry,
    'lix_delivery_errors_total',
    'STM send or encoding errors, per destination',
    ['did'],
    dest((d) => d.errors),
  );
  counterOf(
    registry,
    'lix_delivery_over_mtu_total',
    'DTLS: STM reports sent in a datagram larger than the path MTU (IP fragments them), per destination',
    ['did'],
    dest((d) => d.overMtu),
  );
  gaugeOf(
    registry,
    'lix_delivery_queue_depth',
    'STM reports queued for a stream destination',
    ['did'],
    dest((d) => d.queued),
  );
  gaugeOf(
    registry,
    'lix_delivery_fault',
    '1 while the destination is in deliveryFault',
    ['did'],
    dest((d) => (d.faulted ? 1 : 0)),
  );
  gaugeOf(
    registry,
    'lix_delivery_up',
    '1 while the destination sender is connected (UDP: always)',
    ['did'],
    dest((d) => (d.state === 'up' ? 1 : 0)),
  );
}
