/**
 * The cost of named API credentials: a REST request (`GET /api/whoami`, fastify inject, no socket) with a
 * named token, which is looked up by its SHA-256 in the SQLite store on every request, against the same
 * request with the startup token (one constant-time compare in memory).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admf } from '../src/admf/admf.js';
import { buildApi } from '../src/api/app.js';
import { ApiAuth, hashToken, newToken } from '../src/api/auth.js';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { openAdmfStore } from '../src/store/admf-sqlite-store.js';
import { opsPerSecondAsync, type Bench, type BenchResult } from './harness.js';

async function requests(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lix-bench-auth-'));
  const store = openAdmfStore(dir);
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
    codec: undefined as never,
    clock: systemClock,
    logger: silentLogger,
    posterFor: () => {
      throw new Error('no NE in this bench');
    },
  });
  const startup = 'bench-startup-token-0123456789';
  const app = await buildApi({ admf, codec: undefined as never, token: startup });
  try {
    // A store with many credentials, as a large operation would have.
    for (let i = 0; i < 1000; i++)
      await store.addApiToken({
        name: `op-${i}`,
        role: 'operator',
        hash: hashToken(newToken()),
        createdAt: 0,
      });
    const named = newToken();
    await store.addApiToken({ name: 'alice', role: 'auditor', hash: hashToken(named), createdAt: 0 });
    const call = (token: string) => async () => {
      const r = await app.inject({
        method: 'GET',
        url: '/api/whoami',
        headers: { authorization: `Bearer ${token}` },
      });
      if (r.statusCode !== 200) throw new Error(`whoami answered ${r.statusCode}`);
    };
    // Alternated, best of three each: the first rounds also warm the JIT.
    let base = 0;
    let value = 0;
    for (let round = 0; round < 3; round++) {
      base = Math.max(base, await opsPerSecondAsync(call(startup), 1000));
      value = Math.max(value, await opsPerSecondAsync(call(named), 1000));
    }
    // The authentication alone (SHA-256, indexed lookup, constant-time compare) against the startup compare.
    const auth = new ApiAuth({ token: startup, store, clock: systemClock });
    let authBase = 0;
    let authNamed = 0;
    for (let round = 0; round < 3; round++) {
      authBase = Math.max(
        authBase,
        await opsPerSecondAsync(() => auth.authenticate(`Bearer ${startup}`), 500),
      );
      authNamed = Math.max(
        authNamed,
        await opsPerSecondAsync(() => auth.authenticate(`Bearer ${named}`), 500),
      );
    }
    return [
      {
        bench: 'api.auth.lookup',
        value: authNamed,
        unit: 'auth/s',
        baseline: 'the startup token',
        baselineValue: authBase,
        ratio: authNamed / authBase,
        extra: { namedMicros: Number((1e6 / authNamed).toFixed(1)) },
      },
      {
        bench: 'api.auth.named',
        value,
        unit: 'req/s',
        baseline: 'the same request with the startup token',
        baselineValue: base,
        ratio: value / base,
        target: '>=0.50',
        extra: { credentials: 1001 },
      },
    ];
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const benches: Bench[] = [{ name: 'api.auth', run: requests }];
export default benches;
