/** Connection limits of an X1 server (NE or ADMF): refusals by reason, refused TLS handshakes, quiet logs. */
import type { Registry } from 'prom-client';
import { CONN_REFUSAL_REASONS } from '../transport/conn-guard.js';
import type { X1ServerStats } from '../transport/https-server.js';
import { counterOf } from './registry.js';

export function x1ConnectionMetrics(registry: Registry, stats: () => Readonly<X1ServerStats>): void {
  counterOf(
    registry,
    'lix_x1_connections_refused_total',
    'X1 connections refused or closed before authenticating, by reason (per_address, total, ' +
      'pending_timeout: TLS handshake not done in time, evicted: closed in its handshake to admit another)',
    ['reason'],
    () => {
      const r = stats().connectionsRefused;
      return CONN_REFUSAL_REASONS.map((reason) => [{ reason }, r[reason]]);
    },
  );
  counterOf(
    registry,
    'lix_x1_tls_handshakes_refused_total',
    'X1 TLS handshakes refused or failed',
    [],
    () => [[{}, stats().tlsRejections]],
  );
  counterOf(
    registry,
    'lix_x1_warnings_suppressed_total',
    'Warnings about remote peers not logged because of the per-address rate limit',
    [],
    () => [[{}, stats().warningsSuppressed]],
  );
}
