/**
 * What every packet source of the probe shares (DESIGN.md "Probe", sources): the {@link PacketSource}
 * contract, the parsed form of a source spec, the counters and the one error type. Pure types and
 * constants; the sources live beside this file and `source.ts` picks one from a spec.
 */
import { LixError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Frame } from '../messages.js';
import type { CaptureProtocol, PortSpan } from './capture-filter.js';

/** Counters every source keeps; each source adds its own (see its `counters` type). */
export interface SourceCounters {
  /** Frames handed to the sink. */
  frames: number;
  /** Bytes of those frames (captured length). */
  bytes: number;
  /** Complete passes through a capture file (a file without loop ends with 1). */
  loops: number;
  /** Damaged input, failed reads, capture failures: each is also logged. */
  errors: number;
}

/** A producer of link-layer frames: a capture file, a live interface or the synthetic generator. */
export interface PacketSource {
  /** What it reads, for logs and status, e.g. `pcap:/x.pcap (loop, fast)`. */
  readonly description: string;
  /**
   * Starts feeding frames to `sink`; resolves when the source ends (a file without loop) or after
   * {@link stop}. Rejects with {@link SourceError} when the source cannot start or fails for good (file
   * missing, interface missing, no permission). Call once.
   */
  run(sink: (frame: Frame) => void, events?: SourceEvents): Promise<void>;
  /** Stops feeding; resolves once `run` has resolved. Harmless before `run` or twice. */
  stop(): Promise<void>;
  readonly counters: Readonly<SourceCounters>;
}

/** How a capture file is replayed: with the capture's inter-frame gaps, or as fast as possible. */
/** What a source tells its consumer besides frames. */
export interface SourceEvents {
  /**
   * A looping file starts again from its first frame: state built from the previous pass (TCP streams,
   * fragments) no longer applies, or the replayed segments would look like retransmissions.
   */
  rewind?(): void;
  /**
   * Whether the consumer is behind (its worker queues over half full): a promise to wait on before the next
   * frame, else undefined. A source that can wait (a capture file) asks now and then and waits instead of
   * overflowing the queues; a live capture cannot wait, and what overflows is dropped and counted.
   */
  busy?(): Promise<void> | undefined;
}

export type Pace = 'original' | 'fast';

export type SourceSpec =
  | { readonly kind: 'pcap'; readonly path: string; readonly loop: boolean; readonly pace: Pace }
  | {
      readonly kind: 'iface';
      readonly name: string;
      readonly filter?: string;
      /** Kernel capture buffer, KiB (`tcpdump -B`); the live source's default when absent. */
      readonly bufferKiB?: number;
      /** Ports of the inspected protocols the capture filter keeps; the defaults for those absent. */
      readonly ports?: Partial<Record<CaptureProtocol, readonly PortSpan[]>>;
      /** Capture every packet (no compiled filter; `filter` alone applies). */
      readonly all?: boolean;
      /** `tcpdump --immediate-mode`: each packet at once, at the cost of a much smaller ring (live-source.ts). */
      readonly immediate?: boolean;
    }
  | {
      readonly kind: 'synthetic';
      /** Messages (frames) per second. */
      readonly rate: number;
      /** Size of the subscriber population ({@link labSubscriber} indexes 0 .. subscribers-1). */
      readonly subscribers: number;
      readonly seed: number;
    };

/** What a source needs from its surroundings; both have defaults (the system clock, a silent logger). */
export interface SourceOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export const SOURCE_ERROR_KINDS = [
  /** The spec text does not parse. */
  'bad-spec',
  /** The capture file cannot be opened or read. */
  'open',
  /** The live capture could not start or died (no such interface, no permission, bad filter). */
  'capture',
  /** tcpdump is not installed. */
  'no-tcpdump',
  /** `run` called twice. */
  'busy',
] as const;
export type SourceErrorKind = (typeof SOURCE_ERROR_KINDS)[number];

/** The one error type of the sources; `kind` says which family of failure. */
export class SourceError extends LixError<SourceErrorKind> {}
