/**
 * `lix ne`: runs a Network Element (X1 responder over mutual TLS, durable store, reports to the ADMF), and
 * its administration sub-commands (ne-admin.ts).
 */
import type { Command } from 'commander';
import { NE_DEFAULTS, parseNeConfig } from '../ne/config.js';
import { startNeServer } from '../ne/server.js';
import { KEY_MASKING_OFF } from '../probe/probe.js';
import { createProbeFor } from './probe-source.js';
import {
  addFlags,
  commonDaemonFlags,
  configFileFlag,
  configOrExit,
  listenFlag,
  listenProblem,
  seconds,
  type FlagSpec,
} from './daemon-flags.js';
import { daemonLogger, runUntilSignalled } from './daemon-life.js';
import { metricsEndpointOrExit, METRICS_FLAG } from './metrics.js';
import { registerNeAdminCommands } from './ne-admin.js';
import { neMetrics } from '../metrics/ne.js';

/** The flags of `lix ne`, each with the configuration key it sets (docs/ne.md lists the keys). */
export const NE_FLAGS: readonly FlagSpec[] = [
  configFileFlag('docs/ne.md'),
  {
    flags: '--id <id>',
    description: "this NE's identifier (neIdentifier; its certificate's Subject UID)",
    key: 'id',
  },
  {
    flags: '--admf-id <id>',
    description: "the ADMF's identifier (admfIdentifier; the peer certificate's Subject UID)",
    key: 'admfId',
  },
  listenFlag(
    '--listen <host:port>',
    `address and port to listen on (default ${NE_DEFAULTS.listenHost}:${NE_DEFAULTS.listenPort})`,
    'listen',
    NE_DEFAULTS.listenHost,
  ),
  {
    flags: '--admf-url <url>',
    description: "the ADMF's X1 URL for reports, e.g. https://127.0.0.1:8444/X1/ADMF",
    key: 'admfUrl',
  },
  ...commonDaemonFlags({
    store: 'ne.sqlite',
    peer: 'ADMF',
    path: NE_DEFAULTS.path,
    version: NE_DEFAULTS.version,
    configDoc: 'docs/ne.md',
  }),
  {
    flags: '--time1 <seconds>',
    description: `TIME1: every request answered within it (default ${NE_DEFAULTS.time1Ms / 1000})`,
    key: 'time1Ms',
    convert: seconds,
  },
  {
    flags: '--time2 <seconds>',
    description: `TIME2: report resend timeout, >= 2 x TIME1 (default ${NE_DEFAULTS.time2Ms / 1000})`,
    key: 'time2Ms',
    convert: seconds,
  },
  {
    flags: '--keepalive',
    description: 'keepalives are agreed: deactivate every task after TIME_P3 without one',
    key: 'keepalive',
  },
  {
    flags: '--time-p3 <seconds>',
    description: `TIME_P3 (default ${NE_DEFAULTS.timeP3Ms / 1000})`,
    key: 'timeP3Ms',
    convert: seconds,
  },
  {
    flags: '--enable-deactivate-all',
    description: 'accept DeactivateAllTasks (disabled unless agreed)',
    key: 'deactivateAllEnabled',
  },
  {
    flags: '--enable-remove-all-destinations',
    description: 'accept RemoveAllDestinations (disabled unless agreed)',
    key: 'removeAllDestinationsEnabled',
  },
  {
    flags: '--cert-warning-days <n>',
    description: `warn this many days before a certificate expires (default ${NE_DEFAULTS.certWarningDays})`,
    key: 'certWarningDays',
    convert: Number,
  },
  {
    flags: '--source <spec>',
    description:
      'probe packet source: pcap:FILE[?loop][&pace=original|fast], ' +
      'iface:NAME[?buffer=KIB][&sip=PORTS][&diameter=PORTS][&gtpc=PORTS][&all][&immediate][&filter=BPF] or synthetic[:RATE] ' +
      '(without it the NE intercepts nothing; PORTS like 5060,5070-5079 or none)',
    key: 'source',
  },
  {
    flags: '--no-mask-keys',
    description:
      'deliver keys and authentication vectors in intercepted signalling unmasked (masked by default, TS 33.501; logged as a warning)',
    key: 'maskKeys',
  },
  {
    flags: '--probe-workers <n>',
    description:
      'worker threads that inspect, match and deliver, sharded by session (default: the cores available; 1: all in the NE thread)',
    key: 'probeWorkers',
    convert: Number,
  },
  METRICS_FLAG,
];

export function registerNeCommands(program: Command): void {
  const ne = program
    .command('ne')
    .description('run a Network Element: X1 responder over mutual TLS with a durable store')
    // `lix ne task add --data DIR`: options after a sub-command belong to it, not to `lix ne`.
    .enablePositionalOptions();
  addFlags(ne, NE_FLAGS).action(async (flags: Record<string, unknown>) => {
    const config = configOrExit('ne', NE_FLAGS, flags, parseNeConfig);
    const logger = daemonLogger(`ne:${config.id}`, flags);
    const metrics = await metricsEndpointOrExit('ne', flags);
    let dataPlane;
    try {
      dataPlane = createProbeFor(config, { logger });
    } catch (err) {
      console.error(`lix ne: --source: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    }
    let running;
    try {
      running = await startNeServer(config, { logger, dataPlane });
    } catch (err) {
      const listen = listenProblem(err, [{ flag: '--listen', port: config.listenPort }]);
      console.error(`lix ne: ${listen ?? (err instanceof Error ? err.message : String(err))}`);
      await dataPlane.close();
      await metrics?.server.close();
      process.exit(1);
    }
    if (metrics) {
      neMetrics(metrics.registry, running.ne, dataPlane, running.x1Stats);
      metrics.checks.store = () => {
        running.ne.ctx.store.countTasks();
        return undefined;
      };
      metrics.checks.dataPlane = () => dataPlane.healthProblem();
      metrics.warnings.keyMasking = () => dataPlane.keyMaskingWarning();
    }
    runUntilSignalled({
      name: `NE ${config.id}`,
      logger,
      flags,
      close: async () => {
        await running.close();
        await metrics?.server.close();
      },
      reloadTls: () => running.reloadTls(),
    });
    console.log(`NE ${config.id} listening on ${running.url} (data ${config.dataDir})`);
    if (metrics)
      console.log(`metrics on ${metrics.server.url}/metrics, health on ${metrics.server.url}/healthz`);
    console.log(
      config.source === undefined
        ? 'probe source: none (no --source: nothing is intercepted; destinations are still watched)'
        : `probe source: ${dataPlane.sourceDescription}`,
    );
    if (!config.maskKeys) console.log(`WARNING: ${KEY_MASKING_OFF}`);
  });
  registerNeAdminCommands(ne);
}
