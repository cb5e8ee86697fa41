/**
 * Builds the probe for an NE configuration: its packet source from `source` and STM senders that use the
 * NE's own TLS files for `eep+tls` destinations.
 */
import { availableParallelism } from 'node:os';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NeConfig } from '../ne/config.js';
import { neTlsConfig } from '../ne/server.js';
import { Probe } from '../probe/probe.js';
import { createSource, parseSourceSpec, type SourceSpec } from '../probe/sources/source.js';
import { parsePortList, type CaptureProtocol, type PortSpan } from '../probe/sources/capture-filter.js';
import { stmSenders } from '../transport/stm-sender.js';

/**
 * The data plane of a `lix ne`: a probe on `config.source`, or without a source (it then sees no traffic but
 * still keeps a sender per destination, so that destination health does not depend on the probe being
 * configured: a consumer that is down is a destination fault either way). Throws a clear Error for a bad
 * source spec. The message stage runs on `probeWorkers` threads (default: the cores available).
 */
export function createProbeFor(config: NeConfig, deps: { logger: Logger; clock?: Clock }): Probe {
  const clock = deps.clock ?? systemClock;
  const source =
    config.source === undefined
      ? undefined
      : createSource(withCapturePorts(parseSourceSpec(config.source), config), {
          clock,
          logger: deps.logger,
        });
  return new Probe({
    neId: config.id,
    logger: deps.logger.child({ component: 'probe' }),
    clock,
    ...(source && { source }),
    maskKeys: config.maskKeys,
    workers: config.probeWorkers ?? availableParallelism(),
    senders: stmSenders(config.insecurePlainHttp ? {} : { tls: neTlsConfig(config) }),
  });
}

/** A live source's ports: those of the configuration (`capturePorts`), then those of the spec over them. */
function withCapturePorts(spec: SourceSpec, config: NeConfig): SourceSpec {
  if (spec.kind !== 'iface' || config.capturePorts === undefined || spec.all) return spec;
  const ports: Partial<Record<CaptureProtocol, readonly PortSpan[]>> = {};
  for (const [proto, text] of Object.entries(config.capturePorts)) {
    if (text === undefined) continue;
    try {
      ports[proto as CaptureProtocol] = parsePortList(text);
    } catch (e) {
      throw new Error(`capturePorts.${proto}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return { ...spec, ports: { ...ports, ...spec.ports } };
}
