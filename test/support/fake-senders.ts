/**
 * STM senders for tests of the probe: no sockets, no timers. Each records the reports it is handed; the test
 * sets its state (`up`/`down`), makes sends fail (`failing`, counted as errors like a UDP ICMP refusal) and
 * raises its events.
 */
import { EventEmitter } from 'node:events';
import type { StmReport } from '../../src/stm/report.js';
import type {
  StmCounters,
  StmSender,
  StmSenderEvents,
  StmSenderFactory,
} from '../../src/transport/stm-sender-base.js';

export class FakeSender extends EventEmitter<StmSenderEvents> implements StmSender {
  readonly reports: StmReport[] = [];
  state: 'up' | 'down' = 'up';
  /** While true, every send counts as an error instead of being sent. */
  failing = false;
  closed = false;
  readonly c = { sent: 0, queued: 0, dropped: 0, tooLarge: 0, errors: 0, overMtu: 0 };

  constructor(readonly uri: string) {
    super();
  }

  get counters(): StmCounters {
    return { ...this.c };
  }

  send(report: StmReport): void {
    if (this.failing) this.c.errors++;
    else {
      this.c.sent++;
      this.reports.push(report);
    }
  }

  /** What drain() does with the queue: deliver it all (default) or nothing (a consumer that stays away). */
  drains = true;
  drainCalls: number[] = [];

  async drain(ms?: number): Promise<boolean> {
    this.drainCalls.push(ms ?? 0);
    if (this.drains) {
      this.c.sent += this.c.queued;
      this.c.queued = 0;
    }
    return this.c.queued === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A factory whose senders the test can reach by URI; `unusable` refuses what `refuse` names. */
export function fakeSenders(refuse: Record<string, string> = {}) {
  const made: FakeSender[] = [];
  const factory: StmSenderFactory = {
    create(uri) {
      const reason = factory.unusable(uri);
      if (reason) throw new Error(reason);
      const s = new FakeSender(uri);
      made.push(s);
      return s;
    },
    unusable: (uri) => Object.entries(refuse).find(([prefix]) => uri.startsWith(prefix))?.[1],
  };
  const last = (uri: string): FakeSender => {
    const s = made.filter((m) => m.uri === uri).at(-1);
    if (!s) throw new Error(`no sender for ${uri}`);
    return s;
  };
  return { factory, made, last };
}
