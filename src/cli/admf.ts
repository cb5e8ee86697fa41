/**
 * `lix admf`: runs the ADMF (X1 requester for many NEs, `/X1/ADMF` report receiver, REST API), and the
 * operator commands that talk to its REST API from a shell (`lix admf ne|destination|task|reports|audit|health`,
 * `lix admf token|whoami`).
 */
import { Option, type Command } from 'commander';
import { ADMF_DEFAULTS, parseAdmfConfig } from '../admf/config.js';
import { ApiError } from '../api/client.js';
import { startAdmfService, type AdmfService } from '../api/service.js';
import { admfMetrics } from '../metrics/admf.js';
import { metricsEndpointOrExit, METRICS_FLAG, type MetricsEndpoint } from './metrics.js';
import { daemonLogger, runUntilSignalled } from './daemon-life.js';
import {
  addFlags,
  commonDaemonFlags,
  configFileFlag,
  configOrExit,
  listenFlag,
  listenProblem,
  parseListen,
  seconds,
  type FlagSpec,
} from './daemon-flags.js';
import { apiCommand } from './admf-api-client.js';
import { printHealth, printList, printOne, x1Refusal } from './admf-views.js';
import { registerSubscriberCommands } from './admf-subscriber.js';
import { taskTable, type TaskRow } from './admf-task-table.js';
import { registerOperatorCommands } from './admf-operators.js';
import { readTokenFile, TokenFileError } from './token-file.js';
import {
  ADMF_COLLECTOR_FLAGS,
  addCollectorFlags,
  collectorFlagInput,
  collectorLinks,
} from './admf-collectors.js';

export { readToken } from './token-file.js';

/**
 * The REST API token: the flag, its file, or the environment ($LIX_ADMF_TOKEN, $LIX_ADMF_TOKEN_FILE). A token
 * file the group or others can read is refused (TokenFileError), as ssh refuses such a private key.
 */
function apiToken(f: Record<string, unknown>): string | undefined {
  if (typeof f.apiToken === 'string') return f.apiToken;
  const strict = { strict: true };
  if (typeof f.apiTokenFile === 'string') return readTokenFile(f.apiTokenFile, '--api-token-file', strict);
  if (process.env.LIX_ADMF_TOKEN !== undefined) return process.env.LIX_ADMF_TOKEN;
  const file = process.env.LIX_ADMF_TOKEN_FILE;
  return file ? readTokenFile(file, 'LIX_ADMF_TOKEN_FILE', strict) : undefined;
}

