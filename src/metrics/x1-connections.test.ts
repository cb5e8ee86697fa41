import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { X1ServerStats } from '../transport/https-server.js';
import { x1ConnectionMetrics } from './x1-connections.js';

test('the X1 connection counters are exposed by reason', async () => {
  const stats: X1ServerStats = {
    connections: 3,
    tlsRejections: 7,
    requests: 3,
    httpFaults: 0,
    bodyBytes: 10,
    connectionsRefused: { per_address: 52, total: 1, pending_timeout: 4, evicted: 2 },
    warningsSuppressed: 49,
  };
  const registry = new Registry();
  x1ConnectionMetrics(registry, () => stats);
  const text = await registry.metrics();
  for (const line of [
    'lix_x1_connections_refused_total{reason="per_address"} 52',
    'lix_x1_connections_refused_total{reason="total"} 1',
    'lix_x1_connections_refused_total{reason="pending_timeout"} 4',
    'lix_x1_connections_refused_total{reason="evicted"} 2',
    'lix_x1_tls_handshakes_refused_total 7',
    'lix_x1_warnings_suppressed_total 49',
  ])
    assert.ok(text.includes(line), `${line} in\n${text}`);
});
