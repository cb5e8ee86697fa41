/**
 * A running ADMF: the store, one keep-alive mutual-TLS client per NE, the `/X1/ADMF` server (the same
 * hardened TLS profile as the NE's), the keepalive scheduler, and reconciliation at start and whenever an NE
 * comes back. The REST API (src/api) is started on top of it by the CLI.
 */
import { join } from 'node:path';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { readSchemaDir } from '../lib/schema-dir.js';
import type { AdmfStore } from '../store/admf-store.js';
import { createX1Client } from '../transport/https-client.js';
import { createX1Server, type X1Server } from '../transport/https-server.js';
import { TlsFileWatcher, type TlsConfig } from '../transport/tls-options.js';
import { X1Codec } from '../x1/codec.js';
import { SchemaSet } from '../x1/schema.js';
import { Admf, type PosterFactory } from './admf.js';
import type { AdmfConfig } from './config.js';
import { reconcile } from './reconcile.js';
import { ReportReceiver } from './reports.js';
import { warrantActions } from './tasking.js';
import { actOnTold, takeOver } from './takeover.js';
import { Handover } from './handover.js';
import { runHanded } from './handed-changes.js';
import { PgHandedOps } from '../store/pg/handed-ops.js';
import { holdingDataDir } from '../store/data-dir-lock.js';
import { hostname } from 'node:os';
import { PgAdmfStore } from '../store/pg/admf-pg-store.js';
import { PgLeaseStore } from '../store/pg/leases.js';
import { LeaseOwnership, type LeaseOwnershipDeps } from './lease-ownership.js';
import { isSharedStore, openConfiguredStore } from './store-choice.js';

export interface RunningAdmf {
  readonly admf: Admf;
  readonly receiver: ReportReceiver;
  readonly store: AdmfStore;
  readonly x1Server: X1Server;
  /** The `/X1/ADMF` URL NEs send reports to. */
  readonly x1Url: string;
  readonly config: AdmfConfig;
  /** Reconciles one NE, logging instead of throwing (used by the triggers). */
  reconcileQuietly(neId: string): Promise<void>;
  /** Re-reads the TLS files of the `/X1/ADMF` server and of every NE client now (SIGHUP; also watched). */
  reloadTls(): void;
  close(): Promise<void>;
}

export interface StartAdmfOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Replaces the HTTPS client per NE (tests). */
  readonly posterFor?: PosterFactory;
  readonly random?: () => number;
  /** An already open store (tests, benches); by default the configured one (store-choice.ts). */
  readonly store?: AdmfStore;
}

/** The TLS files of the ADMF: explicit files, or `<tlsDir>/<id>.pem|.key` and `<tlsDir>/ca.pem`. */
export function admfTlsConfig(c: AdmfConfig): TlsConfig {
  const dir = c.tlsDir;
  return {
    certFile: c.certFile ?? (dir ? join(dir, `${c.id}.pem`) : ''),
    keyFile: c.keyFile ?? (dir ? join(dir, `${c.id}.key`) : ''),
    caFile: c.caFile ?? (dir ? join(dir, 'ca.pem') : ''),
    identityAttribute: c.identityAttribute,
    ...(c.crlFile !== undefined && { crlFile: c.crlFile }),
  };
}

/** Per-NE HTTPS clients; their own timeout is a backstop behind TIME2, which the link keeps on its clock. */
function httpsPosters(config: AdmfConfig, tls: TlsConfig | undefined, logger: Logger): PosterFactory {
  return (ne) =>
    createX1Client({
      ...(ne.url.startsWith('https:') && tls && { tls }),
      url: ne.url,
      identityAttribute: config.identityAttribute,
      timeoutMs: config.time2Ms * 2,
      maxResponseBytes: 256 * 2 ** 20,
      logger,
    });
}

/**
 * Who owns which NE: on a shared PostgreSQL store, leases (several instances); on the embedded store, this
 * instance owns every NE (undefined: the Admf's default).
 */
function ownershipFor(
  store: AdmfStore,
  config: AdmfConfig,
  clock: Clock,
  logger: Logger,
  audit: LeaseOwnershipDeps['audit'],
): LeaseOwnership | undefined {
  if (!(store instanceof PgAdmfStore)) return undefined;
  const instanceId = config.instanceId ?? `${config.id}@${hostname()}:${process.pid}`;
  if (config.leaseTtlMs + config.leaseRenewMs >= config.timeP2Ms)
    logger.warn(
      { leaseTtlMs: config.leaseTtlMs, leaseRenewMs: config.leaseRenewMs, timeP2Ms: config.timeP2Ms },
      'the takeover bound (lease TTL + renewal) is not inside TIME_P2: keepalives may lapse at a takeover',
    );
  return new LeaseOwnership({
    instanceId,
    store: new PgLeaseStore(store.db, (err) => logger.warn({ err: err.message }, 'lease listener lost')),
    clock,
    logger: logger.child({ instance: instanceId }),
    audit,
    ttlMs: config.leaseTtlMs,
    renewMs: config.leaseRenewMs,
  });
}

