/**
 * `lix lab` (what `npm start` runs): a lab PKI, the ADMF (X1 `/X1/ADMF` + REST API), an NE reporting to it
 * and a collector on loopback, with their data under one directory, and ready-to-paste examples (through the
 * ADMF's CLI, and raw X1 straight to the NE). A second start reuses the directory and comes back with the same
 * state (the PKI and the API token are kept, the ADMF and NE stores and the captures stay).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parseAdmfConfig } from '../admf/config.js';
import { startAdmfService, type AdmfService } from '../api/service.js';
import { startCollector } from '../collector/collector.js';
import { newUuid } from '../lib/ids.js';
import { createLogger, LOG_FORMATS, type LogFormat } from '../lib/logger.js';
import { parseNeConfig } from '../ne/config.js';
import { startNeServer } from '../ne/server.js';
import { labSubscriber } from '../probe/sources/population.js';
import { initPki, writeFileAtomic } from '../transport/pki.js';
import { encodeRequest } from '../x1/encode.js';
import { formatTimestamp } from '../x1/simple-types.js';
import { expandSubscriber, type SubscriberIdentity } from '../admf/subscriber-targets.js';
import { plainDetails } from '../admf/subscribers.js';
import { readToken, watchAdmf } from './admf.js';
import { startCollectorApi } from './collector-api.js';
import { collectorMetrics } from '../metrics/collector.js';
import { neMetrics } from '../metrics/ne.js';
import { runUntilSignalled } from './daemon-life.js';
import { collectorState, linkCollectorStorage } from './collector-link.js';
import { LabIsolation, type LabPart } from './lab-isolation.js';
import { bindMetrics } from './metrics.js';
import { createProbeFor } from './probe-source.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import { labPorts, portInUse, rememberLabPorts, type LabComponent, type LabPorts } from './lab-ports.js';

/** Fixed loopback ports, so that the printed examples can be pasted as they are. */
export const LAB_PORTS = { ne: 8443, collector: 9060, collectorApi: 8482, admf: 8444, api: 8480 } as const;
const LAB_TOKEN = { bytes: 24, mode: 0o600 } as const;
const ADMF = 'admf-1';
/** The name the ADMF gives the lab collector (`GET /api/collectors`). */
export const LAB_COLLECTOR = 'lab';
const NE = 'ne-1';
/**
 * The NE's traffic: generated SIP, Diameter and GTPv2-C of a small population, so that any one subscriber
 * has signalling within seconds (at 50 messages/s a procedure of about 7 messages starts every 0.15 s).
 */
export const LAB_TRAFFIC = 'synthetic:50?subscribers=10';
/** The subscriber the printed examples task (all its identities, as one subscriber at the ADMF). */
const TARGET = labSubscriber(0);

function header() {
  return {
    admfIdentifier: ADMF,
    neIdentifier: NE,
    messageTimestamp: formatTimestamp(BigInt(Date.now()) * 1000n),
    version: 'v1.23.1',
    x1TransactionId: newUuid(),
  };
}

/** The lab subscriber's identities, as the printed example gives them to `lix admf subscriber add`. */
const TARGET_IDENTITIES: readonly SubscriberIdentity[] = [
  { kind: 'imsi', value: TARGET.imsi },
  { kind: 'msisdn', value: TARGET.msisdn },
  { kind: 'impu', value: TARGET.sipUri },
  { kind: 'impu', value: TARGET.telUri },
  { kind: 'imei', value: TARGET.imei },
];

/**
 * Writes example requests (destination to the lab collector, the lab subscriber's tasks — one
 * ActivateTask per target, as `lix admf subscriber add` makes them — and GetAllDetails) and returns paths.
 */
function writeExamples(
  dir: string,
  collectorUri: string,
): { destination: string; activate: string; status: string } {
  mkdirSync(dir, { recursive: true });
  const did = newUuid();
  const files = {
    destination: join(dir, 'create-destination.xml'),
    activate: join(dir, 'activate-subscriber-tasks.xml'),
    status: join(dir, 'get-all-details.xml'),
  };
  writeFileSync(
    files.destination,
    encodeRequest([
      {
        type: 'CreateDestinationRequest',
        header: header(),
        destinationDetails: {
          dId: did,
          friendlyName: 'lab collector',
          deliveryType: 'X2Only',
          deliveryAddress: { kind: 'uri', value: collectorUri },
          destinationDetailsExtensions: [],
        },
      },
    ]),
  );
  writeFileSync(
    files.activate,
    encodeRequest(
      expandSubscriber(TARGET_IDENTITIES).targets.map((t) => ({
        type: 'ActivateTaskRequest' as const,
        header: header(),
        taskDetails: plainDetails(newUuid(), t.target, [did], 'X2Only'),
      })),
    ),
  );
  writeFileSync(files.status, encodeRequest([{ type: 'GetAllDetailsRequest', header: header() }]));
  return files;
}

