/**
 * An ADMF wired for tests: the real `/X1/ADMF` server over mutual TLS (test PKI), a SQLite store in a temp
 * dir, a fake clock; optionally a lix NE over mutual TLS (its own fake clock) that reports to it and is
 * registered with it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/logger.js';
import { parseAdmfConfig, type AdmfConfigInput } from '../../src/admf/config.js';
import { startAdmf, type RunningAdmf } from '../../src/admf/server.js';
import type { NeOptions } from '../../src/store/admf-store.js';
import type { NeConfigInput } from '../../src/ne/config.js';
import { FakeClock } from './fake-clock.js';
import { neHarness, type NeHarness } from './ne-harness.js';
import { getTestPki } from './pki.js';
import { ETSI_DIR } from './shared.js';

export const TEST_API_TOKEN = 'test-token-0123456789abcdef';

export interface AdmfHarness {
  readonly running: RunningAdmf;
  readonly clock: FakeClock;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function admfHarness(
  config: Partial<AdmfConfigInput> = {},
  opts: { dataDir?: string; clock?: FakeClock; random?: () => number } = {},
): Promise<AdmfHarness> {
  const pki = await getTestPki();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'lix-admf-'));
  const cfg = parseAdmfConfig({
    id: 'admf-1',
    listenHost: '127.0.0.1',
    listenPort: 0,
    certFile: pki.identities['admf-1']!.certFile,
    keyFile: pki.identities['admf-1']!.keyFile,
    caFile: pki.caFile,
    dataDir,
    schemaDir: ETSI_DIR,
    apiToken: TEST_API_TOKEN,
    reconcileOnStart: false,
    ...config,
  });
  const clock = opts.clock ?? new FakeClock();
  const running = await startAdmf(cfg, {
    logger: silentLogger,
    clock,
    ...(opts.random && { random: opts.random }),
  });
  return { running, clock, dataDir, close: () => running.close() };
}

export interface AdmfWithNe extends AdmfHarness {
  readonly ne: NeHarness;
}

/** An ADMF and one lix NE (ne-1) that reports to it, registered with it. */
export async function admfWithNe(
  neConfig: Partial<NeConfigInput> = {},
  neOptions: Partial<NeOptions> = {},
  admfConfig: Partial<AdmfConfigInput> = {},
): Promise<AdmfWithNe> {
  const h = await admfHarness(admfConfig);
  const ne = await neHarness({ admfUrl: h.running.x1Url, ...neConfig }, { transport: 'https' });
  await h.running.admf.putNe({ id: 'ne-1', url: ne.url!, options: neOptions });
  return {
    ...h,
    ne,
    async close() {
      await ne.close();
      await h.close();
    },
  };
}
