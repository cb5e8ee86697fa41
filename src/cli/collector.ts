/**
 * `lix collector`: receives STM reports on any mix of URIs and writes PCAPng files until SIGINT/SIGTERM,
 * printing a progress line and, at the end, a summary table.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { COLLECTOR_DEFAULTS, startCollector, type CollectorOptions } from '../collector/collector.js';
import type { CollectorStats } from '../collector/stats.js';
import { collectorMetrics } from '../metrics/collector.js';
import { addFlags, listenProblem, LOG_FLAGS } from './daemon-flags.js';
import { metricsEndpointOrExit, METRICS_FLAG } from './metrics.js';
import { daemonLogger, runUntilSignalled } from './daemon-life.js';
import { PKI_FILES } from '../transport/pki.js';
import { parseSize, RETENTION_DEFAULTS, type SizeLimit } from '../collector/retention.js';
import { registerCollectorPurge } from './collector-purge.js';
import { COLLECTOR_API_FLAGS, collectorApiConfig, startCollectorApi } from './collector-api.js';
import type { TlsConfig } from '../transport/tls-options.js';
import type { DtlsServerCounters } from '../transport/dtls/server.js';

interface CollectorFlags {
  listen?: string[];
  out?: string;
  split: 'xid' | 'destination';
  keepCopies?: boolean;
  rotateBytes?: number;
  rotateSeconds?: number;
  tlsDir?: string;
  id?: string;
  cert?: string;
  key?: string;
  ca?: string;
  progress: number;
  retainDays: number;
  retainSize?: SizeLimit | 'none';
  maxConnectionsPerAddress?: number;
  pendingTimeout?: number;
  logLevel?: string;
  logFormat?: string;
  metricsListen?: string;
  allowProducer?: string[];
  apiListen?: string;
  apiToken?: string;
  apiTokenFile?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${v}`);
    return n;
  };
}

function positiveInteger(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, not ${v}`);
    return n;
  };
}

/** TLS files from `--tls-dir DIR --id ID` (lix pki init layout) or `--cert/--key/--ca`. */
export function tlsFromFlags(f: {
  tlsDir?: string;
  id?: string;
  cert?: string;
  key?: string;
  ca?: string;
}): TlsConfig | undefined {
  if (f.tlsDir) {
    if (!f.id) throw new Error('--tls-dir needs --id (the identity whose certificate to use)');
    return {
      certFile: join(f.tlsDir, f.id + PKI_FILES.certSuffix),
      keyFile: join(f.tlsDir, f.id + PKI_FILES.keySuffix),
      caFile: join(f.tlsDir, PKI_FILES.caCert),
    };
  }
  if (f.cert || f.key || f.ca) {
    if (!f.cert || !f.key || !f.ca) throw new Error('--cert, --key and --ca go together');
    return { certFile: f.cert, keyFile: f.key, caFile: f.ca };
  }
  return undefined;
}

/**
 * The certificate options of a command that speaks `eep+tls`/`eep+dtls`: as the STM Data Consumer (collector,
 * `lix stm decode`, which also take the producer allow-list) or as the Producer (`lix stm send`).
 */
export function addTlsOptions(cmd: Command, role: 'consumer' | 'producer'): Command {
  cmd
    .option('--tls-dir <dir>', 'eep+tls/eep+dtls: directory with ca.pem, <id>.pem, <id>.key (lix pki init)')
    .option('--id <id>', 'eep+tls/eep+dtls: identity whose certificate to present')
    .option('--cert <file>', 'eep+tls/eep+dtls: certificate (instead of --tls-dir)')
    .option('--key <file>', 'eep+tls/eep+dtls: private key (instead of --tls-dir)')
    .option(
      '--ca <file>',
      `eep+tls/eep+dtls: CA that issues the ${role === 'consumer' ? "senders'" : "collector's"} certificates (instead of --tls-dir)`,
    );
  if (role === 'consumer')
    cmd.option(
      '--allow-producer <ids>',
      'eep+tls/eep+dtls: producer identities allowed (certificate UID or DNS name), comma-separated or ' +
        'repeated (default: any certificate from the CA)',
      (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)],
    );
  return cmd;
}

