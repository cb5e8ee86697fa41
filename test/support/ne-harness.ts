/** An NE wired for in-memory tests: real SQLite in a temp dir, in-memory data plane, fake clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/logger.js';
import { readSchemaDir } from '../../src/lib/schema-dir.js';
import { parseNeConfig, type NeConfigInput } from '../../src/ne/config.js';
import { InMemoryDataPlane } from '../../src/ne/data-plane.js';
import { NetworkElement } from '../../src/ne/ne.js';
import type { X1Poster } from '../../src/ne/reporter.js';
import { openNeStore, type SqliteNeStore } from '../../src/store/sqlite-ne-store.js';
import { X1Codec } from '../../src/x1/codec.js';
import { decodeX1 } from '../../src/x1/decode.js';
import type { X1Request, X1Response } from '../../src/x1/model.js';
import { SchemaSet } from '../../src/x1/schema.js';
import { FakeClock } from './fake-clock.js';
import { ETSI_DIR } from './shared.js';
import { ADMF, NE, xml } from './x1-builders.js';

let schema: SchemaSet | undefined;
export function etsiSchema(): SchemaSet {
  return (schema ??= SchemaSet.compile(readSchemaDir(ETSI_DIR)));
}

export interface NeHarness {
  readonly ne: NetworkElement;
  readonly store: SqliteNeStore;
  readonly dataPlane: InMemoryDataPlane;
  readonly clock: FakeClock;
  readonly dataDir: string;
  /** Sends messages as the ADMF (peer identity admf-1 unless given) and returns the decoded responses. */
  send(messages: X1Request[], peer?: string): Promise<X1Response[]>;
  /** Sends raw bytes; returns the raw response text. */
  sendRaw(body: Uint8Array, peer?: string): Promise<string>;
  close(): Promise<void>;
}

export async function neHarness(
  config: Partial<NeConfigInput> = {},
  opts: { poster?: X1Poster; dataDir?: string; delayMs?: number } = {},
): Promise<NeHarness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'lix-ne-'));
  const cfg = parseNeConfig({
    id: NE,
    admfId: ADMF,
    dataDir,
    insecurePlainHttp: false,
    tlsDir: '/unused',
    ...config,
  });
  const clock = new FakeClock();
  const store = openNeStore(dataDir);
  const dataPlane = new InMemoryDataPlane({ sleep: clock.sleep, delayMs: opts.delayMs ?? 0 });
  const codec = new X1Codec({ schema: etsiSchema() });
  const ne = new NetworkElement({
    config: cfg,
    store,
    dataPlane,
    codec,
    clock,
    logger: silentLogger,
    ...(opts.poster && { poster: opts.poster }),
  });
  await ne.start();
  const sendRaw = (body: Uint8Array, peer: string = ADMF) => ne.handle(body, peer);
  return {
    ne,
    store,
    dataPlane,
    clock,
    dataDir,
    sendRaw,
    async send(messages, peer) {
      const text = await sendRaw(xml(...messages), peer);
      const doc = decodeX1(text, { limits: { maxBytes: 256 * 2 ** 20, maxElements: 50_000_000 } });
      if (doc.root !== 'X1Response') throw new Error(`expected X1Response, got ${doc.root}`);
      return doc.results.map((r) => {
        if (!r.ok) throw r.error;
        return r.message;
      });
    },
    async close() {
      await ne.stop();
      store.close();
    },
  };
}
