/**
 * Builds the probe for an NE configuration: its packet source from `source` and STM senders that use the
 * NE's own TLS files for `eep+tls` destinations.
 */
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NeConfig } from '../ne/config.js';
import { neTlsConfig } from '../ne/server.js';
import { Probe } from '../probe/probe.js';
import { createSource, parseSourceSpec } from '../probe/sources/source.js';

/** A probe for `config` (whose `source` must be set); throws a clear Error for a bad source spec. */
export function createProbeFor(config: NeConfig, deps: { logger: Logger; clock?: Clock }): Probe {
  if (config.source === undefined) throw new Error('no packet source configured');
  const clock = deps.clock ?? systemClock;
  const source = createSource(parseSourceSpec(config.source), { clock, logger: deps.logger });
  return new Probe({
    neId: config.id,
    logger: deps.logger.child({ component: 'probe' }),
    clock,
    source,
    ...(!config.insecurePlainHttp && { sender: { tls: neTlsConfig(config) } }),
  });
}
