/**
 * A small client of the ADMF REST API, for the CLI (`lix admf ne|destination|task|reports ...`): bearer
 * token, JSON in and out, and an error carrying the API's own message.
 */
import { LixError } from '../lib/errors.js';
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
}

/** A REST call's timeout: long enough for an NE's TIME2 follow-up and resends. */
export const API_CLIENT_TIMEOUT_MS = 120_000;

export class ApiClient {
  constructor(private readonly o: ApiClientOptions) {}

  async call<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
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
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ json: T; next: string | undefined }> {
    const url = new URL(path, this.o.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.o.token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? API_CLIENT_TIMEOUT_MS),
      });
    } catch (err) {
      const why =
        err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new ApiError(0, undefined, `cannot reach the ADMF API at ${this.o.baseUrl}: ${why}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = text;
    }
    if (!res.ok) {
      const j = json as { error?: string; message?: string; x1?: { errorCode?: number } } | undefined;
      const x1 = j?.x1?.errorCode !== undefined ? ` (X1 error ${j.x1.errorCode})` : '';
      throw new ApiError(res.status, json, `${res.status} ${j?.error ?? ''}: ${j?.message ?? text}${x1}`);
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    return { json: json as T, next };
  }
}
