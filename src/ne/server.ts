/**
 * A running NE: the X1 HTTPS server (mutual TLS) in front of {@link NetworkElement}, the HTTPS client for
 * reports to the ADMF, the store, and the periodic work (manual changes, certificate expiry).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { readSchemaDir } from '../lib/schema-dir.js';
import { holdingDataDir } from '../store/data-dir-lock.js';
import { openNeStore } from '../store/sqlite-ne-store.js';
import { createX1Client } from '../transport/https-client.js';
import { createX1Server, type X1ServerStats } from '../transport/https-server.js';
import type { TlsConfig } from '../transport/tls-options.js';
import { X1Codec } from '../x1/codec.js';
import { SchemaSet } from '../x1/schema.js';
import { checkCertificates, type WatchedCertificate } from './cert-expiry.js';
import type { NeConfig } from './config.js';
import { InMemoryDataPlane, type DataPlane } from './data-plane.js';
import { NetworkElement } from './ne.js';

/** How often the NE looks for manual changes and expiring certificates. */
export const NE_POLL_MS = { manualChanges: 1_000, certificates: 3_600_000 } as const;
/** Responses to the ADMF may be large (GetAllDetails with 100,000 tasks is ~60 MB). */
const REPORT_RESPONSE_MAX = 1 << 20;

export interface RunningNe {
  readonly ne: NetworkElement;
  readonly url: string;
  /** The X1 server's counters (connection limits, for the metrics). */
  x1Stats(): Readonly<X1ServerStats>;
  /** Re-reads the TLS files of the X1 server and of the report client now (SIGHUP; they are also watched). */
  reloadTls(): void;
  close(): Promise<void>;
}

export interface StartNeOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly dataPlane?: DataPlane;
}

/** The TLS files of an NE: explicit files, or `<tlsDir>/<id>.pem|.key` and `<tlsDir>/ca.pem`. */
export function neTlsConfig(c: NeConfig): TlsConfig {
  const dir = c.tlsDir;
  const certFile = c.certFile ?? (dir ? join(dir, `${c.id}.pem`) : '');
  const keyFile = c.keyFile ?? (dir ? join(dir, `${c.id}.key`) : '');
  const caFile = c.caFile ?? (dir ? join(dir, 'ca.pem') : '');
  return {
    certFile,
    keyFile,
    caFile,
    identityAttribute: c.identityAttribute,
    ...(c.crlFile !== undefined && { crlFile: c.crlFile }),
  };
}

function watched(label: string, file: string): WatchedCertificate[] {
  try {
    const pem = readFileSync(file, 'utf8');
    const cert = new X509Certificate(pem);
    return [{ label, fingerprint: cert.fingerprint256, notAfter: new Date(cert.validTo) }];
  } catch {
    return [];
  }
}

/**
 * Starts an NE on its data directory, which it holds exclusively while it runs (a second NE on the same
 * directory fails with {@link DataDirLockedError} naming the holder's PID).
 */
export async function startNeServer(config: NeConfig, opts: StartNeOptions): Promise<RunningNe> {
  return holdingDataDir(config.dataDir, `ne ${config.id}`, () => startLockedNe(config, opts));
}

async function startLockedNe(config: NeConfig, opts: StartNeOptions): Promise<RunningNe> {
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  const tls = config.insecurePlainHttp ? undefined : neTlsConfig(config);
  const schema = config.schemaDir ? SchemaSet.compile(readSchemaDir(config.schemaDir)) : undefined;
  const codec = new X1Codec({ schema, limits: { maxBytes: config.maxBodyBytes } });
  const store = openNeStore(config.dataDir);
  const client = config.admfUrl
    ? createX1Client({
        ...(tls && { tls }),
        url: config.admfUrl,
        identityAttribute: config.identityAttribute,
        timeoutMs: config.time2Ms,
        maxResponseBytes: REPORT_RESPONSE_MAX,
        watchTlsFiles: true,
        logger,
      })
    : undefined;
  const ne = new NetworkElement({
    config,
    store,
    dataPlane: opts.dataPlane ?? new InMemoryDataPlane(),
    codec,
    clock,
    logger,
    ...(client && { poster: client }),
  });
  await ne.start();
  const server = await createX1Server({
    ...(tls && { tls }),
    listen: { host: config.listenHost, port: config.listenPort },
    path: config.path,
    maxBodyBytes: config.maxBodyBytes,
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    // A renewed certificate, key, CA or CRL is picked up without a restart (RFC 9325 practice; DESIGN.md).
    watchTlsFiles: true,
    insecurePlainHttp: config.insecurePlainHttp,
    logger,
    handler: async (req) => ({
      body: await ne.handleInPieces(req.body, req.peerIdentity),
      contentType: 'application/xml',
    }),
  });
  const ownCerts = tls
    ? [...watched('NE certificate', tls.certFile), ...watched('CA certificate', tls.caFile)]
    : [];
  // The ADMF's certificate is known once a report has reached it (the client keeps the last one seen).
  const peerCert = (): WatchedCertificate[] => {
    const p = client?.peerCertificate();
    return p
      ? [
          {
            label: `ADMF certificate (${p.subject})`,
            fingerprint: `${p.subject}/${p.notAfter.toISOString()}`,
            notAfter: p.notAfter,
          },
        ]
      : [];
  };
  const checkCerts = () =>
    void checkCertificates(ne.ctx, [...ownCerts, ...peerCert()]).catch((err: unknown) =>
      logger.error({ err }, 'certificate check failed'),
    );
  checkCerts();
  const timers = [
    setInterval(
      () =>
        void ne
          .pollManualChanges()
          .catch((err: unknown) => logger.error({ err }, 'manual change sync failed')),
      NE_POLL_MS.manualChanges,
    ),
    setInterval(checkCerts, NE_POLL_MS.certificates),
  ];
  for (const t of timers) t.unref();
  const addr = server.address();
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `${config.insecurePlainHttp ? 'http' : 'https'}://${host}:${addr.port}${config.path}`;
  logger.info({ url, tasks: store.countTasks() }, 'NE ready');
  return {
    ne,
    url,
    x1Stats: () => server.stats(),
    reloadTls() {
      server.reload();
      client?.reload();
    },
    async close() {
      for (const t of timers) clearInterval(t);
      await server.close();
      await ne.stop();
      await client?.close();
      store.close();
    },
  };
}
