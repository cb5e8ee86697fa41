/**
 * `lix ne`: runs a Network Element (X1 responder over mutual TLS, durable store, reports to the ADMF), and
 * its administration sub-commands (ne-admin.ts).
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createLogger } from '../lib/logger.js';
import { NE_DEFAULTS, parseNeConfig, type NeConfigInput } from '../ne/config.js';
import { startNeServer } from '../ne/server.js';
import { createProbeFor } from './probe-source.js';
import { registerNeAdminCommands } from './ne-admin.js';

interface NeFlags {
  config?: string;
  id?: string;
  admfId?: string;
  listen?: string;
  path?: string;
  admfUrl?: string;
  tlsDir?: string;
  cert?: string;
  key?: string;
  ca?: string;
  crl?: string;
  data?: string;
  schemas?: string;
  profile?: 'etsi' | 'draft';
  x1Version?: string;
  time1?: string;
  time2?: string;
  keepalive?: boolean;
  timeP3?: string;
  enableDeactivateAll?: boolean;
  enableRemoveAllDestinations?: boolean;
  identityAttribute?: 'uid' | 'cn';
  certWarningDays?: string;
  insecurePlainHttp?: boolean;
  logLevel?: string;
  source?: string;
}

/** `host:port`, `[v6]:port` or `:port` → host and port. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new Error(`--listen "${s}": expected HOST:PORT (e.g. 127.0.0.1:8443 or [::1]:8443)`);
  return { host: m[1] ?? (m[2] || NE_DEFAULTS.listenHost), port };
}

const seconds = (s: string | undefined) => (s === undefined ? undefined : Math.round(Number(s) * 1000));

/** Flags (over a JSON config file, over defaults) → configuration input. */
export function neConfigFromFlags(f: NeFlags): NeConfigInput {
  const file = f.config ? (JSON.parse(readFileSync(f.config, 'utf8')) as Record<string, unknown>) : {};
  const listen = f.listen ? parseListen(f.listen) : undefined;
  const pairs: [keyof NeConfigInput, unknown][] = [
    ['id', f.id],
    ['admfId', f.admfId],
    ['listenHost', listen?.host],
    ['listenPort', listen?.port],
    ['path', f.path],
    ['admfUrl', f.admfUrl],
    ['tlsDir', f.tlsDir],
    ['certFile', f.cert],
    ['keyFile', f.key],
    ['caFile', f.ca],
    ['crlFile', f.crl],
    ['dataDir', f.data],
    ['schemaDir', f.schemas],
    ['profile', f.profile],
    ['version', f.x1Version],
    ['time1Ms', seconds(f.time1)],
    ['time2Ms', seconds(f.time2)],
    ['keepalive', f.keepalive],
    ['timeP3Ms', seconds(f.timeP3)],
    ['deactivateAllEnabled', f.enableDeactivateAll],
    ['removeAllDestinationsEnabled', f.enableRemoveAllDestinations],
    ['identityAttribute', f.identityAttribute],
    ['certWarningDays', f.certWarningDays === undefined ? undefined : Number(f.certWarningDays)],
    ['insecurePlainHttp', f.insecurePlainHttp],
    ['source', f.source],
  ];
  return { ...file, ...Object.fromEntries(pairs.filter(([, v]) => v !== undefined)) } as NeConfigInput;
}

export function registerNeCommands(program: Command): void {
  const ne = program
    .command('ne')
    .description('run a Network Element: X1 responder over mutual TLS with a durable store')
    // `lix ne task add --data DIR`: options after a sub-command belong to it, not to `lix ne`.
    .enablePositionalOptions()
    .option('--config <file>', 'JSON configuration file (keys as in docs/ne.md); flags override it')
    .option('--id <id>', "this NE's identifier (neIdentifier; its certificate's Subject UID)")
    .option('--admf-id <id>', "the ADMF's identifier (admfIdentifier; the peer certificate's Subject UID)")
    .option(
      '--listen <host:port>',
      `address and port to listen on (default ${NE_DEFAULTS.listenHost}:${NE_DEFAULTS.listenPort})`,
    )
    .option('--path <path>', `X1 path (default ${NE_DEFAULTS.path})`)
    .option('--admf-url <url>', "the ADMF's X1 URL for reports, e.g. https://127.0.0.1:8444/X1/ADMF")
    .option('--tls-dir <dir>', 'directory with ca.pem, <id>.pem and <id>.key (as written by lix pki init)')
    .option('--cert <file>', 'certificate (instead of --tls-dir)')
    .option('--key <file>', 'private key (instead of --tls-dir)')
    .option('--ca <file>', 'CA certificate(s) that issue peer certificates (instead of --tls-dir)')
    .option('--crl <file>', 'CRL (PEM) to check peer certificates against')
    .option('--data <dir>', 'data directory (the SQLite store ne.sqlite lives here)')
    .option(
      '--schemas <dir>',
      'ETSI XSD directory: validate every message fully (strict decoding applies without it)',
    )
    .addOption(
      new Option('--profile <profile>', 'error-code profile (default etsi)').choices(['etsi', 'draft']),
    )
    .option('--x1-version <v>', `X1 version we send (default ${NE_DEFAULTS.version})`)
    .option(
      '--time1 <seconds>',
      `TIME1: every request answered within it (default ${NE_DEFAULTS.time1Ms / 1000})`,
    )
    .option(
      '--time2 <seconds>',
      `TIME2: report resend timeout, >= 2 x TIME1 (default ${NE_DEFAULTS.time2Ms / 1000})`,
    )
    .option('--keepalive', 'keepalives are agreed: deactivate every task after TIME_P3 without one')
    .option('--time-p3 <seconds>', `TIME_P3 (default ${NE_DEFAULTS.timeP3Ms / 1000})`)
    .option('--enable-deactivate-all', 'accept DeactivateAllTasks (disabled unless agreed)')
    .option('--enable-remove-all-destinations', 'accept RemoveAllDestinations (disabled unless agreed)')
    .addOption(
      new Option(
        '--identity-attribute <attr>',
        'Subject attribute carrying the identity (default uid)',
      ).choices(['uid', 'cn']),
    )
    .option(
      '--cert-warning-days <n>',
      `warn this many days before a certificate expires (default ${NE_DEFAULTS.certWarningDays})`,
    )
    .option(
      '--source <spec>',
      'probe packet source: pcap:FILE[?loop][&pace=original|fast], iface:NAME[?buffer=KIB][&filter=BPF] or synthetic[:RATE] ' +
        '(without it the NE intercepts nothing)',
    )
    .option('--insecure-plain-http', 'plain HTTP without TLS: FOR TESTS ONLY, logged loudly')
    .option('--log-level <level>', 'pino log level (default info)')
    .action(async (flags: NeFlags) => {
      let config;
      try {
        config = parseNeConfig(neConfigFromFlags(flags));
      } catch (err) {
        console.error(`lix ne: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(2);
      }
      const logger = createLogger({
        name: `ne:${config.id}`,
        ...(flags.logLevel !== undefined && { level: flags.logLevel }),
      });
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
        console.error(`lix ne: ${err instanceof Error ? err.message : String(err)}`);
        await dataPlane.close();
        process.exit(1);
      }
      console.log(`NE ${config.id} listening on ${running.url} (data ${config.dataDir})`);
      console.log(
        config.source === undefined
          ? 'probe source: none (no --source: nothing is intercepted; destinations are still watched)'
          : `probe source: ${dataPlane.sourceDescription}`,
      );
      const stop = async () => {
        await running.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
  registerNeAdminCommands(ne);
}
