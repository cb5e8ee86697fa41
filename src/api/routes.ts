/** The route table type shared by the REST routes, the app and the OpenAPI document. */
import type { Admf } from '../admf/admf.js';
import type { X1Codec } from '../x1/codec.js';
import type { Readable } from 'node:stream';
import type { Principal } from './auth.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler sees of the request (validated against the route's schemas already). */
export interface ApiRequest {
  readonly params: Record<string, string>;
  readonly query: Record<string, string | number | undefined>;
  readonly body: unknown;
  /** Who is calling (authenticated, and allowed this route by src/api/roles.ts). */
  readonly caller?: Principal;
}

/** A handler's answer with response headers (e.g. `Link` to the next page) or a status of its own. */
export class WithHeaders {
  constructor(
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>>,
    /** Instead of the route's success status (e.g. 202 for an accepted, pending request). */
    readonly status?: number,
  ) {}
}

/** A collector as the ADMF knows it: a name for the operator, the API's base URL, and its token. */
export interface CollectorLink {
  readonly name: string;
  /** Base URL of the collector's HTTP API, e.g. `http://10.0.0.7:8482`. */
  readonly url: string;
  readonly token: string;
}

/** A handler's answer streamed as it comes (a collector's events or capture, src/api/collector-proxy.ts). */
export class Streamed {
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: Readable,
  ) {}
}

export interface RouteDef {
  readonly method: HttpMethod;
  /** fastify path, `:name` for parameters. */
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  /** The OpenAPI operationId: unique, camelCase, stable (clients generate method names from it). */
  readonly operationId?: string;
  /** JSON Schema of the success answer (response-schemas.ts; OpenAPI only, also for `otherStatuses`). */
  readonly response?: object;
  readonly params?: object;
  readonly querystring?: object;
  readonly body?: object;
  /** Media type of the success answer (default application/json). */
  readonly responseType?: string;
  /** Success status (default 200). */
  readonly status?: number;
  /** Other success statuses the handler may answer with (WithHeaders), and what each means. */
  readonly otherStatuses?: Readonly<Record<number, string>>;
  handler(req: ApiRequest): Promise<unknown>;
}

export interface ApiContext {
  readonly admf: Admf;
  /** Checks REST input as X1 (the ADMF's codec). */
  readonly codec: X1Codec;
  /** The ADMF's `/X1/ADMF` URL, shown by the health route. */
  readonly x1Url?: string;
  /** The collectors whose HTTP API the ADMF forwards to (`collectors` in the configuration). */
  readonly collectors?: readonly CollectorLink[];
}
