// The probe at line rate, live: SIPp calls over loopback (a UAS and a UAC whose callers come from an
// injection file, one call in TARGET_EVERY by the target), `lix ne --source iface:lo` tasked over X1 on the
// target and delivering over eep+tcp to `lix collector`, and an independent `tcpdump -B 16384` of the same
// traffic. tshark reads both captures: every SIP message of the target's dialogs that the independent
// tcpdump saw is in the collector's PCAPng, in the same order per dialog, and no message of another caller
// is. Needs root (capture), tcpdump, tshark and sipp. It runs alone, after the other test files
// (scripts/test.mjs: *.alone.test.ts), so that no neighbour takes its CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testLink, until } from '../support/admf-helpers.js';
import { startLix } from '../support/daemon.js';
import { freePort } from '../support/nginx.js';
import { startNeProcess, stopNeProcess } from '../support/ne-process.js';
import { getTestPki } from '../support/pki.js';
import { hasTool, skipUnless } from '../support/shared.js';
import { dialogs, sipRows, sipRowsInParallel } from '../support/sip-tshark.js';
import { hasSipp, MESSAGES_PER_CALL, startSippUac, startSippUas, writeSippFiles } from '../support/sipp.js';
import { destination, task, uuid } from '../support/x1-builders.js';

/**
 * Calls per second and seconds of calling (issue #18: 1,000 calls/s for 30 s). LIX_LIVE_RATE and
 * LIX_LIVE_SOURCE (a source spec) change them for a measurement (docs/probe.md "Capacity").
 */
const RATE = Number(process.env.LIX_LIVE_RATE ?? 1_000);
const SECONDS = 30;
/** One call in TARGET_EVERY is made by the target. */
const TARGET_EVERY = 10;
const CALLERS = 1_000;
const TARGET = 'target';
/** The NE's source: loopback, SIP inspected on the UAS port. */
const SOURCE = (sipPort: number) => process.env.LIX_LIVE_SOURCE ?? `iface:lo?sip=${sipPort}`;

const isRoot = process.getuid?.() === 0;
const skip =
  skipUnless(hasSipp(), 'sipp (Debian sip-tester)') ??
  skipUnless(hasTool('tcpdump', ['--version']), 'tcpdump') ??
  skipUnless(hasTool('tshark', ['--version']), 'tshark') ??
  skipUnless(isRoot, 'root (to capture)');

