/**
 * Several ADMF instances, each a `lix admf --config FILE` process (the file names the PostgreSQL `store`), on
 * one real PostgreSQL, with lix NEs behind real mutual TLS
 * (admf-fake-ne.ts): what the failover tests and the admf.pg bench share. Instances are started, SIGKILLed,
 * SIGSTOPped and SIGCONTed by the caller; the REST API of each is called with the test token.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeNe, type FakeNe } from './admf-fake-ne.js';
import { TEST_API_TOKEN } from './admf-harness.js';
import { getTestPki, TEST_ADMF } from './pki.js';
import { startLix } from './daemon.js';

/** Keepalive windows of the NEs in these tests (ms): short, so that a lapse shows within a test. */
export const CLUSTER_TIMERS = {
  timeP1Ms: 8000,
  timeP2Ms: 3000,
  leaseTtlMs: 2000,
  leaseRenewMs: 500,
} as const;

export interface AdmfProcess {
  readonly instanceId: string;
  readonly child: ChildProcess;
  readonly api: string;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  /** The instance's ownership as /api/health shows it. */
  ownership(): Promise<{ owned: string[]; takeovers: number; lostLeases: number; fencingRefusals: number }>;
}

/** Starts one instance on `pgUrl` (or `sqlite`: its own embedded store); resolves once its REST API listens. */
export async function startAdmfProcess(
  pgUrl: string,
  instanceId: string,
  extra: Record<string, unknown> = {},
): Promise<AdmfProcess> {
  const pki = await getTestPki();
  const tls = pki.tls(TEST_ADMF);
  const dataDir = mkdtempSync(join(tmpdir(), 'lix-admf-pg-'));
  const config = {
    id: TEST_ADMF,
    instanceId,
    dataDir,
    ...tls,
    listenHost: '127.0.0.1',
    listenPort: 0,
    apiHost: '127.0.0.1',
    apiPort: 0,
    apiToken: TEST_API_TOKEN,
    time2Ms: 5000,
    probeIntervalMs: 0,
    ...CLUSTER_TIMERS,
    ...extra,
  };
  const file = join(dataDir, 'admf.json');
  writeFileSync(
    file,
    JSON.stringify({ ...config, store: pgUrl, logLevel: process.env.LIX_CLUSTER_LOG ?? 'warn' }),
    { mode: 0o600 },
  );
  const d = startLix(['admf', '--config', file]);
  const { child, lines, exited } = d;
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  // A start that hangs fails here with what the instance printed, instead of hanging the test.
  let timer: NodeJS.Timeout | undefined;
  const started = await Promise.race([
    d.waitFor(/REST API on \S+/),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`ADMF ${instanceId} did not start within 60 s:\n${lines.join('\n')}`));
      }, 60_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const api = /REST API on (\S+)/.exec(started)![1]!;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_API_TOKEN}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await r.text();
    return { status: r.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };
  return {
    instanceId,
    child,
    api,
    lines,
    exited,
    call,
    async ownership() {
      const h = (await call('GET', '/api/health')).json as {
        admf: { ownership: Awaited<ReturnType<AdmfProcess['ownership']>> };
      };
      return h.admf.ownership;
    },
  };
}

/** NEs `ne-1` ... `ne-<n>`, each recording every request with its arrival time. */
export async function startNes(n: number): Promise<FakeNe[]> {
  const pki = await getTestPki();
  const ids = Array.from({ length: n }, (_, i) => `ne-${i + 1}`);
  for (const id of ids) if (!pki.nes.includes(id as never)) await pki.issue(id, { identity: id });
  return Promise.all(ids.map((id) => fakeNe({ as: id, config: { id } })));
}

/** Registers the NEs (keepalive agreed) and one destination on each, through the instances' REST APIs. */
export async function registerNes(
  admfs: readonly AdmfProcess[],
  nes: readonly FakeNe[],
): Promise<Map<string, string>> {
  const dids = new Map<string, string>();
  for (const [i, ne] of nes.entries()) {
    const id = `ne-${i + 1}`;
    const r = await admfs[0]!.call('POST', '/api/nes', {
      id,
      url: ne.url,
      keepalive: true,
      timeP1Ms: CLUSTER_TIMERS.timeP1Ms,
      timeP2Ms: CLUSTER_TIMERS.timeP2Ms,
    });
    if (r.status !== 201) throw new Error(`registering ${id}: ${r.status} ${JSON.stringify(r.json)}`);
  }
  for (const [i] of nes.entries()) {
    const id = `ne-${i + 1}`;
    const did = crypto.randomUUID();
    // A destination is created by the NE's owner (it speaks X1 to the NE); wait for someone to own it.
    for (let tries = 0; ; tries++) {
      const owner = (
        await Promise.all(admfs.map(async (a) => ((await a.ownership()).owned.includes(id) ? a : undefined)))
      ).find(Boolean);
      const r =
        owner &&
        (await owner.call('POST', `/api/nes/${id}/destinations`, {
          did,
          uri: 'eep+udp://127.0.0.1:9',
          friendlyName: 'lemf',
        }));
      if (r?.status === 201) break;
      if (tries > 100) throw new Error(`destination on ${id}: ${r?.status} ${JSON.stringify(r?.json)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    dids.set(id, did);
  }
  return dids;
}

/**
 * Gaps (ms) between the keepalives an NE received, by the time each was sent (its `messageTimestamp`, clause 6.1):
 * TIME_P1 and TIME_P2 bound the sending; arrival times add the HTTP path's jitter.
 */
export function keepaliveGaps(ne: FakeNe): number[] {
  const at = ne.received.flatMap((m) =>
    m.type === 'KeepaliveRequest' ? [Date.parse(m.header.messageTimestamp)] : [],
  );
  return at.slice(1).map((t, i) => t - at[i]!);
}
