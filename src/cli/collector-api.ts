/**
 * `lix collector --api-listen HOST:PORT`: the collector's read-only HTTP API (docs/collector.md "HTTP API"),
 * off unless asked for. Its bearer token comes as the ADMF's does: `--api-token`, `--api-token-file` (mode
 * 0600, else refused), `$LIX_COLLECTOR_TOKEN` or `$LIX_COLLECTOR_TOKEN_FILE`; without one the collector does
 * not start.
 */
import type { FastifyInstance } from 'fastify';
import { buildCollectorApi } from '../api/collector/app.js';
import { listenApi } from '../api/app.js';
import type { Logger } from '../lib/logger.js';
import { parseListen, type FlagSpec } from './daemon-flags.js';
import { readTokenFile } from './token-file.js';

/** Shortest token accepted (it guards intercepted content). */
export const MIN_COLLECTOR_TOKEN = 16;

export const COLLECTOR_API_FLAGS: readonly FlagSpec[] = [
  {
    flags: '--api-listen <host:port>',
    description: 'serve the read-only HTTP API (XIDs, messages, PCAPng download) here; off unless given',
  },
  {
    flags: '--api-token <token>',
    description:
      'HTTP API bearer token (or --api-token-file, $LIX_COLLECTOR_TOKEN, $LIX_COLLECTOR_TOKEN_FILE)',
  },
  {
    flags: '--api-token-file <file>',
    description: 'file holding the HTTP API token (mode 0600: a file others can read is refused)',
  },
];

interface ApiFlags {
  readonly apiListen?: string;
  readonly apiToken?: string;
  readonly apiTokenFile?: string;
}

/** The token from the flags or the environment; throws one line when it is missing, unreadable or short. */
export function collectorApiToken(f: ApiFlags): string {
  const strict = { strict: true };
  const envFile = process.env.LIX_COLLECTOR_TOKEN_FILE;
  const token =
    f.apiToken ??
    (f.apiTokenFile !== undefined
      ? readTokenFile(f.apiTokenFile, '--api-token-file', strict)
      : (process.env.LIX_COLLECTOR_TOKEN ??
        (envFile ? readTokenFile(envFile, 'LIX_COLLECTOR_TOKEN_FILE', strict) : undefined)));
  if (token === undefined || token === '')
    throw new Error(
      '--api-listen needs a token: --api-token-file FILE, --api-token, or $LIX_COLLECTOR_TOKEN',
    );
  if (token.length < MIN_COLLECTOR_TOKEN)
    throw new Error(`the HTTP API token must be at least ${MIN_COLLECTOR_TOKEN} characters`);
  return token;
}

/** The API's address and token when `--api-listen` was given (throws one line on a problem), else undefined. */
export function collectorApiConfig(f: ApiFlags): { host: string; port: number; token: string } | undefined {
  if (f.apiListen === undefined) return undefined;
  const at = parseListen(f.apiListen, '--api-listen', '127.0.0.1');
  return { ...at, token: collectorApiToken(f) };
}

/** Builds and binds the API; returns the app (to close) and its base URL. */
export async function startCollectorApi(
  c: { host: string; port: number; token: string },
  outDir: string,
  logger: Logger,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildCollectorApi({ outDir, token: c.token, logger });
  try {
    return { app, url: await listenApi(app, c.host, c.port) };
  } catch (e) {
    await app.close();
    throw e;
  }
}