/** The independent capture: tcpdump writing a file; resolves once it listens. */
async function referenceCapture(file: string, port: number) {
  const child = spawn(
    'tcpdump',
    ['-i', 'lo', '-B', '16384', '-n', '-s', '0', '-w', file, `udp port ${port}`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  await until('the reference tcpdump listens', () => stderr.includes('listening on'), 10_000);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    async stop(): Promise<string> {
      child.kill('SIGTERM');
      await exited;
      return stderr;
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The process's children (the NE's tcpdump). */
function childrenOf(pid: number | undefined): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The NE's count of decoded messages, from its Prometheus endpoint. */
async function neMessages(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return Number(/^lix_probe_events_total\{event="message"\} (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Waits until the NE has decoded nothing new for a second: it has read what was captured. */
async function drained(metricsPort: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let last = -1;
  for (;;) {
    const now = await neMessages(metricsPort);
    if (now === last || Date.now() > end) return;
    last = now;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const figure = (text: string, what: string) => Number(new RegExp(`(\\d+) packets? ${what}`).exec(text)?.[1]);

/** The NE's last `probe source ended` log object. */
function lastSourceLog(lines: readonly string[]): Record<string, Record<string, number>> | undefined {
  const line = lines.findLast((l) => l.includes('"probe source ended"'));
  return line === undefined ? undefined : (JSON.parse(line) as Record<string, Record<string, number>>);
}

test(
  `live SIPp at ${RATE} calls/s: the collector has every message of the target's dialogs, in order, and no other`,
  { skip, timeout: 150_000 },
  async () => {
    const pki = await getTestPki();
    const ne = pki.identities['ne-1']!;
    const dir = mkdtempSync(join(tmpdir(), 'lix-live-sipp-'));
    const out = join(dir, 'out');
    const uasPort = await freePort();
    const uacPort = await freePort();
    const metricsPort = await freePort();
    const collector = startLix(['collector', '--listen', 'eep+tcp://127.0.0.1:0', '--out', out]);
    const neLog: string[] = [];
    let nep: Awaited<ReturnType<typeof startNeProcess>> | undefined;
    let reference: Awaited<ReturnType<typeof referenceCapture>> | undefined;
    const sipp: { kill(): void }[] = [];
    try {
      const uri = /listening on (eep\+tcp:\/\/\S+)/.exec(
        await collector.waitFor(/listening on eep\+tcp/),
      )![1]!;
      reference = await referenceCapture(join(dir, 'reference.pcap'), uasPort);
      nep = await startNeProcess({
        certFile: ne.certFile,
        keyFile: ne.keyFile,
        caFile: pki.caFile,
        dataDir: join(dir, 'ne'),
        onLog: (l) => neLog.push(l),
        extraArgs: ['--source', SOURCE(uasPort), '--metrics-listen', `127.0.0.1:${metricsPort}`],
      });
      await until('the NE capture listens', () => neLog.some((l) => l.includes('capture listening')), 15_000);
      const t = await testLink(nep.url);
      try {
        const did = uuid();
        const d = await t.link.request({
          type: 'CreateDestinationRequest',
          destinationDetails: destination(did, { deliveryAddress: { kind: 'uri', value: uri } }),
        });
        assert.equal(d.response.type, 'CreateDestinationResponse');
        const a = await t.link.request({
          type: 'ActivateTaskRequest',
          taskDetails: task(uuid(), [did], {
            targetIdentifiers: [{ kind: 'sipUri', value: `sip:${TARGET}@127.0.0.1` }],
          }),
        });
        assert.equal(a.response.type, 'ActivateTaskResponse');
      } finally {
        await t.close();
      }

      const files = writeSippFiles(dir, TARGET, CALLERS, TARGET_EVERY);
      const uas = startSippUas(uasPort);
      sipp.push(uas.child);
      await new Promise((r) => setTimeout(r, 300));
      const nePid = nep.child.pid;
      const capturePid = childrenOf(nePid)[0];
      const cpu0 = [cpuSeconds(nePid), cpuSeconds(capturePid)];
      const started = Date.now();
      const uac = startSippUac(files, {
        uasPort,
        localPort: uacPort,
        rate: RATE,
        calls: RATE * SECONDS,
        timeoutS: SECONDS + 30,
      });
      sipp.push(uac.child);
      const uacCode = await uac.exited;
      const seconds = (Date.now() - started) / 1000;
      // Let the NE read what is still in its capture buffer before stopping it: tcpdump, stopped, would
      // drop those packets uncounted. Its close then drains the senders.
      await drained(metricsPort, 30_000);
      const lag = (Date.now() - started) / 1000 - seconds;
      const cpu = [cpuSeconds(nePid) - cpu0[0]!, cpuSeconds(capturePid) - cpu0[1]!];
      uas.child.kill('SIGTERM');
      await uas.exited;
      await stopNeProcess(nep, 'SIGTERM');
      const refStderr = await reference.stop();
      reference = undefined;
      collector.child.kill('SIGTERM');
      await collector.exited;

      const judging = Date.now();
      const outFiles = readdirSync(out)
        .filter((f) => f.endsWith('.pcapng'))
        .sort((x, y) => Number(/-(\d+)\.pcapng$/.exec(x)?.[1]) - Number(/-(\d+)\.pcapng$/.exec(y)?.[1]))
        .map((f) => join(out, f));
      // The reference in two halves on the two cores; the collector's files alongside.
      const [all, got] = await Promise.all([
        sipRowsInParallel(join(dir, 'reference.pcap'), figure(refStderr, 'captured'), uasPort, 2),
        sipRows(outFiles, uasPort),
      ]);
      const expected = all.filter((r) => r.fromUser === TARGET);
      const src = lastSourceLog(neLog);
      const judged = (Date.now() - judging) / 1000;
      const want = dialogs(expected);
      const have = dialogs(got);
      let lost = 0;
      let misordered = 0;
      for (const [callId, steps] of want) {
        const h = have.get(callId) ?? [];
        const left = [...steps];
        for (const s of h) {
          const i = left.indexOf(s);
          if (i >= 0) left.splice(i, 1);
        }
        lost += left.length;
        if (left.length === 0 && h.join() !== steps.join()) misordered++;
      }
      const others = got.filter((r) => r.fromUser !== TARGET).length;
      const line = [
        `live SIPp: ${RATE * SECONDS} calls in ${seconds.toFixed(1)} s (${((RATE * SECONDS) / seconds).toFixed(0)} calls/s, sipp exit ${uacCode})`,
        `reference tcpdump: ${figure(refStderr, 'captured')} captured, ${figure(refStderr, 'dropped by kernel')} dropped by kernel`,
        `NE capture: ${src?.source?.captured} captured, ${src?.source?.droppedByKernel} dropped by kernel, ${src?.source?.frames} frames read in ${src?.source?.reads} reads; probe ${JSON.stringify(src?.probe)}`,
        `target: ${expected.length} messages in ${want.size} dialogs in the reference, ${got.length} in the collector (${outFiles.length} files); lost ${lost}, dialogs out of order ${misordered}, messages of others ${others}`,
        `NE CPU ${cpu[0]!.toFixed(1)} s (${((RATE * SECONDS * MESSAGES_PER_CALL) / cpu[0]!).toFixed(0)} SIP messages per CPU second), its tcpdump ${cpu[1]!.toFixed(1)} s; caught up ${lag.toFixed(1)} s after the last call`,
        `source ${SOURCE(uasPort)}; tshark judged in ${judged.toFixed(1)} s`,
      ];
      console.log(line.join('\n'));
      assert.ok(
        expected.length >= (RATE * SECONDS * MESSAGES_PER_CALL * 0.9) / TARGET_EVERY,
        `the reference holds the target's traffic (${expected.length} messages)`,
      );
      assert.equal(others, 0, 'no message of another caller');
      assert.equal(lost, 0, 'no message of the target lost');
      assert.equal(misordered, 0, "each dialog's messages in order");
      assert.equal(got.length, expected.length, 'nothing delivered twice');
    } finally {
      for (const s of sipp) s.kill();
      await reference?.stop();
      if (nep) await stopNeProcess(nep);
      collector.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
