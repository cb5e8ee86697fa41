/**
 * The synthetic generator ({@link SyntheticGenerator}) as a packet source: `rate` frames per second on the
 * injected clock, batched per tick of {@link SYNTHETIC}.tickMs, each frame stamped with the clock's time.
 * After a stall (a blocked event loop) at most {@link SYNTHETIC}.maxCatchUpSeconds of traffic is caught up.
 */
import { systemClock, type Clock } from '../../lib/clock.js';
import { LINKTYPE } from '../../stm/pcapng-tables.js';
import type { Frame } from '../messages.js';
import { holdEventLoop } from './hold-event-loop.js';
import { SYNTHETIC, SyntheticGenerator } from './synthetic.js';
import { SourceError, type PacketSource, type SourceCounters, type SourceOptions } from './packet-source.js';

export interface SyntheticConfig {
  /** Messages (frames) per second. */
  readonly rate: number;
  readonly subscribers: number;
  readonly seed: number;
}

const MS_PER_SECOND = 1000;

/** The generator at `rate` frames per second on the clock; frames are stamped with the clock's time. */
export class SyntheticSource implements PacketSource {
  readonly description: string;
  readonly counters: SourceCounters = { frames: 0, bytes: 0, loops: 0, errors: 0 };
  readonly generator: SyntheticGenerator;
  private readonly clock: Clock;
  private started = false;
  private stopped = false;
  private end: (() => void) | undefined;
  private timer: { cancel(): void } | undefined;
  private finished: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: SyntheticConfig,
    opts: SourceOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.generator = new SyntheticGenerator(config);
    this.description = `synthetic:${config.rate} (${config.subscribers} subscribers, seed ${config.seed})`;
  }

  run(sink: (frame: Frame) => void): Promise<void> {
    if (this.started)
      return Promise.reject(new SourceError('busy', `${this.description} is already running`));
    this.started = true;
    if (this.stopped) return Promise.resolve();
    const release = holdEventLoop();
    this.finished = new Promise<void>((resolve) => {
      this.end = resolve;
      const start = this.clock.now();
      let sent = 0;
      const tick = () => {
        if (this.stopped) return;
        const due = Math.floor(((this.clock.now() - start) * this.config.rate) / MS_PER_SECOND);
        const maxBurst = Math.ceil(this.config.rate * SYNTHETIC.maxCatchUpSeconds);
        if (due - sent > maxBurst) sent = due - maxBurst;
        for (; sent < due && !this.stopped; sent++) this.emit(sink);
        this.timer = this.clock.setTimer(SYNTHETIC.tickMs, tick);
      };
      tick();
    }).finally(release);
    return this.finished;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.end?.();
    await this.finished;
  }

  private emit(sink: (frame: Frame) => void): void {
    const data = this.generator.nextPacket();
    this.counters.frames++;
    this.counters.bytes += data.length;
    sink({ linkType: LINKTYPE.raw, timestampMicros: this.clock.nowMicros(), data });
  }
}