/** The lab's REST API token, made once in `DIR/admf/api-token` (mode 0600) and kept. */
function labToken(dir: string): { file: string; token: string } {
  const file = join(dir, 'admf', 'api-token');
  if (!existsSync(file)) {
    mkdirSync(join(dir, 'admf'), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${randomBytes(LAB_TOKEN.bytes).toString('hex')}\n`, LAB_TOKEN.mode);
  }
  return { file, token: readToken(file) };
}

function port(s: string, what: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--${what} must be a port number, not ${s}`);
  return n;
}

/** The ADMF of the lab: X1 and REST API on loopback, store in `DIR/admf`. */
async function startLabAdmf(
  dir: string,
  pkiDir: string,
  o: { admfPort: number; apiPort: number; collectorApiUrl: string },
  logger: ReturnType<typeof createLogger>,
): Promise<{ svc: AdmfService; tokenFile: string }> {
  const { file: tokenFile, token } = labToken(dir);
  // The lab collector's HTTP API takes the lab token too: the console reads captures through the ADMF.
  const collectors = [{ name: LAB_COLLECTOR, url: o.collectorApiUrl, tokenFile }];
  const config = parseAdmfConfig({
    id: ADMF,
    listenHost: '127.0.0.1',
    listenPort: o.admfPort,
    apiHost: '127.0.0.1',
    apiPort: o.apiPort,
    apiToken: token,
    tlsDir: pkiDir,
    dataDir: join(dir, 'admf'),
    // The NE starts after the ADMF (it needs the ADMF's URL): reconcile once it is up.
    reconcileOnStart: false,
    collectors,
  });
  const links = collectors.map((c) => ({ name: c.name, url: c.url, token }));
  return { svc: await startAdmfService(config, { logger }, { collectors: links }), tokenFile };
}

/** Registers the lab NE with the ADMF (again when its URL changed) and reconciles. */
async function connectNe(svc: AdmfService, neUrl: string): Promise<void> {
  const { admf } = svc.running;
  if ((await admf.store.getNe(NE))?.url !== neUrl) await admf.putNe({ id: NE, url: neUrl });
  await svc.running.reconcileQuietly(NE);
}

/** The `lix` command to print: this installation's bin/lix.js, so the example works from any directory. */
function lixCommand(): string {
  return `node ${resolve(import.meta.dirname, '../../bin/lix.js')}`;
}

function admfExample(svc: AdmfService, tokenFile: string, collectorUri: string, captures: string): string {
  const lix = lixCommand();
  const did = newUuid();
  const id = `lab-${newUuid().slice(0, 8)}`;
  const identities = TARGET_IDENTITIES.map((i) => `--${i.kind} ${i.value}`).join(' ');
  return [
    `  export LIX_ADMF_API=${svc.apiUrl} LIX_ADMF_TOKEN_FILE=${tokenFile}`,
    `  ${lix} admf destination create --ne ${NE} --did ${did} --uri ${collectorUri}`,
    `  ${lix} admf subscriber add --id ${id} --ne ${NE} --did ${did} ${identities}`,
    `  ${lix} admf subscriber show ${id}`,
    `  ls -l ${captures}    # <XID>-*.pcapng per task of the subscriber, within seconds (tshark -r FILE)`,
  ].join('\n');
}

export function registerLabCommands(program: Command): void {
  program
    .command('lab')
    .description(
      'run the lab on loopback: lab PKI, the ADMF (X1 + REST API), an NE and a collector, with ready-to-paste examples',
    )
    .option('--data <dir>', 'lab directory (PKI, ADMF and NE stores, API token, captures)', './lab-data')
    .option('--ne-port <port>', 'NE X1 port on 127.0.0.1 (0: any free port)', String(LAB_PORTS.ne))
    .option(
      '--collector-port <port>',
      'collector UDP port on 127.0.0.1 (0: any free port)',
      String(LAB_PORTS.collector),
    )
    .option(
      '--collector-api-port <port>',
      'collector HTTP API port on 127.0.0.1 (0: any free port)',
      String(LAB_PORTS.collectorApi),
    )
    .option('--admf-port <port>', 'ADMF X1 port on 127.0.0.1 (0: any free port)', String(LAB_PORTS.admf))
    .option('--api-port <port>', 'ADMF REST API port on 127.0.0.1 (0: any free port)', String(LAB_PORTS.api))
    .option('--traffic <spec>', 'the NE probe\'s packet source (as lix ne --source), or "none"', LAB_TRAFFIC)
    .option('--log-level <level>', 'log level (default warn: the lab prints what matters)')
    .addOption(new Option('--log-format <format>', 'json (default) or pretty').choices(LOG_FORMATS))
    .action(
      async (o: {
        data: string;
        nePort: string;
        collectorPort: string;
        collectorApiPort: string;
        admfPort: string;
        apiPort: string;
        traffic: string;
        logLevel?: string;
        logFormat?: LogFormat;
      }) => {
        const dir = resolve(o.data);
        const logger = createLogger({
          name: 'lab',
          level: o.logLevel ?? process.env.LIX_LOG_LEVEL ?? 'warn',
          ...(o.logFormat && { format: o.logFormat }),
        });
        try {
          // The lab holds its directory (and the ADMF and the NE theirs): a second lab on it stops here.
          lockDataDir(dir, 'lab');
        } catch (err) {
          console.error(`lix lab: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        }
        const asked: LabPorts = {
          ne: port(o.nePort, 'ne-port'),
          collector: port(o.collectorPort, 'collector-port'),
          collectorApi: port(o.collectorApiPort, 'collector-api-port'),
          admf: port(o.admfPort, 'admf-port'),
          api: port(o.apiPort, 'api-port'),
        };
        // Ports chosen with 0 come back at the next start, so stored destinations keep reaching the collector.
        const ports = labPorts(dir, asked);
        const listening = async <T>(
          c: LabComponent | ((err: unknown) => LabComponent),
          start: () => Promise<T>,
        ) => {
          try {
            return await start();
          } catch (err) {
            const which = typeof c === 'function' ? c(err) : c;
            throw portInUse(err, which, ports[which], asked[which] === 0 && ports[which] !== 0);
          }
        };
        // A component that fails (an uncaught error) is stopped alone; the others keep running.
        let onFailure = (part: LabPart, why: string) =>
          console.error(`lix lab: the ${part} failed (${why}); the other components keep running`);
        const isolation = new LabIsolation(logger, (part, why) => onFailure(part, why));
        const pki = await initPki({ dir: join(dir, 'pki'), admf: ADMF, nes: [NE] });
        // The collector's HTTP API first: the ADMF is configured with its URL. It reads the capture directory
        // only, so it may run before the collector writes there.
        const capturesDir = join(dir, 'captures');
        const collectorApi = await listening('collectorApi', () =>
          startCollectorApi(
            { host: '127.0.0.1', port: ports.collectorApi, token: labToken(dir).token },
            capturesDir,
            logger.child({ component: 'collector-api' }),
          ),
        );
        const { svc, tokenFile } = await listening(
          (err) => ((err as { port?: number }).port === ports.api && ports.api !== 0 ? 'api' : 'admf'),
          () =>
            isolation.run('admf', () =>
              startLabAdmf(
                dir,
                pki.dir,
                { admfPort: ports.admf, apiPort: ports.api, collectorApiUrl: collectorApi.url },
                logger.child({ component: 'admf' }),
              ),
            ),
        );
        const neConfig = parseNeConfig({
          id: NE,
          admfId: ADMF,
          listenHost: '127.0.0.1',
          listenPort: ports.ne,
          admfUrl: svc.running.x1Url,
          tlsDir: pki.dir,
          dataDir: join(dir, 'ne'),
          ...(o.traffic !== 'none' && { source: o.traffic }),
        });
        const probe = createProbeFor(neConfig, { logger });
        const ne = await listening('ne', () =>
          isolation.run('ne', () => startNeServer(neConfig, { logger, dataPlane: probe })),
        );
        const collector = await listening('collector', () =>
          isolation.run('collector', () =>
            startCollector({
              listen: [`eep+udp://127.0.0.1:${ports.collector}`],
              outDir: capturesDir,
              logger: logger.child({ component: 'collector' }),
            }),
          ),
        );
        isolation.add('admf', () => svc.close());
        isolation.add('ne', () => ne.close());
        isolation.add('collector', () => collector.stop());
        const tell = onFailure;
        onFailure = (part, why) => {
          tell(part, why);
          if (part === 'collector') collectorState(collector, probe, `the collector failed (${why})`);
        };
        isolation.install();
        const collectorUri = collector.listeners[0]!.text;
        // The collector cannot write: the NE's destinations to it fault (ReportDestinationIssue) until it can.
        linkCollectorStorage(collector, probe);
        rememberLabPorts(dir, {
          ne: Number(new URL(ne.url).port),
          collector: Number(new URL(collectorUri).port),
          collectorApi: Number(new URL(collectorApi.url).port),
          admf: Number(new URL(svc.running.x1Url).port),
          api: Number(new URL(svc.apiUrl).port),
        });
        await connectNe(svc, ne.url);
        const ex = writeExamples(join(dir, 'examples'), collectorUri);
        // Metrics for each component on loopback (any free port), so that Prometheus can be pointed at them.
        const loopback = { host: '127.0.0.1', port: 0 };
        const [neMetricsAt, admfMetricsAt, collectorMetricsAt] = await Promise.all([
          bindMetrics(loopback),
          bindMetrics(loopback),
          bindMetrics(loopback),
        ]);
        neMetrics(neMetricsAt.registry, ne.ne, probe, ne.x1Stats);
        neMetricsAt.checks.dataPlane = () => probe.healthProblem();
        neMetricsAt.checks.store = () => {
          ne.ne.ctx.store.countTasks();
          return undefined;
        };
        watchAdmf(admfMetricsAt, svc);
        collectorMetrics(collectorMetricsAt.registry, collector);
        collectorMetricsAt.checks.storage = () => collector.stats().storageProblem;
        neMetricsAt.checks.component = () => isolation.failure('ne');
        admfMetricsAt.checks.component = () => isolation.failure('admf');
        collectorMetricsAt.checks.component = () => isolation.failure('collector');
        const metricsEndpoints = [neMetricsAt, admfMetricsAt, collectorMetricsAt];
        const curl = (file: string) =>
          `curl -sS --cert ${pki.dir}/${ADMF}.pem --key ${pki.dir}/${ADMF}.key --cacert ${pki.dir}/ca.pem ` +
          `-H 'Content-Type: application/xml' --data-binary @${file} ${ne.url}`;
        runUntilSignalled({
          name: 'lab',
          logger,
          flags: { ...o },
          close: async () => {
            isolation.uninstall();
            await isolation.stopAll(['ne', 'collector', 'admf']);
            await collectorApi.app.close();
            await Promise.all(metricsEndpoints.map((m) => m.server.close()));
          },
          reloadTls: () => {
            ne.reloadTls();
            svc.running.reloadTls();
          },
        });
        console.log(`lix lab is up (data in ${dir})
console  ${svc.apiUrl}/
  (the operator console: log in with the token in ${tokenFile})
  NE X1 endpoint   ${ne.url}   (identity ${NE}, tasks in store: ${ne.ne.ctx.store.countTasks()})
  collector        ${collectorUri} -> ${join(dir, 'captures')}
  collector API    ${collectorApi.url}/api/xids   (the ADMF's collector ${LAB_COLLECTOR}; same token)
  NE traffic       ${neConfig.source ? probe.sourceDescription : 'none'}
                   (subscriber 0: IMSI ${TARGET.imsi}, MSISDN ${TARGET.msisdn}, IMEI ${TARGET.imei}, ${TARGET.sipUri})
  PKI              ${pki.dir} (CA ca.pem; ${ADMF}.pem/.key for the ADMF side; ${NE}.pem/.key)
  NE store         ${join(dir, 'ne', 'ne.sqlite')}   (lix ne audit --data ${join(dir, 'ne')})
  ADMF X1 endpoint ${svc.running.x1Url}   (identity ${ADMF}; the NE reports here)
  ADMF REST API    ${svc.apiUrl}   (OpenAPI ${svc.apiUrl}/openapi.json; token in ${tokenFile})
  ADMF store       ${join(dir, 'admf', 'admf.sqlite')}   (NEs, tasks: ${(await svc.running.admf.store.listTasks()).length})
  metrics          NE ${neMetricsAt.server.url}/metrics   ADMF ${admfMetricsAt.server.url}/metrics   collector ${collectorMetricsAt.server.url}/metrics
                   (and /healthz on each; Prometheus text format)

Task the NE through the ADMF (paste):
${admfExample(svc, tokenFile, collectorUri, join(dir, 'captures'))}

Or send X1 straight to the NE, as the ADMF would (the ADMF then shows these tasks as drift):
  ${curl(ex.destination)}
  ${curl(ex.activate)}
  ${curl(ex.status)}

Stop with Ctrl-C; a second start comes back with the same state.`);
      },
    );
}
