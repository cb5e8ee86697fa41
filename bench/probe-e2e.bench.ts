/**
 * The probe end to end (issues "The probe", #18): a pcap of generated SIP/Diameter/GTPv2-C traffic replayed as
 * fast as possible by the NE's probe (in its own process, as deployed) with a task on every subscriber (IMSI and
 * SIP URI), so that most messages are delivered, every intercepted message sent as EEP over TCP to a collector
 * (this process) that writes PCAPng.
 *
 * - `probe.e2e.tcp`: captured messages per second from the first frame until the collector has every report,
 *   with the probe's default workers (the cores available); loss-free is checked (reports sent = reports
 *   decoded, nothing dropped), not assumed. Baseline: the same replay through the decoder alone in the same
 *   child (`probe.replay.decode`), so the ratio is what matching and delivery cost. Target >= 0.8.
 * - `probe.e2e.workers2`: the same with two worker threads against the probe in one thread (`workers: 1`),
 *   in the same run. Target >= 1.6.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../src/collector/collector.js';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { PacketDecoder } from '../src/probe/decode/decoder.js';
import { Probe } from '../src/probe/probe.js';
import { createSource, parseSourceSpec } from '../src/probe/sources/source.js';
import { labSubscriber } from '../src/probe/sources/population.js';
import { generate } from '../src/probe/sources/synthetic.js';
import { concatBytes, PcapngFileWriter } from '../src/stm/pcapng.js';
import type { Bench, BenchResult } from './harness.js';
import { stmSenders } from '../src/transport/stm-sender.js';

const FRAMES = 60_000;
const SUBSCRIBERS = 1000;

interface Job {
  readonly file: string;
  readonly uri: string;
  readonly workers: number;
}
interface Done {
  readonly decodeSeconds: number;
  readonly decodeMessages: number;
  readonly seconds: number;
  readonly frames: number;
  readonly messages: number;
  readonly reports: number;
  readonly dropped: number;
  readonly queueFull: number;
  readonly workers: number;
}

const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

type Run = ReturnType<typeof createSource>['run'];

async function replay(file: string, sink: Parameters<Run>[0], events?: Parameters<Run>[1]): Promise<void> {
  await createSource(parseSourceSpec(`pcap:${file}?pace=fast`), {
    clock: systemClock,
    logger: silentLogger,
  }).run(sink, events);
}

/** Child: decode-only replay (baseline), then the probe with tasks and an EEP/TCP destination. */
async function probeRole(): Promise<void> {
  process.once('message', (j: Job) => {
    void (async () => {
      const decoder = new PacketDecoder();
      let t = performance.now();
      await replay(j.file, (f) => decoder.decode(f));
      const decodeSeconds = (performance.now() - t) / 1000;
      const probe = new Probe({
        neId: 'ne-bench',
        logger: silentLogger,
        clock: systemClock,
        senders: stmSenders(),
        workers: j.workers,
      });
      const did = uuid(0);
      await probe.applyDestination({
        dId: did,
        friendlyName: 'bench collector',
        deliveryType: 'X2Only',
        deliveryAddress: { kind: 'uri', value: j.uri },
        destinationDetailsExtensions: [],
      });
      // Two tasks per subscriber, one on its IMSI (Diameter, GTPv2-C), one on its SIP URI: most messages match.
      for (let i = 0; i < 2 * SUBSCRIBERS; i++) {
        const s = labSubscriber(i >> 1);
        await probe.applyTask({
          xId: uuid(i + 1),
          targetIdentifiers: [
            i % 2 === 0 ? { kind: 'imsi', value: s.imsi } : { kind: 'sipUri', value: s.sipUri },
          ],
          deliveryType: 'X2Only',
          listOfDIDs: { dIds: [did], dSIds: [] },
          taskDetailsExtensions: [],
        });
      }
      await new Promise((r) => setTimeout(r, 500));
      t = performance.now();
      await replay(j.file, (f) => probe.feed(f), probe.sourceEvents());
      await probe.settled();
      const dest = probe.destinations();
      const seconds = (performance.now() - t) / 1000;
      process.send!({
        decodeSeconds,
        decodeMessages: Object.values(decoder.counters.messages).reduce((a, b) => a + b, 0),
        seconds,
        frames: probe.counters.frames,
        messages: probe.counters.messages,
        reports: probe.counters.reports,
        dropped: dest[0]?.dropped ?? 0,
        queueFull: probe.counters.queueFull,
        workers: probe.workers,
      } satisfies Done);
      await probe.close();
      process.exit(0);
    })();
  });
}

