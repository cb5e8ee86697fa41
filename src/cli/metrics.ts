/**
 * `--metrics-listen HOST:PORT` of the daemons: the endpoint is bound before the daemon starts, so that an
 * address in use stops the command with one line and nothing half-started; the daemon's series and health
 * checks are added once it runs.
 */
import type { Registry } from 'prom-client';
import { newRegistry } from '../metrics/registry.js';
import { startMetricsServer, type HealthCheck, type MetricsServer } from '../metrics/server.js';
import { parseListen, type FlagSpec } from './daemon-flags.js';

export const METRICS_FLAG: FlagSpec = {
  flags: '--metrics-listen <host:port>',
  description:
    'serve Prometheus /metrics and /healthz on this address (off unless given), e.g. 127.0.0.1:9464',
};

export interface MetricsEndpoint {
  readonly registry: Registry;
  /** Health checks, filled in once the daemon runs. */
  readonly checks: Record<string, HealthCheck>;
  /** Health warnings (shown, not failing), filled in once the daemon runs. */
  readonly warnings: Record<string, HealthCheck>;
  readonly server: MetricsServer;
}

/** Binds the endpoint when `--metrics-listen` was given; otherwise undefined. Exits 1 with one line on failure. */
export async function metricsEndpointOrExit(
  command: string,
  flags: Record<string, unknown>,
): Promise<MetricsEndpoint | undefined> {
  const at = flags.metricsListen;
  if (typeof at !== 'string') return undefined;
  try {
    return await bindMetrics(parseListen(at, '--metrics-listen', '127.0.0.1'));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    console.error(`lix ${command}: ${why.startsWith('--metrics-listen') ? why : `--metrics-listen: ${why}`}`);
    process.exit(1);
  }
}

/** Binds a metrics endpoint on an address (the lab uses loopback, port 0). */
export async function bindMetrics(a: { host: string; port: number }): Promise<MetricsEndpoint> {
  const registry = newRegistry();
  const checks: Record<string, HealthCheck> = {};
  const warnings: Record<string, HealthCheck> = {};
  const server = await startMetricsServer({ host: a.host, port: a.port, registry, checks, warnings });
  return { registry, checks, warnings, server };
}
