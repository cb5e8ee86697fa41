/**
 * Prometheus metrics (text exposition through prom-client): one registry per daemon with the process metrics,
 * and the X1 request families every daemon shares. Values are read from the components' own counters when
 * Prometheus scrapes (collect callbacks), so the hot paths keep their plain counters. Labels stay bounded:
 * request types, outcomes, states, NE and destination identifiers (configured), never XIDs.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A registry with the process metrics of Node (CPU, memory, event-loop lag, handles). */
export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges with a `_total` suffix, which marks counters: promtool refuses them, and a
  // rate() over them would mislead. The handle and request counts are not worth a misnamed series.
  for (const misnamed of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(misnamed);
  return registry;
}

/** Latency buckets of X1 exchanges, seconds: from a local answer (1 ms) up to TIME2 territory (15 s). */
const X1_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** X1 requests answered by this daemon (the NE's /X1/NE, the ADMF's /X1/ADMF), by type and outcome. */
export function x1ServedMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'lix_x1_requests_total',
    help: 'X1 request messages answered, by message type and outcome (ok, error)',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'lix_x1_request_duration_seconds',
    help: 'Time to answer one X1 request message (decode to response), by message type',
    labelNames: ['type'] as const,
    buckets: X1_BUCKETS,
    registers: [registry],
  });
  return (type: string, outcome: 'ok' | 'error', seconds: number) => {
    requests.inc({ type, outcome });
    duration.observe({ type }, seconds);
  };
}

/** One value of a labelled series. */
export type Sample<L extends string> = [Partial<Record<L, string>>, number];

/**
 * A gauge whose labelled values are set from `read` at every scrape (earlier label sets are dropped); `read`
 * may be asynchronous (the ADMF's store).
 */
export function gaugeOf<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Iterable<Sample<L>> | Promise<Iterable<Sample<L>>>,
): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const samples = await read();
      this.reset();
      for (const [labels, value] of samples) this.set(labels, value);
    },
  });
}

/** A counter whose totals are copied from a component's counters at every scrape. */
export function counterOf<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Iterable<Sample<L>>,
): Counter<L> {
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) if (value > 0) this.inc(labels, value);
    },
  });
}