function writeCapture(dir: string): string {
  const w = new PcapngFileWriter({ shbUserAppl: 'lix bench' });
  const parts = generate(FRAMES, { subscribers: SUBSCRIBERS, seed: 7 }).map((f) => w.packet(f));
  const file = join(dir, 'traffic.pcapng');
  writeFileSync(file, concatBytes(parts));
  return file;
}

interface Measured {
  readonly done: Done;
  readonly received: number;
  /** Messages per second from the first frame until the collector had every report. */
  readonly rate: number;
  /** The decode-only replay in the same child. */
  readonly baseline: number;
}

/** One probe child with `workers` against a fresh collector. */
async function measure(file: string, dir: string, workers: number): Promise<Measured> {
  const c = await startCollector({
    listen: ['eep+tcp://127.0.0.1:0'],
    outDir: join(dir, `out-${workers}`),
    // One file for the run: this measures the probe; the collector's files per XID are its own bench's matter.
    split: 'destination',
    logger: silentLogger,
  });
  const child: ChildProcess = fork(import.meta.filename, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LIX_PROBE_BENCH_ROLE: 'probe' },
    stdio: 'inherit',
  });
  try {
    const done = await new Promise<Done>((resolve) => {
      child.once('message', (m) => resolve(m as Done));
      child.send({ file, uri: c.listeners[0]!.text, workers } satisfies Job);
    });
    // The collector may still be reading: wait for every report (TCP: nothing may be lost).
    const lagStart = performance.now();
    const end = Date.now() + 60_000;
    while (c.stats().totals.decoded < done.reports && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    const received = c.stats().totals.decoded;
    const seconds = done.seconds + (performance.now() - lagStart) / 1000;
    return {
      done,
      received,
      rate: done.messages / seconds,
      baseline: done.decodeMessages / done.decodeSeconds,
    };
  } finally {
    child.kill();
    await c.stop();
  }
}

function extra(m: Measured): Record<string, number> {
  return {
    workers: m.done.workers,
    frames: m.done.frames,
    messages: m.done.messages,
    reports: m.done.reports,
    delivered: m.done.reports / m.done.messages,
    received: m.received,
    lost: m.done.reports - m.received,
    dropped: m.done.dropped,
    queueFull: m.done.queueFull,
    tasks: 2 * SUBSCRIBERS,
  };
}

async function endToEnd(): Promise<readonly BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lix-bench-probe-'));
  try {
    const file = writeCapture(dir);
    const cores = availableParallelism();
    const one = await measure(file, dir, 1);
    const two = await measure(file, dir, 2);
    const def = cores === 1 ? one : cores === 2 ? two : await measure(file, dir, cores);
    return [
      {
        bench: 'probe.e2e.tcp',
        value: def.rate,
        unit: 'msg/s',
        baseline: 'probe.replay.decode',
        baselineValue: def.baseline,
        ratio: def.rate / def.baseline,
        target: '>=0.8',
        extra: extra(def),
      },
      {
        bench: 'probe.e2e.workers2',
        value: two.rate,
        unit: 'msg/s',
        baseline: 'probe.e2e.workers1',
        baselineValue: one.rate,
        ratio: two.rate / one.rate,
        target: '>=1.6',
        extra: {
          ...extra(two),
          workers1Ratio: one.rate / one.baseline,
          workers1Lost: one.done.reports - one.received,
        },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.LIX_PROBE_BENCH_ROLE === 'probe') void probeRole();

const benches: Bench[] =
  process.env.LIX_PROBE_BENCH_ROLE === 'probe' ? [] : [{ name: 'probe.e2e', run: endToEnd }];
export default benches;
