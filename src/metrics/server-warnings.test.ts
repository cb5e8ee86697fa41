import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRegistry } from './registry.js';
import { startMetricsServer } from './server.js';

test('/healthz lists warnings without failing: shown while they have a text, absent when none has', async () => {
  let masking: string | undefined = 'key masking is OFF';
  const server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry: newRegistry(),
    checks: { store: () => undefined },
    warnings: { keyMasking: () => masking },
  });
  try {
    const r = await fetch(`${server.url}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), {
      status: 'ok',
      checks: ['store'],
      failed: {},
      warnings: { keyMasking: 'key masking is OFF' },
    });
    masking = undefined;
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), {
      status: 'ok',
      checks: ['store'],
      failed: {},
    });
  } finally {
    await server.close();
  }
});
