/**
 * The ADMF as a service: the X1 side (src/admf/server.ts) with the REST API bound on top (loopback by
 * default; HTTPS when configured, src/api/tls.ts; a loud warning when it is plain HTTP beyond loopback).
 * Used by `lix admf` and `lix lab`.
 */
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { AdmfConfig } from '../admf/config.js';
import { startAdmf, type RunningAdmf, type StartAdmfOptions } from '../admf/server.js';
import { buildApi, listenApi } from './app.js';
import type { CollectorLink } from './routes.js';
import { apiTlsFiles, apiTlsOptions, isLoopback } from './tls.js';

export interface AdmfService {
  readonly running: RunningAdmf;
  readonly api: FastifyInstance;
  /** Base URL of the REST API, e.g. `http://127.0.0.1:8480`. */
  readonly apiUrl: string;
  /** Re-reads the REST API's TLS files (SIGHUP); a bad file is logged and the old ones stay in use. */
  reloadApiTls(): void;
  close(): Promise<void>;
}

/** The warning for a plain-HTTP REST API that hosts other than this one can reach. */
export const PLAIN_API_WARNING =
  'REST API is plain HTTP beyond loopback: the API token and every task travel in clear; ' +
  'give it TLS (--api-tls-dir, or --api-cert and --api-key) or listen on 127.0.0.1';

/** What the service needs beyond the configuration: the collectors with their tokens read. */
export interface AdmfServiceExtras {
  readonly collectors?: readonly CollectorLink[];
}

export async function startAdmfService(
  config: AdmfConfig,
  opts: StartAdmfOptions,
  extras: AdmfServiceExtras = {},
): Promise<AdmfService> {
  const tlsFiles = apiTlsFiles(config);
  // Before the ADMF starts: unusable TLS files stop the start with one line naming them.
  const https = tlsFiles && apiTlsOptions(tlsFiles);
  const running = await startAdmf(config, opts);
  try {
    const api = await buildApi({
      admf: running.admf,
      codec: running.admf.deps.codec,
      token: config.apiToken,
      x1Url: running.x1Url,
      logger: opts.logger,
      ...(extras.collectors && { collectors: extras.collectors }),
      ...(https && { https }),
    });
    const apiUrl = await listenApi(api, config.apiHost, config.apiPort);
    opts.logger.info({ url: apiUrl, tls: https !== undefined }, 'ADMF REST API listening');
    if (!https && !isLoopback(config.apiHost)) opts.logger.warn({ url: apiUrl }, PLAIN_API_WARNING);
    return {
      running,
      api,
      apiUrl,
      reloadApiTls() {
        if (!tlsFiles) return;
        try {
          (api.server as unknown as TlsServer).setSecureContext(apiTlsOptions(tlsFiles));
          opts.logger.info({ cert: tlsFiles.certFile }, 'REST API TLS files reloaded');
        } catch (err) {
          opts.logger.error(
            { err: err instanceof Error ? err.message : String(err) },
            'REST API TLS reload failed; the old files stay in use',
          );
        }
      },
      async close() {
        await api.close();
        await running.close();
      },
    };
  } catch (err) {
    await running.close();
    throw err;
  }
}