/** The flags of `lix admf` (serving), each with the configuration key it sets (docs/admf.md lists the keys). */
export const ADMF_FLAGS: readonly FlagSpec[] = [
  configFileFlag('docs/admf.md'),
  {
    flags: '--id <id>',
    description: "this ADMF's identifier (admfIdentifier; its certificate's Subject UID)",
    key: 'id',
  },
  listenFlag(
    '--listen <host:port>',
    `X1 /X1/ADMF listen address (default ${ADMF_DEFAULTS.listenHost}:${ADMF_DEFAULTS.listenPort})`,
    'listen',
    ADMF_DEFAULTS.listenHost,
  ),
  listenFlag(
    '--api-listen <host:port>',
    `REST API listen address (default ${ADMF_DEFAULTS.apiHost}:${ADMF_DEFAULTS.apiPort})`,
    'api',
    ADMF_DEFAULTS.apiHost,
  ),
  // The token is read by apiToken() from either flag or the environment: both name the key apiToken.
  {
    flags: '--api-token <token>',
    description: 'REST API bearer token (or --api-token-file, $LIX_ADMF_TOKEN)',
    key: 'apiToken',
  },
  {
    flags: '--api-token-file <file>',
    description: 'file holding the REST API token (mode 0600: a file others can read is refused)',
  },
  {
    flags: '--api-tls-dir <dir>',
    description: 'REST API over TLS with <dir>/<id>.pem and <id>.key (as written by lix pki init)',
    key: 'apiTlsDir',
  },
  {
    flags: '--api-cert <file>',
    description: 'REST API TLS certificate (with --api-key)',
    key: 'apiCertFile',
  },
  { flags: '--api-key <file>', description: 'REST API TLS private key (with --api-cert)', key: 'apiKeyFile' },
  ...commonDaemonFlags({
    store: 'admf.sqlite',
    peer: 'NE',
    path: ADMF_DEFAULTS.path,
    version: ADMF_DEFAULTS.version,
    configDoc: 'docs/admf.md',
  }),
  {
    flags: '--time2 <seconds>',
    description: `TIME2 (default ${ADMF_DEFAULTS.time2Ms / 1000})`,
    key: 'time2Ms',
    convert: seconds,
  },
  {
    flags: '--time-p1 <seconds>',
    description: `default TIME_P1 for new NEs (default ${ADMF_DEFAULTS.timeP1Ms / 1000})`,
    key: 'timeP1Ms',
    convert: seconds,
  },
  {
    flags: '--time-p2 <seconds>',
    description: `default TIME_P2 for new NEs (default ${ADMF_DEFAULTS.timeP2Ms / 1000})`,
    key: 'timeP2Ms',
    convert: seconds,
  },
  {
    flags: '--probe-interval <seconds>',
    description: `ping unreachable NEs this often to notice their return, 0 never (default ${ADMF_DEFAULTS.probeIntervalMs / 1000})`,
    key: 'probeIntervalMs',
    convert: seconds,
  },
  {
    flags: '--warrant-expiry-warning <duration>',
    description: `warn this long before a task's warrant ends, e.g. 30m, 24h, 2d (default ${ADMF_DEFAULTS.warrantExpiryWarning})`,
    key: 'warrantExpiryWarning',
  },
  { flags: '--no-reconcile', description: 'do not reconcile every NE at start', key: 'reconcileOnStart' },
  METRICS_FLAG,
];

