/**
 * The STM collector (DESIGN.md "STM reports"): listens on any mix of `eep+udp`, `eep+tcp`, `eep+tls`,
 * `eep+sctp` and `gre-pcapng+udp` URIs, decodes HEP3/EEP1/EEP3 and GRE-PCAPng, writes PCAPng files per XID or
 * per listener, and counts per source: received, decoded, malformed, lost (sequence gaps), bytes. Bad input
 * is counted, never fatal.
 */
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { LogLimiter } from '../lib/log-limiter.js';
import type { ConnRefusal } from '../transport/conn-guard.js';
import { Generations } from '../lib/generations.js';
import { EEP_HEADER_BYTES, EepDeframer, type EepFrameResult } from '../stm/eep.js';
import { GRE_PROTOCOL, GRE_UDP_PORT } from '../stm/gre.js';
import { parseStmUri, type StmUri } from '../stm/uri.js';
import { loadTlsMaterial, type TlsConfig } from '../transport/tls-options.js';
import type { DtlsServerCounters } from '../transport/dtls/server.js';
import { collectEep, collectGre, type CollectedReport, type CopyCheck } from '../stm/report-decode.js';
import { TcpSequencer } from '../stm/tcp-sequencer.js';
import { listenDtls } from './dtls-listener.js';
import { listen, type InputHandler, type Listener, type StreamInput } from './listeners.js';
import { fileKey, type PcapngSink, type RotateOptions } from './sink.js';
import { SequenceTracker, StatsBook, type CollectorStats, type SourceStats } from './stats.js';
import { DEDUPE_DEFAULTS, ReportDedupe } from './dedupe.js';
import type { RetentionOptions } from './retention.js';
import { CaptureStorage } from './storage.js';

export interface CollectorOptions {
  /** Listen URIs, e.g. `eep+udp://127.0.0.1:9060`; port 0 takes an ephemeral port (see `listeners`). */
  readonly listen: readonly string[];
  /** Where files go; no files are written when absent (e.g. `lix stm decode --listen`). */
  readonly outDir?: string;
  /** One file set per XID (default) or per listen URI. */
  readonly split?: 'xid' | 'destination';
  /**
   * With one file set per XID, a copy of a report seen within this many ms (through another destination of
   * the same task) is counted as a duplicate and not written again (default 5000; 0 keeps every copy). Per
   * destination (`split: 'destination'`) every copy goes to its own file and none is dropped.
   */
  readonly dedupeWindowMs?: number;
  readonly rotate?: RotateOptions;
  /** Mutual TLS material for `eep+tls` and `eep+dtls` listeners. */
  readonly tls?: TlsConfig;
  /** Producer identities allowed on `eep+tls` and `eep+dtls` listeners (none: any certificate of the CA). */
  readonly allowProducers?: readonly string[];
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Streams at once on one listener; when full, the oldest pending stream is closed to admit a new one. */
  readonly maxConnections?: number;
  /** Streams at once from one IPv4 address or IPv6 /64, per listener. */
  readonly maxConnectionsPerAddress?: number;
  /** A TCP stream without a valid report, or a TLS stream without a finished handshake, is closed after this. */
  readonly pendingMs?: number;
  /** Warnings a remote address can cause per minute (malformed input, refusals) before they are summarised. */
  readonly warningsPerMinute?: number;
  readonly idleMs?: number;
  /** A stream that sends this many bytes of garbage without a valid report in between is closed. */
  readonly maxGarbageBytes?: number;
  readonly greProtocolType?: number;
  readonly progressMs?: number;
  /** Warn when the output file system has less than this share free (percent; default 10). */
  readonly lowSpacePercent?: number;
  /** How often the free space is read (default 10 s). */
  readonly diskCheckMs?: number;
  /** Packets held in memory while the storage fails, in bytes (default 64 MiB); beyond it the oldest go. */
  readonly maxQueuedBytes?: number;
  /**
   * A storage fault this long (ms) closes the `eep+tcp`/`eep+tls` listeners until files can be written again,
   * so that senders see the destination down (default 5000; `false`: never, packets queue in memory).
   */
  readonly storageGraceMs?: number | false;
  /** Retention of the files in `outDir` (default: 30 days, 80 % of the file system); `false` keeps every file. */
  readonly retention?: RetentionOptions | false;
  readonly onProgress?: (s: CollectorStats) => void;
  /** Called for every decoded report. */
  readonly onReport?: (r: CollectedReport) => void;
}

