/**
 * The ADMF as a service: the X1 side (src/admf/server.ts) with the REST API bound on top (loopback by
 * default). Used by `lix admf` and `lix lab`.
 */
import type { FastifyInstance } from 'fastify';
import type { AdmfConfig } from '../admf/config.js';
import { startAdmf, type RunningAdmf, type StartAdmfOptions } from '../admf/server.js';
import { buildApi, listenApi } from './app.js';

export interface AdmfService {
  readonly running: RunningAdmf;
  readonly api: FastifyInstance;
  /** Base URL of the REST API, e.g. `http://127.0.0.1:8480`. */
  readonly apiUrl: string;
  close(): Promise<void>;
}

export async function startAdmfService(config: AdmfConfig, opts: StartAdmfOptions): Promise<AdmfService> {
  const running = await startAdmf(config, opts);
  try {
    const api = await buildApi({
      admf: running.admf,
      codec: running.admf.deps.codec,
      token: config.apiToken,
      x1Url: running.x1Url,
      logger: opts.logger,
    });
    const apiUrl = await listenApi(api, config.apiHost, config.apiPort);
    opts.logger.info({ url: apiUrl }, 'ADMF REST API listening');
    return {
      running,
      api,
      apiUrl,
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
