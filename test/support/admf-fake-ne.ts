/**
 * An NE behind real mutual TLS whose answers a test can hold back: the lix NE (in memory, from ne-harness)
 * answers every request, but requests of the types in `slow` are processed and their answer held, and those
 * in `silent` are never processed, until `release()`. Every request received is recorded in order.
 */
import { silentLogger } from '../../src/lib/logger.js';
import { createX1Server, type X1Server } from '../../src/transport/https-server.js';
import { decodeX1 } from '../../src/x1/decode.js';
import type { X1Request } from '../../src/x1/model.js';
import { neHarness, type NeHarness } from './ne-harness.js';
import type { NeConfigInput } from '../../src/ne/config.js';
import { getTestPki } from './pki.js';

export interface FakeNe {
  readonly h: NeHarness;
  readonly server: X1Server;
  readonly url: string;
  readonly received: X1Request[];
  /** When each request in `received` arrived (ms since the epoch). */
  readonly receivedAt: number[];
  /** Request types whose answer is held (the NE has done the work). */
  readonly slow: Set<string>;
  /** Request types that are held unprocessed (the NE has not seen them). */
  readonly silent: Set<string>;
  /** Lets every held request go on. */
  release(): void;
  close(): Promise<void>;
}

export async function fakeNe(
  opts: { as?: string; config?: Partial<NeConfigInput>; port?: number } = {},
): Promise<FakeNe> {
  const pki = await getTestPki();
  const h = await neHarness(opts.config ?? {});
  const received: X1Request[] = [];
  const receivedAt: number[] = [];
  const slow = new Set<string>();
  const silent = new Set<string>();
  let held: (() => void)[] = [];
  const hold = () => new Promise<void>((r) => held.push(r));
  const server = await createX1Server({
    tls: pki.tls(opts.as ?? 'ne-1'),
    listen: { host: '127.0.0.1', port: opts.port ?? 0 },
    path: '/X1/NE',
    logger: silentLogger,
    timeouts: { closeGraceMs: 100 },
    handler: async (req) => {
      const doc = decodeX1(req.body);
      const types = doc.root === 'X1Request' ? doc.results.map((r) => (r.ok ? r.message.type : '')) : [];
      if (doc.root === 'X1Request')
        for (const r of doc.results)
          if (r.ok) {
            received.push(r.message);
            receivedAt.push(Date.now());
          }
      if (types.some((t) => silent.has(t))) await hold();
      const body = await h.ne.handle(req.body, req.peerIdentity);
      if (types.some((t) => slow.has(t))) await hold();
      return { body, contentType: 'application/xml' };
    },
  });
  const release = () => {
    const now = held;
    held = [];
    for (const f of now) f();
  };
  return {
    h,
    server,
    url: `https://127.0.0.1:${server.address().port}/X1/NE`,
    received,
    receivedAt,
    slow,
    silent,
    release,
    async close() {
      slow.clear();
      silent.clear();
      release();
      await server.close();
      await h.close();
    },
  };
}
