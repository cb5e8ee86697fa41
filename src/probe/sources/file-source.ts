/**
 * Replays a pcap or pcapng file (DESIGN.md "Probe", sources). The file is streamed in chunks through
 * {@link CaptureStreamParser}, never read whole, so a capture of gigabytes replays in bounded memory.
 *
 * Pace `original` keeps the capture's inter-frame gaps 1:1 on the injected clock; a gap longer than
 * {@link FILE_REPLAY}.maxGapMicros (broken captures have gaps of years) is cut to that and counted in
 * `gapsCapped`, a backward step (junk timestamps) counts in `gapsBackward` and costs no wait. Pace `fast`
 * delivers as fast as the sink takes frames, yielding to the event loop every
 * {@link FILE_REPLAY}.yieldEvery frames so that the NE's X1 server stays responsive.
 *
 * Frames are stamped with the current time of the clock, not the file's, in both paces: replayed (and
 * looped) traffic looks live to everything downstream. A damaged or truncated file delivers every good
 * frame before the damage, counts one error, logs it and ends the pass (the next pass starts if looping).
 */
import { createReadStream } from 'node:fs';
import { systemClock, type Clock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import type { Frame } from '../messages.js';
import { CaptureStreamParser } from '../../stm/capture-stream.js';
import { holdEventLoop } from './hold-event-loop.js';
import {
  SourceError,
  type PacketSource,
  type Pace,
  type SourceCounters,
  type SourceEvents,
  type SourceOptions,
} from './packet-source.js';

export const FILE_REPLAY = {
  /** Bytes read from the file at a time. */
  chunkBytes: 1024 * 1024,
  /** Longest inter-frame gap honoured at pace `original` (1 s). */
  maxGapMicros: 1_000_000n,
  /** Frames between yields to the event loop when not sleeping. */
  yieldEvery: 256,
  /** Shorter waits than this are not slept (timers are not finer); the lag is caught up later. */
  minSleepMicros: 1000n,
} as const;

const MICROS_PER_MS = 1000;

export interface FileSourceCounters extends SourceCounters {
  /** Gaps longer than {@link FILE_REPLAY}.maxGapMicros, cut short. */
  gapsCapped: number;
  /** Frames stamped earlier than the frame before them. */
  gapsBackward: number;
}

export interface FileSourceConfig {
  readonly path: string;
  readonly loop: boolean;
  readonly pace: Pace;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FileSource implements PacketSource {
  readonly description: string;
  readonly counters: FileSourceCounters = {
    frames: 0,
    bytes: 0,
    loops: 0,
    errors: 0,
    gapsCapped: 0,
    gapsBackward: 0,
  };
  private readonly clock: Clock;
  private readonly logger: Logger;
  private stopped = false;
  private started = false;
  private finished: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private prevTs: bigint | undefined;
  private dueMicros = 0n;
  private sinceYield = 0;

  constructor(
    private readonly config: FileSourceConfig,
    opts: SourceOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.description = `pcap:${config.path} (${config.loop ? 'loop, ' : ''}${config.pace})`;
  }

  run(sink: (frame: Frame) => void, events: SourceEvents = {}): Promise<void> {
    if (this.started)
      return Promise.reject(new SourceError('busy', `${this.description} is already running`));
    this.started = true;
    const release = holdEventLoop();
    this.finished = this.replay(sink, events).finally(release);
    return this.finished;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.finished.catch(() => undefined);
  }

  private async replay(sink: (frame: Frame) => void, events: SourceEvents): Promise<void> {
    while (!this.stopped) {
      if (this.counters.loops > 0) events.rewind?.();
      const delivered = await this.pass(sink, events);
      if (this.stopped) break;
      this.counters.loops++;
      if (!this.config.loop) break;
      if (delivered === 0) {
        this.logger.warn({ source: this.description }, 'capture file has no frames: not looping');
        break;
      }
    }
  }

  /** One pass through the file; returns the number of frames delivered. */
  private async pass(sink: (frame: Frame) => void, events: SourceEvents): Promise<number> {
    const parser = new CaptureStreamParser();
    const stream = createReadStream(this.config.path, { highWaterMark: FILE_REPLAY.chunkBytes });
    this.prevTs = undefined;
    let delivered = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (const frame of parser.push(chunk)) {
          // Most frames need no wait: no await (a microtask and a promise) per frame then.
          const wait = this.pace(frame.timestampMicros, events);
          if (wait) await wait;
          if (this.stopped) return delivered;
          this.deliver(sink, frame);
          delivered++;
        }
        if (parser.error || this.stopped) break;
      }
    } catch (e) {
      if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
      throw new SourceError('open', `cannot read capture file ${this.config.path}: ${(e as Error).message}`, {
        cause: e,
      });
    } finally {
      stream.destroy();
    }
    const damage = parser.error ?? (this.stopped ? undefined : parser.end());
    if (damage) {
      this.counters.errors++;
      this.logger.warn({ source: this.description, err: damage.message, delivered }, 'damaged capture file');
    }
    return delivered;
  }

  private deliver(sink: (frame: Frame) => void, frame: Frame): void {
    this.counters.frames++;
    this.counters.bytes += frame.data.length;
    sink({ linkType: frame.linkType, timestampMicros: this.clock.nowMicros(), data: frame.data });
  }

  /** Waits until the frame stamped `ts` is due (pace `original`), or yields now and then; undefined: go on now. */
  private pace(ts: bigint, events: SourceEvents): Promise<void> | undefined {
    const now = this.clock.nowMicros();
    if (this.config.pace === 'original') {
      if (this.prevTs === undefined || now - this.dueMicros > FILE_REPLAY.maxGapMicros) this.dueMicros = now;
      else this.dueMicros += this.gap(this.prevTs, ts);
      this.prevTs = ts;
      const wait = this.dueMicros - now;
      if (wait >= FILE_REPLAY.minSleepMicros) {
        this.sinceYield = 0;
        return this.sleep(Number(wait) / MICROS_PER_MS);
      }
    }
    if (++this.sinceYield >= FILE_REPLAY.yieldEvery) {
      this.sinceYield = 0;
      // The probe's workers are behind: wait for them rather than overflow their queues.
      return events.busy?.() ?? yieldToLoop();
    }
    return undefined;
  }

  private gap(prev: bigint, ts: bigint): bigint {
    const gap = ts - prev;
    if (gap < 0n) {
      this.counters.gapsBackward++;
      return 0n;
    }
    if (gap > FILE_REPLAY.maxGapMicros) {
      this.counters.gapsCapped++;
      return FILE_REPLAY.maxGapMicros;
    }
    return gap;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(ms, () => {
        this.wake = undefined;
        resolve();
      });
      this.wake = () => {
        timer.cancel();
        this.wake = undefined;
        resolve();
      };
    });
  }
}
