/**
 * A small client of the ADMF REST API, for the CLI (`lix admf ne|destination|task|reports ...`): bearer
 * token, JSON in and out, and an error carrying the API's own message. Speaks HTTP, or HTTPS verified
 * against a given CA (or the system's) with X1's TLS profile.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LixError } from '../lib/errors.js';
import { profileOptions } from '../transport/tls-options.js';
export class ApiError extends LixError<'unreachable' | 'refused'> {
  constructor(
    /** HTTP status; 0 when no answer came. */
    readonly status: number,
    readonly body: unknown,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(status === 0 ? 'unreachable' : 'refused', message, options);
  }
}

export interface ApiClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8480`. */
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs?: number;
  /** CA certificate(s) (PEM) that issue the API's certificate; the system's CAs without. */
  readonly ca?: Buffer;
}

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** A REST call's timeout: long enough for an NE's TIME2 follow-up and resends. */
export const API_CLIENT_TIMEOUT_MS = 120_000;

export class ApiClient {
  constructor(private readonly o: ApiClientOptions) {}

  async call<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    return (await this.exchange<T>(method, path, body)).json;
  }

  /** Every item of a paged list: follows `Link: <…>; rel="next"` until the last page. */
  async all<T = unknown>(path: string): Promise<T[]> {
    const out: T[] = [];
    for (let next: string | undefined = path; next !== undefined;) {
      const page: { json: T[]; next: string | undefined } = await this.exchange<T[]>('GET', next);
      out.push(...page.json);
      next = page.next;
    }
    return out;
  }

  private async exchange<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ json: T; next: string | undefined }> {
    const url = new URL(path, this.o.baseUrl);
    let res: RawAnswer;
    try {
      res = await this.send(method, url, body === undefined ? undefined : JSON.stringify(body));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new ApiError(0, undefined, `cannot reach the ADMF API at ${this.o.baseUrl}: ${why}`);
    }
    const { text } = res;
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = text;
    }
    if (res.status < 200 || res.status > 299) {
      const j = json as { error?: string; message?: string; x1?: { errorCode?: number } } | undefined;
      const x1 = j?.x1?.errorCode !== undefined ? ` (X1 error ${j.x1.errorCode})` : '';
      throw new ApiError(res.status, json, `${res.status} ${j?.error ?? ''}: ${j?.message ?? text}${x1}`);
    }
    const link = res.headers.link;
    const next = /<([^>]+)>;\s*rel="next"/.exec(typeof link === 'string' ? link : '')?.[1];
    return { json: json as T, next };
  }

  /** One request over HTTP or HTTPS, with the whole call under the client's timeout. */
  private send(method: string, url: URL, body: string | undefined): Promise<RawAnswer> {
    const timeoutMs = this.o.timeoutMs ?? API_CLIENT_TIMEOUT_MS;
    const headers = {
      authorization: `Bearer ${this.o.token}`,
      ...(body !== undefined && {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      }),
    };
    return new Promise((resolve, reject) => {
      const done = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(
              url,
              {
                method,
                headers,
                agent: false,
                ...profileOptions(),
                ...(this.o.ca && { ca: this.o.ca }),
                rejectUnauthorized: true,
              },
              done,
            )
          : httpRequest(url, { method, headers, agent: false }, done);
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(body);
    });
  }
}
