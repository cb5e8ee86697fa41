import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPackets } from '../../stm/capture-read.js';
import type { Frame } from '../messages.js';
import { FileSource } from './file-source.js';
import { SourceError } from './packet-source.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { hasTool, SHARED, skipUnless } from '../../../test/support/shared.js';
import { bytesOf, classicPcap, pcapngSection } from '../../../test/support/capture-files.js';

const SAMPLES = join(SHARED, 'samples');
const sample = (name: string) => join(SAMPLES, name);
const tmp = mkdtempSync(join(tmpdir(), 'lix-file-source-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** Polls (real time) until `cond` holds; fails after `ms`. */
async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

function collect(src: FileSource): { frames: Frame[]; done: Promise<void> } {
  const frames: Frame[] = [];
  return { frames, done: src.run((f) => frames.push(f)) };
}

test('fast replay of every sample delivers as many frames as capinfos counts', async (t) => {
  const skip = skipUnless(hasTool('capinfos', ['-h']), 'capinfos');
  if (skip) return t.skip(skip);
  for (const name of readdirSync(SAMPLES).filter((f) => /\.pcap(ng)?$/.test(f))) {
    const expected = Number(
      execFileSync('capinfos', ['-c', '-M', '-T', '-r', sample(name)], { encoding: 'utf8' })
        .trim()
        .split('\t')
        .at(-1),
    );
    const src = new FileSource({ path: sample(name), loop: false, pace: 'fast' });
    const { frames, done } = collect(src);
    await done;
    assert.equal(frames.length, expected, name);
    assert.deepEqual(src.counters, {
      frames: expected,
      bytes: src.counters.bytes,
      loops: 1,
      errors: 0,
      gapsCapped: 0,
      gapsBackward: 0,
    });
    assert.equal(
      src.counters.bytes,
      frames.reduce((n, f) => n + f.data.length, 0),
    );
  }
});

test('loop restarts at the end and counts passes; stop() inside the sink ends the run', async () => {
  const src = new FileSource({ path: sample('diameter-cx-tcp.pcap'), loop: true, pace: 'fast' });
  const frames: Frame[] = [];
  const rewinds: number[] = [];
  await src.run(
    (f) => {
      frames.push(f);
      if (frames.length === 35) void src.stop();
    },
    { rewind: () => rewinds.push(frames.length) },
  );
  assert.equal(frames.length, 35);
  assert.equal(src.counters.loops, 2);
  assert.deepEqual(rewinds, [14, 28], 'the consumer hears of each new pass before its first frame');
  const original = [...readPackets(readFileSync(sample('diameter-cx-tcp.pcap')))];
  assert.deepEqual(frames[14]!.data, original[0]!.data, 'the second pass starts with the first frame');
});

const T0 = 1_700_000_000_000_000n;
const paced = [0n, 500_000n, 1_500_000n, 101_500_000n, 50_000_000n];

test('pace original: the capture gaps 1:1 on the clock, a gap over 1 s capped, a backward step not waited; frames stamped with the clock', async () => {
  const path = join(tmp, 'paced.pcap');
  writeFileSync(path, classicPcap(paced.map((d, i) => ({ timestampMicros: T0 + d, data: bytesOf(28, i) }))));
  const clock = new FakeClock();
  const start = clock.nowMicros();
  const src = new FileSource({ path, loop: false, pace: 'original' }, { clock });
  const { frames, done } = collect(src);
  await waitFor(() => frames.length === 1 && clock.pending === 1);
  await clock.advance(499);
  assert.equal(frames.length, 1);
  await clock.advance(1);
  assert.equal(frames.length, 2);
  await clock.advance(1000);
  assert.equal(frames.length, 3);
  await clock.advance(999);
  assert.equal(frames.length, 3);
  await clock.advance(1);
  await waitFor(() => frames.length === 5);
  await done;
  assert.deepEqual(
    frames.map((f) => f.timestampMicros - start),
    [0n, 500_000n, 1_500_000n, 2_500_000n, 2_500_000n],
  );
  assert.deepEqual(
    frames.map((f) => f.data[0]),
    [0, 1, 2, 3, 4],
  );
  assert.equal(src.counters.gapsCapped, 1);
  assert.equal(src.counters.gapsBackward, 1);
});

test('pace fast: no waiting on the clock, every frame stamped with the current time', async () => {
  const path = join(tmp, 'fast.pcap');
  writeFileSync(path, classicPcap(paced.map((d, i) => ({ timestampMicros: T0 + d, data: bytesOf(28, i) }))));
  const clock = new FakeClock();
  const src = new FileSource({ path, loop: false, pace: 'fast' }, { clock });
  const { frames, done } = collect(src);
  await done;
  assert.equal(frames.length, 5);
  assert.ok(frames.every((f) => f.timestampMicros === clock.nowMicros()));
  assert.equal(clock.pending, 0);
});

test('junk timestamps (year 2092, gaps of years) replay with every gap capped', async () => {
  const clock = new FakeClock();
  const src = new FileSource(
    { path: sample('sip-call-ipv6-udp.pcap'), loop: false, pace: 'original' },
    { clock },
  );
  const { frames, done } = collect(src);
  await waitFor(() => frames.length === 1);
  for (let i = 0; i < 6 && frames.length < 6; i++) {
    await waitFor(() => clock.pending === 1 || frames.length === 6);
    await clock.advance(1000);
  }
  await done;
  assert.equal(frames.length, 6);
  assert.ok(src.counters.gapsCapped + src.counters.gapsBackward >= 1);
});

test('a truncated copy of a sample: the good frames, one error, then the end (or the next pass)', async () => {
  const whole = readFileSync(sample('diameter-cx-tcp.pcap'));
  const cut = whole.subarray(0, 3000);
  const path = join(tmp, 'truncated.pcap');
  writeFileSync(path, cut);
  const good: unknown[] = [];
  assert.throws(() => {
    for (const p of readPackets(cut)) good.push(p);
  });
  assert.ok(good.length > 0 && good.length < 14);
  const once = new FileSource({ path, loop: false, pace: 'fast' });
  const { frames, done } = collect(once);
  await done;
  assert.equal(frames.length, good.length);
  assert.equal(once.counters.errors, 1);
  assert.equal(once.counters.loops, 1);

  const looping = new FileSource({ path, loop: true, pace: 'fast' });
  const seen: Frame[] = [];
  await looping.run((f) => {
    seen.push(f);
    if (seen.length === 2 * good.length + 1) void looping.stop();
  });
  assert.equal(looping.counters.errors, 2);
  assert.equal(looping.counters.loops, 2);
});

test('a file with no frames at all does not loop forever', async () => {
  const path = join(tmp, 'junk.pcap');
  writeFileSync(path, bytesOf(64, 0x55));
  const src = new FileSource({ path, loop: true, pace: 'fast' });
  await src.run(() => assert.fail('no frame expected'));
  assert.equal(src.counters.errors, 1);
  assert.equal(src.counters.frames, 0);
});

test('pcapng with two interfaces: each frame keeps its interface link type', async () => {
  const path = join(tmp, 'two-ifaces.pcapng');
  writeFileSync(
    path,
    pcapngSection(
      true,
      [{ linkType: 1 }, { linkType: 101, tsresol: 9 }],
      [
        { iface: 0, raw: 1_000_000n, data: bytesOf(60, 1) },
        { iface: 1, raw: 1_000_001_000n, data: bytesOf(40, 2) },
        { iface: 0, raw: 1_000_002n, data: bytesOf(60, 3) },
      ],
    ),
  );
  const src = new FileSource({ path, loop: false, pace: 'fast' });
  const { frames, done } = collect(src);
  await done;
  assert.deepEqual(
    frames.map((f) => [f.linkType, f.data[0]]),
    [
      [1, 1],
      [101, 2],
      [1, 3],
    ],
  );
});

test('stop() during an original-pace wait ends the run at once', async () => {
  const clock = new FakeClock();
  const src = new FileSource(
    { path: sample('lte-roaming-diameter-gtpv2-s1ap.pcapng'), loop: true, pace: 'original' },
    { clock },
  );
  const { frames, done } = collect(src);
  await waitFor(() => clock.pending === 1);
  const before = frames.length;
  await src.stop();
  await done;
  assert.equal(frames.length, before);
  assert.ok(before < 240);
  assert.equal(clock.pending, 0);
  await src.stop();
});

test('a missing file rejects with SourceError open; a second run is refused', async () => {
  const src = new FileSource({ path: join(tmp, 'nope.pcap'), loop: false, pace: 'fast' });
  await assert.rejects(
    src.run(() => undefined),
    (e: unknown) => e instanceof SourceError && e.kind === 'open' && /nope\.pcap/.test(e.message),
  );
  await assert.rejects(
    src.run(() => undefined),
    (e: unknown) => e instanceof SourceError && e.kind === 'busy',
  );
});

test('a replay alone keeps the process alive until its last frame (the clock timers do not)', async () => {
  const path = join(tmp, 'alone.pcap');
  writeFileSync(
    path,
    classicPcap([0n, 300_000n].map((d, i) => ({ timestampMicros: T0 + d, data: bytesOf(28, i) }))),
  );
  const script = [
    `import { FileSource } from ${JSON.stringify(join(import.meta.dirname, 'file-source.ts'))};`,
    `const src = new FileSource({ path: ${JSON.stringify(path)}, loop: false, pace: 'original' });`,
    'await src.run(() => undefined);',
    'process.stdout.write(String(src.counters.frames));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '../../..'),
  });
  assert.equal(out, '2');
});
