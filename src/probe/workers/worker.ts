/**
 * A worker thread of the probe (docs/probe.md "Threads"): it unpacks the batches of whole messages the NE's
 * thread shards to it by session, and runs the message stage (inspect, match, mask, deliver) with its own STM
 * sender per destination. Task and destination changes arrive on the same port as the batches, so each is in
 * force from the next batch on. Destination events, log lines and counters go back to the NE's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { systemClock } from '../../lib/clock.js';
import { STM_DEFAULTS, stmSenders } from '../../transport/stm-sender.js';
import { Deliveries } from '../delivery.js';
import { Interceptor } from '../intercept.js';
import { readBatch } from './batch.js';
import { PROGRESS, type FromWorker, type ToWorker, type WorkerInit, type WorkerStats } from './protocol.js';

if (!parentPort) throw new Error('src/probe/workers/worker.ts runs as a worker thread of the probe');
const port = parentPort;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);
const progress = new Int32Array(init.progress);

const logger = pino(
  { level: init.logLevel, base: { worker: init.index } },
  { write: (line: string) => post({ t: 'log', line }) },
);
const deliveries = new Deliveries({
  logger,
  clock: systemClock,
  senders: stmSenders(init.senders),
  ...(init.downFaultMs !== undefined && { downFaultMs: init.downFaultMs }),
  events: {
    fault: (did, reason) => post({ t: 'fault', did, reason }),
    clear: (did, reason) => post({ t: 'clear', did, reason }),
    tooLarge: (did, info) => post({ t: 'tooLarge', did, info }),
  },
});
const stage = new Interceptor({
  neId: init.neId,
  logger,
  now: () => systemClock.now(),
  maskKeys: init.maskKeys,
  send: (did, report) => deliveries.send(did, report),
});
let badBatches = 0;

/**
 * Backpressure from the destinations (docs/probe.md "Backpressure"): while one that is not a fault holds over
 * half its queue, the worker takes nothing from its inbox until it is under a quarter, so that its hand-off
 * queue fills instead (a capture file then waits; a live capture's overflow is counted there). A pause lasts
 * at most `maxPauseMs`: a consumer that takes nothing then overflows its queue and becomes a fault, which is not
 * waited for, so the other destinations go on.
 */
const PAUSE = {
  high: (init.senders.queueLimit ?? STM_DEFAULTS.queueLimit) / 2,
  low: (init.senders.queueLimit ?? STM_DEFAULTS.queueLimit) / 4,
  pollMs: 5,
  maxPauseMs: 2_000,
} as const;
let pausedSince: number | undefined;

function stats(): WorkerStats {
  return {
    counters: { ...stage.counters },
    tasks: stage.taskCount,
    index: { ...stage.index.counters },
    masking: stage.masker.counters,
    destinations: deliveries.snapshot(),
    pending: [...stage.takePending()].map(([xid, p]) => [xid, p.bytes, p.at] as const),
    badBatches,
  };
}

function batch(buffer: ArrayBuffer, count: number): void {
  try {
    for (const m of readBatch(buffer, count)) stage.message(m);
  } catch (err) {
    badBatches++;
    logger.error({ err, count }, 'a batch of messages did not unpack; its messages are lost');
  }
  // Counted before the flag is read; the NE's thread sets the flag before it reads the count (both sequentially
  // consistent): either it sees this batch done, or this worker sees it waiting and wakes it.
  Atomics.add(progress, PROGRESS.processed, count);
  if (Atomics.load(progress, PROGRESS.waiting) === 1) post({ t: 'ack' });
}

async function control(m: Exclude<ToWorker, { t: 'batch' }>): Promise<void> {
  switch (m.t) {
    case 'task':
      return stage.applyTask(m.task);
    case 'untask':
      return stage.removeTask(m.xid);
    case 'dest':
      try {
        await deliveries.set(m.d);
        stage.destinationApplied(m.d.dId);
      } catch (err) {
        post({
          t: 'fault',
          did: m.d.dId,
          reason: `no sender: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
      return;
    case 'undest':
      return deliveries.remove(m.did);
    case 'consumer':
      return deliveries.consumerState(m.id, (uri) => m.uris.includes(uri), m.problem);
    case 'stats':
      if (m.check) deliveries.check();
      return post({ t: 'stats', stats: stats() });
    case 'close':
      await deliveries.close(m.drainMs);
      post({ t: 'closed', stats: stats() });
      port.close();
      return;
  }
}

/**
 * Everything from the port, in order. Taken one item per turn of the event loop (setImmediate comes after I/O),
 * so that the worker's sockets connect and drain while batches keep coming.
 */
const inbox: ToWorker[] = [];
let draining = false;

/** Whether to hold the inbox now (see {@link PAUSE}). */
function holding(): boolean {
  const backlog = deliveries.backlog();
  if (pausedSince === undefined) {
    if (backlog <= PAUSE.high) return false;
    pausedSince = Date.now();
  }
  if (backlog > PAUSE.low && Date.now() - pausedSince < PAUSE.maxPauseMs) return true;
  pausedSince = undefined;
  return false;
}

function drain(): void {
  if (inbox.length > 0 && holding()) {
    setTimeout(drain, PAUSE.pollMs);
    return;
  }
  const m = inbox.shift();
  if (m === undefined) {
    draining = false;
    return;
  }
  if (m.t === 'batch') batch(m.buffer, m.count);
  else control(m).catch((err: unknown) => logger.error({ err, control: m.t }, 'probe worker control failed'));
  setImmediate(drain);
}

port.on('message', (m: ToWorker) => {
  inbox.push(m);
  if (!draining) {
    draining = true;
    setImmediate(drain);
  }
});