export const COLLECTOR_DEFAULTS = {
  maxConnections: 256,
  maxConnectionsPerAddress: 16,
  pendingMs: 30_000,
  warningsPerMinute: 10,
  idleMs: 10 * 60_000,
  maxGarbageBytes: 1 << 20,
  udpRecvBuffer: 8 << 20,
  progressMs: 10_000,
  noXidKey: 'no-xid',
  grePort: GRE_UDP_PORT,
} as const;

export interface Collector {
  /** The listeners with their bound ports. */
  readonly listeners: readonly StmUri[];
  stats(): CollectorStats;
  /** Writes pending blocks to the files. */
  flush(): void;
  /**
   * Calls `fn` when the capture storage starts failing (with the reason) and when it works again
   * (`undefined`); at once with the current state. Returns a function that stops the calls.
   */
  onStorageState(fn: (problem: string | undefined) => void): () => void;
  /** Closes the listeners, flushes and closes the files. */
  stop(): Promise<void>;
}

const hostOf = (remote: string) => remote.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');

/** True when `data` is exactly one EEP message by its header's total length (the usual datagram). */
function holdsOneMessage(data: Uint8Array): boolean {
  return data.length >= EEP_HEADER_BYTES && ((data[4]! << 8) | data[5]!) === data.length;
}

class Intake implements InputHandler {
  readonly book = new StatsBook();
  readonly #seq = new SequenceTracker();
  readonly #tcpSeq = new TcpSequencer();
  /** Listener texts and XIDs to their file-name parts (bounded: XIDs come from the wire). */
  readonly #fileKeys = new Generations<string, string>(4096);
  readonly #isCopy: CopyCheck | undefined;
  readonly limiter: LogLimiter;

  constructor(
    private readonly o: CollectorOptions,
    private readonly sink: PcapngSink | undefined,
    private readonly clock: Clock,
  ) {
    this.limiter = new LogLimiter(o.logger, {
      perWindow: o.warningsPerMinute ?? COLLECTOR_DEFAULTS.warningsPerMinute,
      windowMs: 60_000,
      clock,
    });
    const window = o.dedupeWindowMs ?? DEDUPE_DEFAULTS.windowMs;
    if (o.split !== 'destination' && window > 0) {
      const dedupe = new ReportDedupe(() => clock.now(), window);
      this.#isCopy = (r) => dedupe.isCopy(r);
    }
  }

