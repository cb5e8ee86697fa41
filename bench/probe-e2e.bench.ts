/**
 * The probe end to end (issue "The probe"): a pcap of generated SIP/Diameter/GTPv2-C traffic replayed as fast as
 * possible by the NE's probe (in its own process, as deployed) with tasks on a tenth of the subscribers (IMSI or
 * SIP URI), every
 * intercepted message sent as EEP over TCP to a collector (this process) that writes PCAPng.
 *
 * - `probe.e2e.tcp`: captured messages per second from the first frame until the collector has every report;
 *   loss-free is checked (reports sent = reports decoded, nothing dropped), not assumed. Baseline: the same
 *   replay through the decoder alone in the same child (`probe.replay.decode`), so the ratio is what matching
 *   and delivery cost.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const TASKED = 100;

interface Job {
  readonly file: string;
  readonly uri: string;
}
interface Done {
  readonly decodeSeconds: number;
  readonly decodeMessages: number;
  readonly seconds: number;
  readonly frames: number;
  readonly messages: number;
  readonly reports: number;
  readonly dropped: number;
}

const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

async function replay(
  file: string,
  sink: Parameters<ReturnType<typeof createSource>['run']>[0],
): Promise<void> {
  await createSource(parseSourceSpec(`pcap:${file}?pace=fast`), {
    clock: systemClock,
    logger: silentLogger,
  }).run(sink);
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
      });
      const did = uuid(0);
      await probe.applyDestination({
        dId: did,
        friendlyName: 'bench collector',
        deliveryType: 'X2Only',
        deliveryAddress: { kind: 'uri', value: j.uri },
        destinationDetailsExtensions: [],
      });
      for (let i = 0; i < TASKED; i++) {
        await probe.applyTask({
          xId: uuid(i + 1),
          targetIdentifiers: [
            i % 2 === 0
              ? { kind: 'imsi', value: labSubscriber(i).imsi }
              : { kind: 'sipUri', value: labSubscriber(i).sipUri },
          ],
          deliveryType: 'X2Only',
          listOfDIDs: { dIds: [did], dSIds: [] },
          taskDetailsExtensions: [],
        });
      }
      await new Promise((r) => setTimeout(r, 200));
      t = performance.now();
      await replay(j.file, (f) => probe.feed(f));
      const dest = probe.stats().destinations as { sent: number; dropped: number }[];
      const seconds = (performance.now() - t) / 1000;
      process.send!({
        decodeSeconds,
        decodeMessages: Object.values(decoder.counters.messages).reduce((a, b) => a + b, 0),
        seconds,
        frames: probe.counters.frames,
        messages: probe.counters.messages,
        reports: probe.counters.reports,
        dropped: dest[0]?.dropped ?? 0,
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

async function endToEnd(): Promise<readonly BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lix-bench-probe-'));
  const file = writeCapture(dir);
  const c = await startCollector({
    listen: ['eep+tcp://127.0.0.1:0'],
    outDir: join(dir, 'out'),
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
      child.send({ file, uri: c.listeners[0]!.text } satisfies Job);
    });
    // The collector may still be reading: wait for every report (TCP: nothing may be lost).
    const lagStart = performance.now();
    const end = Date.now() + 30_000;
    while (c.stats().totals.decoded < done.reports && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    const received = c.stats().totals.decoded;
    const seconds = done.seconds + (performance.now() - lagStart) / 1000;
    const rate = done.messages / seconds;
    const baseline = done.decodeMessages / done.decodeSeconds;
    return [
      {
        bench: 'probe.e2e.tcp',
        value: rate,
        unit: 'msg/s',
        baseline: 'probe.replay.decode',
        baselineValue: baseline,
        ratio: rate / baseline,
        extra: {
          frames: done.frames,
          messages: done.messages,
          reports: done.reports,
          received,
          lost: done.reports - received,
          dropped: done.dropped,
          tasks: TASKED,
        },
      },
    ];
  } finally {
    child.kill();
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.LIX_PROBE_BENCH_ROLE === 'probe') void probeRole();

const benches: Bench[] =
  process.env.LIX_PROBE_BENCH_ROLE === 'probe' ? [] : [{ name: 'probe.e2e', run: endToEnd }];
export default benches;