/** The DTLS listeners' counters on one line. */
export function dtlsSummary(d: DtlsServerCounters): string {
  return (
    `DTLS: ${d.handshakes} handshake(s), ${d.handshakeFailures} handshake failure(s), ` +
    `${d.authFailures} authentication failure(s), ${d.replays} replayed record(s), ${d.cookies} cookie(s) sent`
  );
}

/** The per-source counters as an aligned text table. */
export function statsTable(s: CollectorStats): string {
  const head = ['listener', 'remote', 'received', 'decoded', 'malformed', 'lost', 'late', 'bytes'];
  const rows = s.sources.map((x) => [
    x.listener,
    x.remote,
    ...[x.received, x.decoded, x.malformed, x.lost, x.late, x.bytes].map(String),
  ]);
  const t = s.totals;
  rows.push(['total', '', ...[t.received, t.decoded, t.malformed, t.lost, t.late, t.bytes].map(String)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function retainDays(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--retain-days must be a number of days (0: no age limit), not ${v}`);
  return n;
}

const retainSize = (v: string): SizeLimit | 'none' => (v === 'none' ? 'none' : parseSize(v));

function progressLine(s: CollectorStats): string {
  const t = s.totals;
  return (
    `received ${t.received} decoded ${t.decoded} malformed ${t.malformed} lost ${t.lost} ` +
    `written ${t.written} files ${s.files.length} connections ${t.connections} refused ${t.refused}` +
    (t.storageFaults > 0 ? ` storage faults ${t.storageFaults} not written ${t.notWritten}` : '') +
    (s.storageProblem ? ` ${s.storageProblem.toUpperCase()}` : '') +
    (s.retention && s.retention.filesRemoved > 0 ? ` retention removed ${s.retention.filesRemoved}` : '')
  );
}

export function registerCollectorCommands(program: Command): void {
  const cmd = program
    .command('collector')
    .description(
      'receive STM reports (EEP/HEP3 over UDP/TCP/TLS/SCTP, GRE-PCAPng over UDP) into PCAPng files',
    )
    // Not commander-required: `lix collector purge` has neither (checked in the action instead).
    .option(
      '--listen <uri>',
      'listen URI, required, repeatable: eep+udp://HOST:PORT, eep+tcp://..., eep+tls://..., eep+dtls://..., ' +
        'eep+sctp://... (root), ' +
        'gre-pcapng+udp://HOST[:4754]',
      collect,
    )
    .option('--out <dir>', 'directory for the capture files (<xid>-<n>.pcapng); required')
    .addOption(
      new Option('--split <by>', 'one file set per XID or per listen URI')
        .choices(['xid', 'destination'])
        .default('xid'),
    )
    .option(
      '--keep-copies',
      'per XID, also write copies of a report that came through another destination (default: count and drop)',
    )
    .option(
      '--rotate-bytes <n>',
      'start a new file before one grows past N bytes',
      positiveNumber('--rotate-bytes'),
    )
    .option(
      '--rotate-seconds <n>',
      'start a new file when one is N seconds old',
      positiveNumber('--rotate-seconds'),
    )
    .option(
      '--max-connections-per-address <n>',
      `eep+tcp/eep+tls streams, eep+dtls associations at once from one IPv4 address or IPv6 /64 (default ${COLLECTOR_DEFAULTS.maxConnectionsPerAddress})`,
      positiveInteger('--max-connections-per-address'),
    )
    .option(
      '--pending-timeout <seconds>',
      `eep+tcp/eep+tls: close a stream without a first report (TLS: handshake) after N s (default ${COLLECTOR_DEFAULTS.pendingMs / 1000})`,
      positiveNumber('--pending-timeout'),
    )
    .option(
      '--retain-days <n>',
      `remove closed capture files last written more than N days ago (0: no age limit)`,
      retainDays,
      RETENTION_DEFAULTS.maxAgeDays,
    )
    .option(
      '--retain-size <size>',
      'remove the oldest closed capture files while all of them take more than SIZE: 500M, 20G, or a share ' +
        'of the file system like 80% (default 80%); none: no size limit',
      retainSize,
    )
    .option(
      '--progress <seconds>',
      'progress line every N seconds (default 10)',
      positiveNumber('--progress'),
      10,
    );
  addTlsOptions(cmd, 'consumer');
  addFlags(cmd, [...LOG_FLAGS, METRICS_FLAG, ...COLLECTOR_API_FLAGS]);
  registerCollectorPurge(cmd);
  cmd.action(async (f: CollectorFlags) => {
    const { listen, out } = f;
    if (!listen) return cmd.error("error: required option '--listen <uri>' not specified");
    if (!out) return cmd.error("error: required option '--out <dir>' not specified");
    const logger = daemonLogger('collector', { ...f });
    let opts: CollectorOptions;
    let apiConfig: ReturnType<typeof collectorApiConfig>;
    try {
      apiConfig = collectorApiConfig(f);
      const tls = tlsFromFlags(f);
      opts = {
        listen,
        outDir: out,
        split: f.split,
        ...(f.keepCopies && { dedupeWindowMs: 0 }),
        rotate: {
          ...(f.rotateBytes !== undefined && { maxBytes: f.rotateBytes }),
          ...(f.rotateSeconds !== undefined && { maxSeconds: f.rotateSeconds }),
        },
        ...(tls && { tls }),
        ...(f.allowProducer && { allowProducers: f.allowProducer }),
        logger,
        progressMs: f.progress * 1000,
        retention: { maxAgeDays: f.retainDays, ...(f.retainSize && { maxSize: f.retainSize }) },
        ...(f.maxConnectionsPerAddress !== undefined && {
          maxConnectionsPerAddress: f.maxConnectionsPerAddress,
        }),
        ...(f.pendingTimeout !== undefined && { pendingMs: f.pendingTimeout * 1000 }),
        onProgress: (s) => console.log(progressLine(s)),
      };
    } catch (e) {
      console.error(`lix collector: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    }
    const metrics = await metricsEndpointOrExit('collector', { ...f });
    let c;
    try {
      c = await startCollector(opts);
    } catch (e) {
      const listen = listenProblem(e, [{ flag: '--listen', port: -1 }]);
      console.error(`lix collector: ${listen ?? (e instanceof Error ? e.message : String(e))}`);
      await metrics?.server.close();
      process.exit(1);
    }
    let api: Awaited<ReturnType<typeof startCollectorApi>> | undefined;
    if (apiConfig) {
      try {
        api = await startCollectorApi(apiConfig, out, logger);
      } catch (e) {
        const why = listenProblem(e, [{ flag: '--api-listen', port: apiConfig.port }]);
        console.error(`lix collector: ${why ?? (e instanceof Error ? e.message : String(e))}`);
        await c.stop();
        await metrics?.server.close();
        process.exit(1);
      }
    }
    if (metrics) {
      collectorMetrics(metrics.registry, c);
      metrics.checks.storage = () => c.stats().storageProblem;
    }
    runUntilSignalled({
      name: 'collector',
      logger,
      flags: { ...f },
      close: async () => {
        await api?.app.close();
        await c.stop();
        await metrics?.server.close();
        const s = c.stats();
        console.log(statsTable(s));
        if (s.dtls) console.log(dtlsSummary(s.dtls));
        console.log(`${s.files.length} file(s), ${s.totals.written} packet(s) written`);
        if (s.retention && s.retention.filesRemoved > 0)
          console.log(
            `retention removed ${s.retention.filesRemoved} file(s), ${s.retention.bytesRemoved} bytes`,
          );
      },
    });
    for (const u of c.listeners) console.log(`listening on ${u.text}`);
    console.log(`writing to ${out}`);
    if (api) console.log(`HTTP API on ${api.url}/api/xids`);
    if (metrics)
      console.log(`metrics on ${metrics.server.url}/metrics, health on ${metrics.server.url}/healthz`);
  });
}