  #source(l: StmUri, remote: string): SourceStats {
    return this.book.source(l.text, hostOf(remote));
  }

  #malformed(s: SourceStats, remote: string, e: unknown): void {
    this.book.malformed(s);
    if (s.malformed === 1 || s.malformed % 1000 === 0)
      this.limiter.warn(
        s.remote,
        { listener: s.listener, remote, malformed: s.malformed, err: e instanceof Error ? e.message : e },
        'malformed STM input',
      );
  }

  /** The key as a file-name part, remembered: one regular-expression pass per listener or XID, not per report. */
  #fileKey(text: string): string {
    let k = this.#fileKeys.get(text);
    if (k === undefined) this.#fileKeys.set(text, (k = fileKey(text)));
    return k;
  }

  #accept(s: SourceStats, report: CollectedReport): void {
    let r = report;
    this.book.decoded(s);
    if (r.sequence !== undefined) {
      const agent = r.eep?.captureAgentId ?? '';
      this.book.sequence(s, this.#seq.see(`${s.listener}|${s.remote}|${r.neId}|${agent}`, r.sequence));
    }
    if (r.truncated) this.book.totals.truncated++;
    if (!r.duplicate && r.encoding === 'gre-pcapng' && this.#isCopy) {
      const p = r.packets[0]!;
      if (this.#isCopy({ xid: r.xid, timestampMicros: p.timestampMicros, flow: 'gre', payload: p.data }))
        r = { ...r, duplicate: true, packets: [] };
    }
    if (r.duplicate) {
      this.book.totals.duplicates++;
      return;
    }
    if (this.sink) {
      const key = this.#fileKey(
        this.o.split === 'destination' ? r.listener : (r.xid ?? COLLECTOR_DEFAULTS.noXidKey),
      );
      for (const p of r.packets) this.sink.write(key, p);
      this.book.totals.written += r.packets.length;
      s.written += r.packets.length;
    }
    this.o.onReport?.(r);
  }

  datagram(l: StmUri, remote: string, data: Uint8Array): void {
    const s = this.#source(l, remote);
    // An eep+dtls record may carry several EEP messages back to back (the sender packs them to the path MTU).
    if (l.transport === 'dtls' && l.encoding === 'eep' && !holdsOneMessage(data)) {
      const deframer = new EepDeframer();
      this.#frames(s, l, remote, [...deframer.push(data), ...deframer.flush()]);
      return;
    }
    this.book.received(s, data.length);
    let r: CollectedReport;
    try {
      r =
        l.encoding === 'eep'
          ? collectEep(data, l.text, remote, this.clock.nowMicros(), this.#tcpSeq, this.#isCopy)
          : collectGre(data, l.text, remote, this.o.greProtocolType ?? GRE_PROTOCOL.pcapng);
    } catch (e) {
      return this.#malformed(s, remote, e);
    }
    this.#accept(s, r);
  }

  stream(l: StmUri, remote: string): StreamInput {
    const s = this.#source(l, remote);
    const deframer = new EepDeframer();
    const maxGarbage = this.o.maxGarbageBytes ?? COLLECTOR_DEFAULTS.maxGarbageBytes;
    /** Bytes pushed since the last valid frame; minus what the de-framer holds, they were dropped. */
    let sinceValid = 0;
    let reports = 0;
    const handle = (results: readonly EepFrameResult[]) => {
      const n = this.#frames(s, l, remote, results);
      reports += n;
      if (n > 0) sinceValid = deframer.pending;
    };
    return {
      push: (d) => {
        sinceValid += d.length;
        handle(deframer.push(d));
        return sinceValid - deframer.pending < maxGarbage;
      },
      end: () => handle(deframer.flush()),
      reports: () => reports,
    };
  }

  /** Accepts the whole EEP messages a de-framer found, counts the malformed parts; returns the reports taken. */
  #frames(s: SourceStats, l: StmUri, remote: string, results: readonly EepFrameResult[]): number {
    let reports = 0;
    for (const x of results) {
      if (!x.ok) {
        this.book.received(s, x.skipped);
        this.#malformed(s, remote, x.error);
        continue;
      }
      this.book.received(s, x.frame.length);
      try {
        this.#accept(
          s,
          collectEep(x.frame, l.text, remote, this.clock.nowMicros(), this.#tcpSeq, this.#isCopy),
        );
        reports++;
      } catch (e) {
        this.#malformed(s, remote, e);
      }
    }
    return reports;
  }

  refused(l: StmUri, remote: string, reason: string, code?: ConnRefusal): void {
    this.book.totals.refused++;
    if (code) this.book.connectionsRefused[code]++;
    this.limiter.warn(hostOf(remote), { listener: l.text, remote, reason }, 'STM connection refused');
  }

  connected(): void {
    this.book.totals.connections++;
  }

  disconnected(l: StmUri, remote: string, reason: string): void {
    this.book.totals.disconnected++;
    this.limiter.warn(
      hostOf(remote),
      { listener: l.text, remote, reason },
      'STM connection closed by the collector',
    );
  }
}

