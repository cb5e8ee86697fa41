/** The console's REST client: fetch with the tab's bearer token, typed by the generated OpenAPI types. */
import type { components, paths } from './api-types';

export type Schemas = components['schemas'];
export type Task = Schemas['Task'];
export type Ne = Schemas['Ne'];
export type Destination = Schemas['Destination'];
export type Report = Schemas['Report'];
export type Audit = Schemas['Audit'];
export type TaskStatus = Schemas['TaskStatus'];
export type Drift = Schemas['Drift'];
export type Collector = Schemas['CollectorList']['collectors'][number];
export type CapturedXid = Schemas['CollectorXidList']['xids'][number];
export type Summary = Schemas['CapturedMessageSummary'];
export type Captured = Schemas['CapturedMessage'];

/** The JSON body a route answers with (its success status). */
export type Json<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'delete'> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { 'application/json': infer B } } }
    ? B
    : R extends { 201: { content: { 'application/json': infer B } } }
      ? B
      : unknown
  : never;

/** The request body a route takes. */
export type Body<P extends keyof paths, M extends 'post' | 'put'> = paths[P][M] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;

const KEY = 'lix-console-token';

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  set: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/** A refusal of the API, with its message as the ADMF words it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the token is refused (401): the app goes back to the login page. */
export let onUnauthorized: (message: string) => void = () => undefined;
export function setUnauthorizedHandler(fn: (message: string) => void): void {
  onUnauthorized = fn;
}

/** One request; the body of a 2xx answer, or an ApiError with the ADMF's message. */
export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  token = session.token(),
): Promise<{ data: T; link: string | null }> {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token ?? ''}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  if (!res.ok) {
    const m = (parsed as { message?: string } | undefined)?.message ?? `${res.status} ${res.statusText}`;
    if (res.status === 401) onUnauthorized(m);
    throw new ApiError(res.status, m);
  }
  return { data: parsed as T, link: res.headers.get('link') };
}

export const get = async <T>(path: string): Promise<T> => (await call<T>('GET', path)).data;

interface Tail {
  readonly rows: readonly { id: number }[];
  readonly since: number;
}

/**
 * What {@link newest} has read of each append-only list, chained so that two loads of one list never interleave
 * (each starts where the one before ended); a failed load starts the next one afresh.
 */
const tails = new Map<string, Promise<Tail>>();

/**
 * The newest `keep` rows of an append-only list paged by id (`?since=ID&limit=N`: the NE reports, the audit
 * log), oldest first. The first call walks the list to its end; later calls ask only for rows after the last
 * one read, so a live page on a long-running ADMF shows the newest rows and a reload costs what is new.
 */
export async function newest<T extends { id: number }>(path: string, keep = 10_000): Promise<T[]> {
  const before = (tails.get(path) ?? Promise.resolve({ rows: [], since: 0 })).catch(() => ({
    rows: [],
    since: 0,
  }));
  const after = before.then(async (t) => {
    let rows: readonly { id: number }[] = t.rows;
    let since = t.since;
    for (;;) {
      const page = await get<T[]>(`${path}?since=${since}&limit=${keep}`);
      rows = rows.concat(page).slice(-keep);
      since = page[page.length - 1]?.id ?? since;
      if (page.length < keep) return { rows, since };
    }
  });
  tails.set(path, after);
  return (await after).rows as T[];
}

/** Every page of a paged list (follows `Link: <…>; rel="next"`). */
export async function getAll<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  let next: string | undefined = path;
  while (next !== undefined) {
    const { data, link }: { data: T[]; link: string | null } = await call<T[]>('GET', next);
    out.push(...data);
    next = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
  }
  return out;
}
