/**
 * An ADMF without any socket: its link to ne-1 posts straight into a lix NE in memory (ne-harness), and its
 * REST API is a fastify app driven with `inject`. For API tests that need no port at all.
 */
import type { CollectorLink } from '../../src/api/routes.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Admf, type NePoster } from '../../src/admf/admf.js';
import { buildApi } from '../../src/api/app.js';
import { warrantActions } from '../../src/admf/tasking.js';
import { silentLogger } from '../../src/lib/logger.js';
import { openAdmfStore } from '../../src/store/admf-sqlite-store.js';
import { X1Codec } from '../../src/x1/codec.js';
import { FakeClock } from './fake-clock.js';
import { etsiSchema, neHarness, type NeHarness } from './ne-harness.js';
import { TEST_API_TOKEN } from './admf-harness.js';

export const MEMORY_NE_URL = 'https://ne-1.invalid/X1/NE';

export interface MemoryAdmf {
  readonly admf: Admf;
  readonly app: FastifyInstance;
  readonly ne: NeHarness;
  readonly clock: FakeClock;
  /** Calls the API with the token (unless `token` is given, or null for none). */
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** An ADMF in memory with its API (not listening); `collectors` are passed to the API as configured. */
export async function memoryAdmf(extra: { collectors?: readonly CollectorLink[] } = {}): Promise<MemoryAdmf> {
  const ne = await neHarness({ deactivateAllEnabled: true });
  const store = openAdmfStore(mkdtempSync(join(tmpdir(), 'lix-admf-api-')));
  const clock = new FakeClock();
  const codec = new X1Codec({ schema: etsiSchema() });
  // ne-1 at MEMORY_NE_URL is the NE in memory; any other URL refuses the connection (an unreachable NE).
  const posterFor = (r: { url: string }): NePoster =>
    r.url === MEMORY_NE_URL
      ? {
          post: async (body) => ({
            status: 200,
            body: Buffer.from(await ne.ne.handle(Buffer.from(body), 'admf-1')),
            peerIdentity: 'ne-1',
          }),
          close: async () => undefined,
        }
      : {
          post: async () => {
            throw Object.assign(new Error(`connect ECONNREFUSED ${r.url}`), { code: 'ECONNREFUSED' });
          },
          close: async () => undefined,
        };
  const admf = new Admf({
    settings: {
      id: 'admf-1',
      version: 'v1.23.1',
      time2Ms: 15_000,
      maxResends: 2,
      timeP1Ms: 600_000,
      timeP2Ms: 60_000,
      profile: 'etsi',
    },
    store,
    codec,
    clock,
    logger: silentLogger,
    posterFor,
  });
  admf.warrantActions = warrantActions(admf);
  await admf.start();
  const app = await buildApi({
    admf,
    codec,
    token: TEST_API_TOKEN,
    x1Url: 'https://127.0.0.1:1/X1/ADMF',
    ...(extra.collectors && { collectors: extra.collectors }),
  });
  return {
    admf,
    app,
    ne,
    clock,
    async call(method, url, body, token = TEST_API_TOKEN) {
      const res = await app.inject({
        method,
        url,
        ...(body !== undefined && { payload: body as object }),
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
      });
      return {
        status: res.statusCode,
        json: res.body ? (JSON.parse(res.body) as unknown) : undefined,
        headers: res.headers,
      };
    },
    async close() {
      await app.close();
      await admf.stop();
      await store.close();
      await ne.close();
    },
  };
}

/** Registers ne-1 and one eep+udp destination on it through the REST API; returns the DID. */
export async function neWithDestination(m: MemoryAdmf): Promise<string> {
  const ne = await m.call('POST', '/api/nes', { id: 'ne-1', url: MEMORY_NE_URL });
  if (ne.status !== 201) throw new Error(`registering ne-1: ${ne.status} ${JSON.stringify(ne.json)}`);
  const did = randomUUID();
  const d = await m.call('POST', '/api/nes/ne-1/destinations', { did, uri: 'eep+udp://127.0.0.1:9060' });
  if (d.status !== 201) throw new Error(`creating a destination: ${d.status} ${JSON.stringify(d.json)}`);
  return did;
}