/** Starts a collector; resolves once every listener is bound (rejects, closing the others, when one fails). */
export async function startCollector(o: CollectorOptions): Promise<Collector> {
  const clock = o.clock ?? systemClock;
  const uris = o.listen.map((u) => parseStmUri(u));
  const tls = uris.some((u) => u.transport === 'tls' || u.transport === 'dtls')
    ? o.tls
      ? loadTlsMaterial(o.tls)
      : (() => {
          throw new Error('an eep+tls or eep+dtls listener needs TLS material (certificate, key, CA)');
        })()
    : undefined;
  const storage = o.outDir
    ? new CaptureStorage(
        {
          outDir: o.outDir,
          logger: o.logger,
          ...(o.rotate && { rotate: o.rotate }),
          ...(o.maxQueuedBytes !== undefined && { maxQueuedBytes: o.maxQueuedBytes }),
          ...(o.lowSpacePercent !== undefined && { lowSpacePercent: o.lowSpacePercent }),
          ...(o.diskCheckMs !== undefined && { diskCheckMs: o.diskCheckMs }),
          ...(o.retention !== undefined && { retention: o.retention }),
          ...(o.storageGraceMs !== undefined && { storageGraceMs: o.storageGraceMs }),
        },
        clock,
      )
    : undefined;
  const sink = storage?.sink;
  const intake = new Intake(o, sink, clock);
  const limits = {
    maxConnections: o.maxConnections ?? COLLECTOR_DEFAULTS.maxConnections,
    maxPerAddress: o.maxConnectionsPerAddress ?? COLLECTOR_DEFAULTS.maxConnectionsPerAddress,
    pendingMs: o.pendingMs ?? COLLECTOR_DEFAULTS.pendingMs,
    idleMs: o.idleMs ?? COLLECTOR_DEFAULTS.idleMs,
    udpRecvBuffer: COLLECTOR_DEFAULTS.udpRecvBuffer,
  };
  const listeners: Listener[] = [];
  try {
    const producers = {
      ...(o.allowProducers && { allow: o.allowProducers }),
      ...(o.tls?.identityAttribute && { attribute: o.tls.identityAttribute }),
    };
    for (const u of uris)
      listeners.push(
        u.transport === 'dtls'
          ? await listenDtls(u, intake, tls!, producers, o.logger, limits.maxPerAddress)
          : await listen(u, intake, limits, tls, o.logger, producers),
      );
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close()));
    storage?.close();
    throw e;
  }
  for (const l of listeners) o.logger.info({ listener: l.uri.text }, 'STM collector listening');
  storage?.start(listeners);
  const stats = (): CollectorStats => {
    const problem = storage?.problem;
    const retention = storage?.retention;
    const dtls = dtlsTotals(listeners);
    return {
      ...intake.book.snapshot(
        sink?.files ?? [],
        sink?.storage,
        intake.limiter.counts.suppressed,
        storage?.disk,
      ),
      ...(problem && { storageProblem: problem }),
      ...(retention && { retention }),
      ...(dtls && { dtls }),
    };
  };
  let progress: TimerHandle | undefined;
  const tick = () => {
    o.onProgress?.(stats());
    progress = clock.setTimer(o.progressMs ?? COLLECTOR_DEFAULTS.progressMs, tick);
  };
  if (o.onProgress) progress = clock.setTimer(o.progressMs ?? COLLECTOR_DEFAULTS.progressMs, tick);
  let stopped = false;
  return {
    listeners: listeners.map((l) => l.uri),
    stats,
    flush: () => sink?.flush(),
    onStorageState: (fn) => storage?.watch(fn) ?? (fn(undefined), () => undefined),
    async stop() {
      if (stopped) return;
      stopped = true;
      progress?.cancel();
      await Promise.all(listeners.map((l) => l.close()));
      intake.limiter.close();
      storage?.close();
    },
  };
}

/** The DTLS counters of all `eep+dtls` listeners, summed; undefined when there is none. */
function dtlsTotals(listeners: readonly Listener[]): DtlsServerCounters | undefined {
  const all = listeners.flatMap((l) => (l.dtls ? [l.dtls()] : []));
  if (all.length === 0) return undefined;
  const sum = { ...all[0]! };
  for (const c of all.slice(1))
    for (const k of Object.keys(sum) as (keyof DtlsServerCounters)[]) sum[k] += c[k];
  return sum;
}
