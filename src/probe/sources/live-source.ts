/**
 * Live capture from a network interface through a `tcpdump` child process (`tcpdump -i NAME -U -B KIB -w -
 * FILTER`, the filter compiled by capture-filter.ts) whose pcap output is read by {@link CaptureStreamParser}.
 *
 * Why tcpdump and not the npm `pcap` binding: tcpdump is one Debian package, needs no native build, keeps
 * libpcap (and the capture privileges) out of the NE process, and ends cleanly when killed; the binding
 * needs node-gyp and libpcap-dev and keeps the process alive after `close()`. Capturing needs root (or
 * CAP_NET_RAW): tcpdump's refusal ("no such device", "permission") becomes a {@link SourceError} of kind
 * `capture` with its message, and a missing tcpdump one of kind `no-tcpdump`; neither hangs.
 *
 * Frames keep their capture timestamps (the kernel's, which are the current time).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import type { Frame } from '../messages.js';
import { CaptureStreamParser } from '../../stm/capture-stream.js';
import { TcpdumpStatsReader } from './tcpdump-stats.js';
import {
  CAPTURE_PROTOCOLS,
  compileCaptureFilter,
  DEFAULT_CAPTURE_PORTS,
  formatPortList,
  PortListError,
  type CapturePorts,
  type CaptureProtocol,
  type PortSpan,
} from './capture-filter.js';
import { SourceError, type PacketSource, type SourceCounters, type SourceOptions } from './packet-source.js';

export const LIVE_CAPTURE = {
  command: 'tcpdump',
  /** Snap length: whole frames. */
  snapLen: 262_144,
  /** Characters of tcpdump's standard error kept for error messages. */
  stderrKeep: 2000,
  /**
   * Kernel capture buffer in KiB (`tcpdump -B`). libpcap's default is 2 MiB, which loopback SIP at a few
   * hundred calls per second overruns whenever the NE pauses (docs/probe.md, measured figures); 32 MiB is
   * about 12 s of 1,000 calls/s of SIP (without immediate mode) and costs that memory only while capturing.
   */
  bufferKiB: 32_768,
  /**
   * `--immediate-mode` off. In immediate mode libpcap uses a TPACKET_V2 ring of fixed slots sized for the
   * largest frame (64 KiB on loopback or a NIC with receive offloads), so 32 MiB held about 500 packets,
   * a tenth of a second of 1,000 calls/s: measured, of a burst of 5,000 datagrams 366 were captured. Without
   * it the TPACKET_V3 ring packs frames at their own length (the same 32 MiB holds ~70,000 SIP messages);
   * the cost is latency on a quiet link: a block is handed over when full or after tcpdump's 1 s timeout.
   */
  immediate: false,
  /**
   * Frames handed on as views into the chunk read from the pipe (CaptureStreamParser `views`): Node reads
   * each chunk into fresh memory and the decoder copies what it keeps, so no per-packet copy is needed.
   * A consumer that posts frames to another thread must copy `data` first (or transfer whole chunks): a
   * structured clone of a view clones the whole chunk behind it.
   */
  views: true,
  /** How often tcpdump is asked for its statistics (SIGUSR1) while it runs. */
  statsIntervalMs: 1_000,
} as const;

export interface LiveSourceCounters extends SourceCounters {
  /** Packets lost before the probe saw them: dropped by the kernel plus dropped by the interface. */
  dropped: number;
  /** tcpdump's own figures, read while it runs (SIGUSR1) and when it ends. */
  captured: number;
  receivedByFilter: number;
  droppedByKernel: number;
  droppedByInterface: number;
  /** Statistics reports read from tcpdump. */
  statsReports: number;
  /** Reads from tcpdump's pipe (frames / reads: how many packets each read brought). */
  reads: number;
}

export interface LiveSourceConfig {
  readonly name: string;
  /** The user's BPF filter: it narrows the compiled one (or, with `all`, is the only one). */
  readonly filter?: string;
  /** Ports of the inspected protocols to capture ({@link DEFAULT_CAPTURE_PORTS} for those absent). */
  readonly ports?: Partial<Record<CaptureProtocol, readonly PortSpan[]>>;
  /** Capture every packet: no compiled filter. */
  readonly all?: boolean;
  /** `tcpdump --immediate-mode` (default {@link LIVE_CAPTURE}.immediate): see there for its cost. */
  readonly immediate?: boolean;
  /** Kernel capture buffer in KiB (default {@link LIVE_CAPTURE}.bufferKiB). */
  readonly bufferKiB?: number;
  /** Statistics polling period (default {@link LIVE_CAPTURE}.statsIntervalMs; 0: only at the end). */
  readonly statsIntervalMs?: number;
}

/** The ports a configuration captures: its own, the defaults for the protocols it does not name. */
export function capturePorts(config: LiveSourceConfig): CapturePorts {
  return { ...DEFAULT_CAPTURE_PORTS, ...config.ports };
}

/**
 * The BPF expression tcpdump is given: compiled from the ports, and'ed with the user's filter (see
 * capture-filter.ts). Throws {@link SourceError} `bad-spec` when every port list is empty.
 */
export function captureFilter(config: LiveSourceConfig): string | undefined {
  try {
    return compileCaptureFilter(capturePorts(config), {
      ...(config.all && { all: true }),
      ...(config.filter !== undefined && { userFilter: config.filter }),
    });
  } catch (e) {
    if (e instanceof PortListError) throw new SourceError('bad-spec', `iface:${config.name}: ${e.message}`);
    throw e;
  }
}