/**
 * Starts the ADMF. On its own store (`dataDir`) it holds the data directory exclusively while it runs: a second
 * ADMF on it fails with {@link DataDirLockedError} naming the holder's PID.
 */
export async function startAdmf(config: AdmfConfig, opts: StartAdmfOptions): Promise<RunningAdmf> {
  // On PostgreSQL the state is in the database, shared by design: there is no data directory to hold.
  if (opts.store || isSharedStore(config) || config.dataDir === undefined)
    return startLockedAdmf(config, opts);
  return holdingDataDir(config.dataDir, `admf ${config.id}`, () => startLockedAdmf(config, opts));
}

async function startLockedAdmf(config: AdmfConfig, opts: StartAdmfOptions): Promise<RunningAdmf> {
  if (opts.store) return startOnStore(config, opts, opts.store);
  const store = await openConfiguredStore(config, (err) =>
    opts.logger.warn({ err: err.message }, 'a store connection failed; the next query reconnects'),
  );
  try {
    return await startOnStore(config, opts, store);
  } catch (err) {
    // The store opened here is closed here (a PostgreSQL pool would otherwise keep the process alive).
    await store.close().catch(() => undefined);
    throw err;
  }
}

async function startOnStore(
  config: AdmfConfig,
  opts: StartAdmfOptions,
  store: AdmfStore,
): Promise<RunningAdmf> {
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  const tls = config.insecurePlainHttp ? undefined : admfTlsConfig(config);
  const schema = config.schemaDir ? SchemaSet.compile(readSchemaDir(config.schemaDir)) : undefined;
  const codec = new X1Codec({ schema, limits: { maxBytes: 256 * 2 ** 20, maxElements: 50_000_000 } });
  const inCodec = new X1Codec({ schema, limits: { maxBytes: config.maxBodyBytes } });
  let audit: Admf['audit'] = () => Promise.resolve();
  const ownership = ownershipFor(store, config, clock, logger, (row) => audit(row));
  const admf = new Admf({
    ...(ownership && { ownership }),
    settings: config,
    store,
    codec,
    clock,
    logger,
    posterFor: opts.posterFor ?? httpsPosters(config, tls, logger),
    ...(opts.random && { random: opts.random }),
  });
  const reconcileQuietly = async (neId: string) => {
    try {
      await reconcile(admf, neId);
    } catch (err) {
      logger.warn(
        { ne: neId, err: err instanceof Error ? err.message : String(err) },
        'reconciliation failed',
      );
    }
  };
  audit = (row) => admf.audit(row);
  admf.onNeBack = (neId) => void reconcileQuietly(neId);
  // Several instances: a gained NE is reconciled and its pending requests sent; a change told is acted on.
  admf.onNeGained = (neId, cause) => takeOver(admf, neId, cause);
  admf.onNeTold = (neId, subject) => actOnTold(admf, neId, subject);
  admf.warrantActions = warrantActions(admf);
  if (ownership && store instanceof PgAdmfStore) {
    const handover = new Handover({
      store: new PgHandedOps(store.db),
      instanceId: ownership.instanceId,
      clock,
      logger,
      fence: (neId) => admf.fence(neId),
      execute: (change) => runHanded(admf, change),
    });
    admf.handover = handover;
    ownership.heard = (_neId, subject) => handover.heard(subject);
  }
  await admf.start();
  const receiver = new ReportReceiver({
    admf,
    codec: inCodec,
    admfId: config.id,
    version: config.version,
    profile: config.profile,
    insecurePlainHttp: config.insecurePlainHttp,
  });
  const x1Server = await createX1Server({
    ...(tls && { tls }),
    listen: { host: config.listenHost, port: config.listenPort },
    path: config.path,
    maxBodyBytes: config.maxBodyBytes,
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    watchTlsFiles: true,
    insecurePlainHttp: config.insecurePlainHttp,
    logger,
    handler: async (req) => ({
      body: await receiver.handle(req.body, req.peerIdentity),
      contentType: 'application/xml',
    }),
  });
  // Renewed TLS files reach the NE clients too (the server watches its own).
  const watcher = tls ? new TlsFileWatcher(tls, () => admf.reloadTls()) : undefined;
  const addr = x1Server.address();
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const x1Url = `${config.insecurePlainHttp ? 'http' : 'https'}://${host}:${addr.port}${config.path}`;
  // With several instances each NE is reconciled by the instance that gains it (onNeGained).
  if (config.reconcileOnStart && !admf.ownership.shared)
    for (const ne of await store.listNes()) void reconcileQuietly(ne.id);
  logger.info({ url: x1Url }, 'ADMF ready');
  return {
    admf,
    receiver,
    store,
    x1Server,
    x1Url,
    config,
    reconcileQuietly,
    reloadTls() {
      x1Server.reload();
      admf.reloadTls();
    },
    async close() {
      watcher?.close();
      await x1Server.close();
      await admf.stop();
      await store.close();
    },
  };
}
