import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from 'prom-client';
import { newRegistry } from './registry.js';
import { startMetricsServer } from './server.js';

test('/metrics serves the registry; /healthz is 200 while every check passes and 503 naming the failed ones', async () => {
  const registry = newRegistry();
  new Counter({ name: 'lix_test_total', help: 'a test counter', registers: [registry] }).inc(3);
  let storeProblem: string | undefined;
  const checks = {
    store: () => storeProblem,
    source: () => {
      throw new Error('source check crashed');
    },
  };
  const server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry,
    checks: { store: checks.store },
  });
  try {
    const m = await fetch(`${server.url}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await m.text(), /^lix_test_total 3$/m);
    const ok = await fetch(`${server.url}/healthz`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { status: 'ok', checks: ['store'], failed: {} });
    storeProblem = 'the store is closed';
    const bad = await fetch(`${server.url}/healthz`);
    assert.equal(bad.status, 503);
    assert.deepEqual(await bad.json(), {
      status: 'failing',
      checks: ['store'],
      failed: { store: 'the store is closed' },
    });
    assert.equal((await fetch(`${server.url}/other`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
  const crashing = await startMetricsServer({ host: '127.0.0.1', port: 0, registry, checks });
  try {
    const r = await fetch(`${crashing.url}/healthz`);
    assert.equal(r.status, 503);
    assert.deepEqual((await r.json()) as unknown, {
      status: 'failing',
      checks: ['store', 'source'],
      failed: { store: 'the store is closed', source: 'source check crashed' },
    });
  } finally {
    await crashing.close();
  }
});

test('an address in use is refused with the address, not a stack', async () => {
  const first = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: newRegistry(), checks: {} });
  try {
    const port = Number(new URL(first.url).port);
    await assert.rejects(
      startMetricsServer({ host: '127.0.0.1', port, registry: newRegistry(), checks: {} }),
      new RegExp(`^Error: 127\\.0\\.0\\.1:${port} is already in use$`),
    );
  } finally {
    await first.close();
  }
});