async function serve(flags: Record<string, unknown>): Promise<void> {
  let token: string | undefined;
  try {
    token = apiToken(flags);
  } catch (err) {
    if (!(err instanceof TokenFileError)) throw err;
    console.error(`lix admf: ${err.message}`);
    process.exit(2);
  }
  let withToken: Record<string, unknown>;
  try {
    withToken = collectorFlagInput({ ...flags, ...(token !== undefined && { apiToken: token }) });
  } catch (err) {
    console.error(`lix admf: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  const config = configOrExit('admf', [...ADMF_FLAGS, ...ADMF_COLLECTOR_FLAGS], withToken, parseAdmfConfig);
  let collectors;
  try {
    collectors = collectorLinks(config);
  } catch (err) {
    if (!(err instanceof TokenFileError)) throw err;
    console.error(`lix admf: ${err.message}`);
    process.exit(2);
  }
  const logger = daemonLogger(`admf:${config.id}`, flags);
  const metrics = await metricsEndpointOrExit('admf', flags);
  let svc;
  try {
    svc = await startAdmfService(config, { logger }, { collectors });
  } catch (err) {
    const listen = listenProblem(err, [
      { flag: '--listen', port: config.listenPort },
      { flag: '--api-listen', port: config.apiPort },
    ]);
    console.error(`lix admf: ${listen ?? (err instanceof Error ? err.message : String(err))}`);
    await metrics?.server.close();
    process.exit(1);
  }
  if (metrics) watchAdmf(metrics, svc);
  runUntilSignalled({
    name: `ADMF ${config.id}`,
    logger,
    flags,
    close: async () => {
      await svc.close();
      await metrics?.server.close();
    },
    reloadTls: () => {
      svc.running.reloadTls();
      svc.reloadApiTls();
    },
  });
  console.log(
    `ADMF ${config.id}: X1 reports on ${svc.running.x1Url}, REST API on ${svc.apiUrl} (data ${config.dataDir})`,
  );
  if (metrics)
    console.log(`metrics on ${metrics.server.url}/metrics, health on ${metrics.server.url}/healthz`);
}

/** The ADMF's series and health checks (its store answers) on a metrics endpoint. */
export function watchAdmf(metrics: MetricsEndpoint, svc: AdmfService): void {
  const r = svc.running;
  admfMetrics(metrics.registry, r.admf, r.receiver, r.store, () => r.x1Server.stats());
  metrics.checks.store = async () => {
    await r.store.listNes();
    return undefined;
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `KIND=VALUE` → a REST target (port lists as arrays of numbers). */
export function targetArg(spec: string): { kind: string; value: unknown } {
  const eq = spec.indexOf('=');
  if (eq < 1)
    throw new ApiError(0, undefined, `target "${spec}": use KIND=VALUE, e.g. sipUri=sip:alice@example.net`);
  const kind = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  return { kind, value: kind.endsWith('PortList') ? value.split(',').map(Number) : value };
}

function taskBody(o: Record<string, unknown>) {
  return {
    targets: ((o.target as string[] | undefined) ?? []).map(targetArg),
    dids: (o.did as string[] | undefined) ?? [],
    ...(o.deliveryType !== undefined && { deliveryType: o.deliveryType }),
    ...(o.validFrom !== undefined && { validFrom: o.validFrom }),
    ...(o.validUntil !== undefined && { validUntil: o.validUntil }),
    ...(o.warrant !== undefined && { warrantRef: o.warrant }),
  };
}

function registerNe(admf: Command): void {
  const ne = admf.command('ne').description('NEs known to the ADMF');
  apiCommand(
    ne
      .command('add')
      .description('register an NE (or change it with --update)')
      .requiredOption('--id <id>', "the NE's X1 identifier (its certificate's Subject UID)")
      .requiredOption('--url <url>', "the NE's X1 URL, e.g. https://10.0.0.5:443/X1/NE")
      .option('--keepalive', 'keepalives are agreed with this NE')
      .option('--keepalive-random', 'random gap inside [TIME_P2, TIME_P1]')
      .option('--time-p1 <seconds>', 'TIME_P1 for this NE')
      .option('--time-p2 <seconds>', 'TIME_P2 for this NE')
      .addOption(
        new Option('--heal <policy>', 'heal drift: manual (default) or auto').choices(['manual', 'auto']),
      )
      .option('--update', 'change an NE that exists'),
    async (c, _args, o) => {
      const body = {
        url: o.url,
        ...(o.keepalive !== undefined && { keepalive: true }),
        ...(o.keepaliveRandom !== undefined && { keepaliveRandom: true }),
        ...(o.timeP1 !== undefined && { timeP1Ms: seconds(o.timeP1 as string) }),
        ...(o.timeP2 !== undefined && { timeP2Ms: seconds(o.timeP2 as string) }),
        ...(o.heal !== undefined && { heal: o.heal }),
      };
      const r = o.update
        ? await c.call('PUT', `/api/nes/${encodeURIComponent(o.id as string)}`, body)
        : await c.call('POST', '/api/nes', { id: o.id, ...body });
      printOne(r, o.json as boolean | undefined);
    },
  );
  apiCommand(ne.command('list').description('NEs with their health'), async (c, _a, o) =>
    printList('ne', await c.call('GET', '/api/nes'), o.json as boolean | undefined),
  );
  const perNe: [string, string, 'GET' | 'POST' | 'DELETE', string][] = [
    ['show', 'one NE with its health', 'GET', ''],
    ['remove', 'forget an NE (its tasks too; nothing is sent to it)', 'DELETE', ''],
    ['ping', 'X1 Ping', 'POST', '/ping'],
    ['status', 'live status (GetNEStatus)', 'GET', '/status'],
    ['reconcile', 'compare with the desired state and show drift', 'POST', '/reconcile'],
    ['heal', 'make the NE match the desired state', 'POST', '/heal'],
  ];
  for (const [name, description, method, suffix] of perNe) {
    apiCommand(
      ne.command(name).description(description).argument('<id>', 'NE identifier'),
      async (c, [id], o) => {
        const r = await c.call(method, `/api/nes/${encodeURIComponent(id as string)}${suffix}`);
        printOne(r ?? { removed: id }, o.json as boolean | undefined);
        const refused = x1Refusal(name, r);
        if (refused !== undefined) {
          console.error(`lix admf: ${refused}`);
          process.exitCode = 1;
        }
      },
    );
  }
}

function registerDestination(admf: Command): void {
  const d = admf.command('destination').description('delivery destinations on the NEs');
  apiCommand(
    d
      .command('create')
      .description('create a destination on an NE (CreateDestination); prints it')
      .requiredOption('--ne <id>', 'NE identifier')
      .option('--did <uuid>', 'destination identifier (made when absent)')
      .option('--uri <uri>', 'delivery URI, e.g. eep+udp://127.0.0.1:9060')
      .option('--address <ip:port>', 'delivery address and port (instead of --uri)')
      .addOption(new Option('--transport <t>', 'with --address').choices(['tcp', 'udp']).default('udp'))
      .option('--name <text>', 'friendly name')
      .addOption(
        new Option('--delivery-type <t>', 'X2Only (default), X3Only, X2andX3').choices([
          'X2Only',
          'X3Only',
          'X2andX3',
        ]),
      ),
    async (c, _args, o) => {
      const address = o.address ? parseListen(o.address as string) : undefined;
      const body = {
        ...(o.did !== undefined && { did: o.did }),
        ...(o.uri !== undefined && { uri: o.uri }),
        ...(address && { address: { ip: address.host, port: address.port, transport: o.transport } }),
        ...(o.name !== undefined && { friendlyName: o.name }),
        ...(o.deliveryType !== undefined && { deliveryType: o.deliveryType }),
      };
      const path = `/api/nes/${encodeURIComponent(o.ne as string)}/destinations`;
      printOne(await c.call('POST', path, body), o.json as boolean | undefined);
    },
  );
  apiCommand(
    d.command('list').description('destinations').option('--ne <id>', 'of one NE'),
    async (c, _a, o) =>
      printList(
        'destination',
        await c.call(
          'GET',
          o.ne ? `/api/nes/${encodeURIComponent(o.ne as string)}/destinations` : '/api/destinations',
        ),
        o.json as boolean | undefined,
      ),
  );
  apiCommand(
    d
      .command('remove')
      .description('remove a destination (RemoveDestination)')
      .requiredOption('--ne <id>', 'NE')
      .requiredOption('--did <uuid>', 'DID'),
    async (c, _a, o) => {
      await c.call(
        'DELETE',
        `/api/nes/${encodeURIComponent(o.ne as string)}/destinations/${o.did as string}`,
      );
      printOne({ removed: o.did }, o.json as boolean | undefined);
    },
  );
}

function registerTask(admf: Command): void {
  const t = admf.command('task').description('interception tasks');
  const taskOptions = (cmd: Command) =>
    cmd
      .requiredOption(
        '--target <KIND=VALUE>',
        'target identifier, repeatable; all must match (e.g. sipUri=sip:alice@example.net)',
        collect,
      )
      .requiredOption('--did <uuid>', 'destination, repeatable', collect)
      .addOption(
        new Option('--delivery-type <t>', 'X2Only (default), X3Only, X2andX3').choices([
          'X2Only',
          'X3Only',
          'X2andX3',
        ]),
      )
      .option('--valid-from <iso>', 'warrant start (ISO-8601, e.g. 2026-12-04T09:00:00Z): activated then')
      .option('--valid-until <iso>', 'warrant end (ISO-8601): deactivated then')
      .option('--warrant <liid>', 'warrant reference (a LIID), sent to the NE and recorded in captures');
  apiCommand(
    taskOptions(
      t
        .command('activate')
        .alias('add')
        .description('activate a task on an NE (ActivateTask), or schedule it with --valid-from')
        .requiredOption('--ne <id>', 'NE')
        .option('--xid <uuid>', 'XID (made when absent)'),
    ),
    async (c, _a, o) => {
      const r = await c.call<{
        xid: string;
        neId: string;
        state: string;
        pending?: boolean;
        message?: string;
      }>('POST', '/api/tasks', {
        ne: o.ne,
        ...(o.xid !== undefined && { xid: o.xid }),
        ...taskBody(o),
      });
      if (o.json) return printOne(r, true);
      console.log(`task ${r.xid} on ${r.neId}: ${r.state}${r.pending ? ' (pending)' : ''}`);
      if (r.message !== undefined) console.log(r.message);
    },
  );
  apiCommand(
    taskOptions(t.command('modify').description("replace a task's details (ModifyTask)").argument('<xid>')),
    async (c, [xid], o) => {
      const r = await c.call<{ xid: string; state: string }>(
        'PUT',
        `/api/tasks/${xid as string}`,
        taskBody(o),
      );
      if (o.json) return printOne(r, true);
      console.log(`task ${r.xid}: ${r.state}`);
    },
  );
  apiCommand(
    t.command('deactivate').description('deactivate a task (DeactivateTask)').argument('<xid>'),
    async (c, [xid], o) => {
      const r = await c.call<{ xid: string; state: string }>('DELETE', `/api/tasks/${xid as string}`);
      if (o.json) return printOne(r, true);
      console.log(`task ${r.xid}: ${r.state}`);
    },
  );
  apiCommand(
    t
      .command('show')
      .description("a task as the ADMF holds it; --live adds the NE's answer (GetTaskDetails)")
      .argument('<xid>')
      .option('--live', 'ask the NE'),
    async (c, [xid], o) =>
      printOne(
        await c.call('GET', `/api/tasks/${xid as string}${o.live ? '/status' : ''}`),
        o.json as boolean | undefined,
      ),
  );
  apiCommand(
    t
      .command('list')
      .description('tasks')
      .option('--ne <id>', 'of one NE')
      .option('--state <state>', 'in one state'),
    async (c, _a, o) => {
      const q = new URLSearchParams({
        ...(o.ne !== undefined && { ne: o.ne as string }),
        ...(o.state !== undefined && { state: o.state as string }),
      });
      const rows = await c.all(`/api/tasks${q.size ? `?${q}` : ''}`);
      if (o.json) printList('task', rows, true);
      else console.log(taskTable(rows as TaskRow[]));
    },
  );
}

function recordCommand(admf: Command, name: 'reports' | 'audit', description: string): void {
  apiCommand(
    admf
      .command(name)
      .description(description)
      .option('--ne <id>', 'of one NE')
      .option('--xid <uuid>', 'about one task')
      .option('--since <id>', 'only after this id')
      .option('--limit <n>', 'at most this many'),
    async (c, _a, o) => {
      const q = new URLSearchParams();
      for (const k of ['ne', 'xid', 'since', 'limit']) if (o[k] !== undefined) q.set(k, String(o[k]));
      const rows = await c.call('GET', `/api/${name}${q.size ? `?${q}` : ''}`);
      printList(name === 'reports' ? 'report' : 'audit', rows, o.json as boolean | undefined);
    },
  );
}

export function registerAdmfCommands(program: Command): void {
  const admf = program
    .command('admf')
    .description('run the ADMF (X1 requester, /X1/ADMF receiver, REST API), or talk to its REST API')
    .enablePositionalOptions();
  addCollectorFlags(addFlags(admf, ADMF_FLAGS)).action((flags: Record<string, unknown>) => serve(flags));
  registerNe(admf);
  registerDestination(admf);
  registerTask(admf);
  registerSubscriberCommands(admf);
  recordCommand(admf, 'reports', 'reports received from the NEs');
  registerOperatorCommands(admf);
  apiCommand(admf.command('health').description('the ADMF and every NE'), async (c, _a, o) =>
    printHealth(await c.call('GET', '/api/health'), o.json as boolean | undefined),
  );
}
