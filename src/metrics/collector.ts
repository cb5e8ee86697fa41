/** The collector's metrics: per listener received, decoded, malformed, lost, late, bytes; totals written. */
import type { Registry } from 'prom-client';
import type { Collector } from '../collector/collector.js';
import { CONN_REFUSAL_REASONS } from '../transport/conn-guard.js';
import { counterOf, gaugeOf, type Sample } from './registry.js';

const PER_LISTENER = ['received', 'decoded', 'malformed', 'lost', 'late', 'bytes', 'written'] as const;
const TOTALS = [
  'written',
  'duplicates',
  'truncated',
  'connections',
  'refused',
  'disconnected',
  'storageFaults',
  'notWritten',
  'warningsSuppressed',
] as const;

const DTLS_COUNTERS = [
  'cookies',
  'handshakes',
  'handshakeFailures',
  'authFailures',
  'replays',
  'refusedFull',
  'refusedPerAddress',
] as const;

export function collectorMetrics(registry: Registry, collector: Collector): void {
  counterOf(
    registry,
    'lix_collector_reports_total',
    'Per listener: reports received, decoded, malformed, lost (sequence gaps), late; bytes; packets written',
    ['listener', 'counter'],
    () => {
      const by = new Map<string, Record<string, number>>();
      for (const s of collector.stats().sources) {
        const row = by.get(s.listener) ?? {};
        for (const k of PER_LISTENER) row[k] = (row[k] ?? 0) + s[k];
        by.set(s.listener, row);
      }
      return [...by].flatMap(([listener, row]) =>
        PER_LISTENER.map((counter): Sample<'listener' | 'counter'> => [
          { listener, counter },
          row[counter] ?? 0,
        ]),
      );
    },
  );
  counterOf(
    registry,
    'lix_collector_total',
    'Collector totals: packets written, duplicates, truncated, connections',
    ['counter'],
    () => {
      const t = collector.stats().totals;
      return TOTALS.map((counter) => [{ counter }, t[counter]]);
    },
  );
  counterOf(
    registry,
    'lix_collector_connections_refused_total',
    'Streams refused or closed before their first report (TLS: handshake), by reason',
    ['reason'],
    () => {
      const r = collector.stats().connectionsRefused;
      return CONN_REFUSAL_REASONS.map((reason) => [{ reason }, r[reason]]);
    },
  );
  gaugeOf(registry, 'lix_collector_files', 'PCAPng files written so far', [], () => [
    [{}, collector.stats().files.length],
  ]);
  gaugeOf(registry, 'lix_collector_disk_free_bytes', 'Free bytes of the capture file system', [], () => {
    const d = collector.stats().disk;
    return d ? [[{}, d.freeBytes]] : [];
  });
  gaugeOf(
    registry,
    'lix_collector_disk_low',
    '1 while the capture file system is below its free-space warning mark',
    [],
    () => {
      const d = collector.stats().disk;
      return d ? [[{}, d.low ? 1 : 0]] : [];
    },
  );
  gaugeOf(
    registry,
    'lix_collector_storage_failing',
    '1 while capture files cannot be written (full or read-only disk, I/O errors)',
    [],
    () => [[{}, collector.stats().storageProblem ? 1 : 0]],
  );
  counterOf(
    registry,
    'lix_collector_retention_total',
    'Retention: sweeps, capture files and bytes removed, files that could not be removed',
    ['counter'],
    () => {
      const r = collector.stats().retention;
      return r
        ? [
            [{ counter: 'sweeps' }, r.sweeps],
            [{ counter: 'files' }, r.filesRemoved],
            [{ counter: 'bytes' }, r.bytesRemoved],
            [{ counter: 'errors' }, r.errors],
          ]
        : [];
    },
  );
  counterOf(
    registry,
    'lix_collector_dtls_total',
    'DTLS listeners: cookies sent, handshakes, handshake failures, authentication failures, replayed records, refusals when full or at the per-address limit',
    ['counter'],
    () => {
      const d = collector.stats().dtls;
      return d ? DTLS_COUNTERS.map((counter) => [{ counter }, d[counter]]) : [];
    },
  );
  gaugeOf(registry, 'lix_collector_dtls_sessions', 'DTLS associations now (open or handshaking)', [], () => {
    const d = collector.stats().dtls;
    return d ? [[{}, d.sessions]] : [];
  });
}