/** The tcpdump arguments for a capture (no shell is involved: each is one argv entry). */
export function tcpdumpArgs(config: LiveSourceConfig): string[] {
  const args = [
    '-i',
    config.name,
    '-U',
    ...((config.immediate ?? LIVE_CAPTURE.immediate) ? ['--immediate-mode'] : []),
    '-n',
    '-s',
    String(LIVE_CAPTURE.snapLen),
    '-B',
    String(config.bufferKiB ?? LIVE_CAPTURE.bufferKiB),
    '-w',
    '-',
  ];
  const filter = captureFilter(config);
  return filter === undefined ? args : [...args, filter];
}

export class LiveSource implements PacketSource {
  readonly description: string;
  readonly counters: LiveSourceCounters = {
    frames: 0,
    bytes: 0,
    loops: 0,
    errors: 0,
    dropped: 0,
    captured: 0,
    receivedByFilter: 0,
    droppedByKernel: 0,
    droppedByInterface: 0,
    statsReports: 0,
    reads: 0,
  };
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly stats = new TcpdumpStatsReader();
  private poll: TimerHandle | undefined;
  private child: ChildProcess | undefined;
  private stopping = false;
  private started = false;
  private finished: Promise<void> = Promise.resolve();
  private stderr = '';
  private listening = false;
  private readonly args: readonly string[];

  constructor(
    private readonly config: LiveSourceConfig,
    opts: SourceOptions = {},
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.args = tcpdumpArgs(config);
    const buffer = config.bufferKiB === undefined ? '' : ` buffer ${config.bufferKiB} KiB`;
    const ports = capturePorts(config);
    const what = config.all
      ? ' all packets'
      : ' ' + CAPTURE_PROTOCOLS.map((p) => `${p}=${formatPortList(ports[p])}`).join(' ');
    const immediate = config.immediate ? ' immediate' : '';
    this.description = `iface:${config.name}${buffer}${immediate}${what}${config.filter === undefined ? '' : ` (filter ${config.filter})`}`;
  }

  run(sink: (frame: Frame) => void): Promise<void> {
    if (this.started)
      return Promise.reject(new SourceError('busy', `${this.description} is already running`));
    this.started = true;
    if (this.stopping) return Promise.resolve();
    this.finished = new Promise((resolve, reject) => this.capture(sink, resolve, reject));
    return this.finished;
  }

  /** True once tcpdump has said it is listening. */
  get isListening(): boolean {
    return this.listening;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.poll?.cancel();
    this.child?.kill('SIGTERM');
    await this.finished.catch(() => undefined);
  }

  private capture(sink: (f: Frame) => void, resolve: () => void, reject: (e: Error) => void): void {
    const parser = new CaptureStreamParser({ views: LIVE_CAPTURE.views });
    const child = spawn(LIVE_CAPTURE.command, this.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => this.frames(parser, chunk, sink));
    child.stderr.on('data', (chunk: Buffer) => this.noteStderr(chunk.toString('utf8')));
    child.on('error', (e: NodeJS.ErrnoException) => {
      const missing = e.code === 'ENOENT';
      reject(
        missing
          ? new SourceError('no-tcpdump', 'tcpdump is not installed (Debian package "tcpdump")', { cause: e })
          : new SourceError('capture', `cannot start tcpdump: ${e.message}`, { cause: e }),
      );
    });
    child.on('close', (code) => {
      this.child = undefined;
      this.poll?.cancel();
      const damage = parser.error || parser.format === 'unknown' ? undefined : parser.end();
      if (damage) this.fail(`unreadable tcpdump output: ${damage.message}`);
      if (this.stopping || code === 0) return resolve();
      const why = this.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.includes('listening on'))
        .join('; ');
      reject(
        new SourceError('capture', `capture on ${this.config.name} failed (tcpdump exit ${code}): ${why}`),
      );
    });
  }

  private frames(parser: CaptureStreamParser, chunk: Buffer, sink: (f: Frame) => void): void {
    const hadError = parser.error !== undefined;
    this.counters.reads++;
    for (const frame of parser.push(chunk)) {
      this.counters.frames++;
      this.counters.bytes += frame.data.length;
      sink(frame);
    }
    if (!hadError && parser.error) {
      this.fail(`unreadable tcpdump output: ${parser.error.message}`);
      this.child?.kill('SIGTERM');
    }
  }

  private fail(message: string): void {
    this.counters.errors++;
    this.logger.warn({ source: this.description }, message);
  }

  private noteStderr(text: string): void {
    this.stderr = (this.stderr + text).slice(-LIVE_CAPTURE.stderrKeep);
    if (!this.listening && text.includes('listening on')) {
      this.listening = true;
      this.logger.info({ source: this.description }, 'capture listening');
      this.schedulePoll();
    }
    if (this.stats.push(text)) {
      const s = this.stats.stats;
      const c = this.counters;
      c.captured = s.captured;
      c.receivedByFilter = s.receivedByFilter;
      c.droppedByKernel = s.droppedByKernel;
      c.droppedByInterface = s.droppedByInterface;
      c.dropped = s.droppedByKernel + s.droppedByInterface;
      c.statsReports = this.stats.reports;
    }
  }

  /** Asks tcpdump for its statistics every period while it runs (it prints them on SIGUSR1). */
  private schedulePoll(): void {
    const every = this.config.statsIntervalMs ?? LIVE_CAPTURE.statsIntervalMs;
    if (every <= 0) return;
    const tick = () => {
      if (this.stopping || !this.child) return;
      this.child.kill('SIGUSR1');
      this.poll = this.clock.setTimer(every, tick);
    };
    this.poll = this.clock.setTimer(every, tick);
  }
}
