/** An NE wired for in-memory tests: real SQLite in a temp dir, in-memory data plane, fake clock. */
import { randomUUID } from 'node:crypto';
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
import { startNeServer, type RunningNe } from '../../src/ne/server.js';
import { createX1Client, type X1Client } from '../../src/transport/https-client.js';
import { X1Codec } from '../../src/x1/codec.js';
import { decodeX1 } from '../../src/x1/decode.js';
import type { X1Request, X1Response } from '../../src/x1/model.js';
import { SchemaSet } from '../../src/x1/schema.js';
import { FakeClock } from './fake-clock.js';
import { ETSI_DIR } from './shared.js';
import { getTestPki, type TestPki } from './pki.js';
import { ADMF, NE, destination, req, task, xml } from './x1-builders.js';

export type NeTransport = 'memory' | 'https';
export const TRANSPORTS: readonly NeTransport[] = ['memory', 'https'];

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
  readonly transport: NeTransport;
  /** The NE's URL (https transport only). */
  readonly url: string | undefined;
  /** Sends messages as the ADMF (peer identity admf-1 unless given) and returns the decoded responses. */
  send(messages: X1Request[], peer?: string): Promise<X1Response[]>;
  /** Creates a destination and activates one task on it over X1; returns both identifiers. */
  provision(): Promise<{ did: string; xid: string }>;
  /** Sends raw bytes; returns the raw response text. */
  sendRaw(body: Uint8Array, peer?: string): Promise<string>;
  close(): Promise<void>;
}

export interface NeHarnessOptions {
  readonly poster?: X1Poster;
  readonly dataDir?: string;
  readonly delayMs?: number;
  readonly transport?: NeTransport;
}

/** Certificates (from the test PKI's CA) for whatever identity a test claims to be over HTTPS. */
async function clientFor(
  pki: TestPki,
  url: string,
  identity: string,
  clients: Map<string, X1Client>,
): Promise<X1Client> {
  let c = clients.get(identity);
  if (c) return c;
  const tls =
    identity === ADMF || pki.identities[identity]
      ? pki.tls(identity)
      : { ...pki.tls(ADMF), ...(await pki.issue(`peer-${identity}`, { identity })) };
  c = createX1Client({ tls, url, maxResponseBytes: 256 * 2 ** 20 });
  clients.set(identity, c);
  return c;
}

export async function neHarness(
  config: Partial<NeConfigInput> = {},
  opts: NeHarnessOptions = {},
): Promise<NeHarness> {
  const transport = opts.transport ?? 'memory';
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'lix-ne-'));
  const pki = transport === 'https' ? await getTestPki() : undefined;
  const tlsFiles = pki
    ? { certFile: pki.identities[NE]!.certFile, keyFile: pki.identities[NE]!.keyFile, caFile: pki.caFile }
    : { tlsDir: '/unused' };
  const cfg = parseNeConfig({
    id: NE,
    admfId: ADMF,
    dataDir,
    listenHost: '127.0.0.1',
    listenPort: 0,
    ...tlsFiles,
    ...config,
  });
  const clock = new FakeClock();
  const dataPlane = new InMemoryDataPlane({ sleep: clock.sleep, delayMs: opts.delayMs ?? 0 });
  let running: RunningNe | undefined;
  let ne: NetworkElement;
  let store: SqliteNeStore;
  if (pki) {
    running = await startNeServer(
      { ...cfg, schemaDir: ETSI_DIR },
      { logger: silentLogger, clock, dataPlane },
    );
    ne = running.ne;
    await ne.whenRestored();
    store = ne.ctx.store as SqliteNeStore;
  } else {
    store = openNeStore(dataDir);
    ne = new NetworkElement({
      config: cfg,
      store,
      dataPlane,
      codec: new X1Codec({ schema: etsiSchema() }),
      clock,
      logger: silentLogger,
      ...(opts.poster && { poster: opts.poster }),
    });
    await ne.start();
    await ne.whenRestored();
  }
  const clients = new Map<string, X1Client>();
  const sendRaw = async (body: Uint8Array, peer: string = ADMF): Promise<string> => {
    if (!running || !pki) return ne.handle(body, peer);
    const c = await clientFor(pki, running.url, peer, clients);
    return (await c.post(Buffer.from(body))).body.toString('utf8');
  };
  const send = async (messages: X1Request[], peer?: string): Promise<X1Response[]> => {
    const text = await sendRaw(xml(...messages), peer);
    const doc = decodeX1(text, { limits: { maxBytes: 256 * 2 ** 20, maxElements: 50_000_000 } });
    if (doc.root !== 'X1Response') throw new Error(`expected X1Response, got ${doc.root}`);
    return doc.results.map((r) => {
      if (!r.ok) throw r.error;
      return r.message;
    });
  };
  return {
    ne,
    store,
    dataPlane,
    clock,
    dataDir,
    transport,
    url: running?.url,
    sendRaw,
    send,
    async provision() {
      const did = randomUUID();
      const xid = randomUUID();
      const [d] = await send([req('CreateDestinationRequest', { destinationDetails: destination(did) })]);
      const [t] = await send([req('ActivateTaskRequest', { taskDetails: task(xid, [did]) })]);
      if (d?.type !== 'CreateDestinationResponse' || t?.type !== 'ActivateTaskResponse') {
        throw new Error(`provisioning failed: ${JSON.stringify([d, t])}`);
      }
      return { did, xid };
    },
    async close() {
      for (const c of clients.values()) await c.close();
      if (running) await running.close();
      else {
        await ne.stop();
        store.close();
      }
    },
  };
}
