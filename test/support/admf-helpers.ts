/** Helpers shared by the ADMF tests: an NeLink over real mutual TLS, and waiting on real I/O. */
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/lib/logger.js';
import { NeLink, type ExchangeEvent } from '../../src/admf/ne-link.js';
import { createX1Client, type X1Client } from '../../src/transport/https-client.js';
import { X1Codec } from '../../src/x1/codec.js';
import { FakeClock } from './fake-clock.js';
import { etsiSchema } from './ne-harness.js';
import { getTestPki } from './pki.js';

export const TIME2_MS = 15_000;

export interface TestLink {
  readonly link: NeLink;
  readonly client: X1Client;
  readonly clock: FakeClock;
  readonly events: ExchangeEvent[];
  close(): Promise<void>;
}

/** An NeLink as `admf-1` (or `as`) to `url`, validating with the ETSI schema, on a fake clock. */
export async function testLink(
  url: string,
  opts: { neId?: string; as?: string; clock?: FakeClock; maxResends?: number } = {},
): Promise<TestLink> {
  const pki = await getTestPki();
  const client = createX1Client({ tls: pki.tls(opts.as ?? 'admf-1'), url, timeoutMs: 60_000, maxSockets: 8 });
  const clock = opts.clock ?? new FakeClock();
  const events: ExchangeEvent[] = [];
  const link = new NeLink({
    neId: opts.neId ?? 'ne-1',
    admfId: 'admf-1',
    version: 'v1.23.1',
    poster: client,
    codec: new X1Codec({ schema: etsiSchema() }),
    clock,
    logger: silentLogger,
    time2Ms: TIME2_MS,
    ...(opts.maxResends !== undefined && { maxResends: opts.maxResends }),
    onExchange: (e) => events.push(e),
  });
  return {
    link,
    client,
    clock,
    events,
    async close() {
      link.close();
      await client.close();
    },
  };
}

/** Waits (real time, polling) until `cond` holds; fails after about `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}
