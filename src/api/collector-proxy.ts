/**
 * The ADMF's way to its collectors' read-only HTTP API (docs/admf.md "Collectors"): one request forwarded
 * with the collector's own token, the answer streamed back as it comes (never buffered whole), bounded by an
 * inactivity time-out; a collector that is down, silent, or refuses the ADMF's token is an `unreachable`
 * AdmfError (502) whose message says which collector and why.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AdmfError } from '../admf/errors.js';
import { Streamed, type CollectorLink } from './routes.js';

export type { CollectorLink };

export const PROXY_LIMITS = {
  /** No byte from the collector for this long (connecting, waiting for the answer, or between chunks). */
  idleMs: 30_000,
  /** The reachability check of `GET /api/collectors`. */
  probeMs: 2_000,
} as const;

/** Answer headers passed on to the client. */
const PASSED = ['content-type', 'content-disposition', 'content-length', 'cache-control'] as const;

function get(link: CollectorLink, path: string, idleMs: number): Promise<IncomingMessage> {
  const url = new URL(path, link.url.endsWith('/') ? link.url : `${link.url}/`);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const where = `collector ${link.name} (${link.url})`;
  return new Promise((resolve, reject) => {
    // One connection per request (agent: false): an event stream or a download holds it alone, and it goes
    // with the request (no idle sockets kept to collectors).
    const req = send(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${link.token}` },
      timeout: idleMs,
      agent: false,
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${idleMs / 1000} s`)));
    req.on('error', (err) => reject(new AdmfError('unreachable', `${where}: ${err.message}`)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 502;
      if (status === 401 || status === 403 || status >= 500) {
        res.resume();
        const why =
          status >= 500
            ? `answered ${status}`
            : "refused the ADMF's token (check the collector's tokenFile in the ADMF configuration)";
        reject(new AdmfError('unreachable', `${where} ${why}`));
        return;
      }
      resolve(res);
    });
    req.end();
  });
}

/** Forwards `GET path` (with its query) and streams the collector's answer back. */
export async function forward(link: CollectorLink, path: string): Promise<Streamed> {
  const res = await get(link, path, PROXY_LIMITS.idleMs);
  const headers: Record<string, string> = {};
  for (const h of PASSED) {
    const v = res.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  return new Streamed(res.statusCode ?? 502, headers, res);
}

/** Whether the collector answers its health route with the ADMF's token; the reason when it does not. */
export async function reachability(link: CollectorLink): Promise<{ reachable: boolean; error?: string }> {
  try {
    const res = await get(link, 'api/health', PROXY_LIMITS.probeMs);
    res.resume();
    return res.statusCode === 200
      ? { reachable: true }
      : { reachable: false, error: `answered ${res.statusCode ?? '?'}` };
  } catch (err) {
    return { reachable: false, error: err instanceof Error ? err.message : String(err) };
  }
}
