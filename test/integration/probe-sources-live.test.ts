// Live capture through tcpdump on the loopback interface: UDP datagrams sent to 127.0.0.1 come out of the
// source as Ethernet frames; a missing interface, a bad filter and a missing tcpdump are clear errors, not
// hangs. Needs root and tcpdump (CI runs as root with tcpdump installed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { LINKTYPE } from '../../src/stm/pcapng-tables.js';
import { parseIpPacket, ipOfFrame } from '../../src/stm/packet.js';
import { LiveSource } from '../../src/probe/sources/live-source.js';
import { SourceError } from '../../src/probe/sources/packet-source.js';
import type { Frame } from '../../src/probe/messages.js';
import { hasTool, skipUnless } from '../support/shared.js';

const isRoot = process.getuid?.() === 0;
const skip =
  skipUnless(hasTool('tcpdump', ['--version']), 'tcpdump') ?? skipUnless(isRoot, 'root (to capture)');

/**
 * Runs `src`, calling `send` every 20 ms once it listens, until `enough()` or `ms` pass; then stops the source
 * and closes the sockets.
 */
async function captureWhile(
  src: LiveSource,
  onFrame: (f: Frame) => void,
  send: () => void,
  enough: () => boolean,
  ms: number,
  sockets: { close(): void }[],
): Promise<void> {
  const done = src.run(onFrame);
  const deadline = Date.now() + ms;
  try {
    while (!enough() && Date.now() < deadline) {
      if (src.isListening) send();
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await src.stop();
    await done;
    for (const s of sockets) s.close();
  }
}

const isCaptureError = (why: RegExp) => (e: unknown) =>
  e instanceof SourceError && e.kind === 'capture' && why.test(e.message);

test('datagrams sent to 127.0.0.1 are captured on lo as frames', { skip, timeout: 10_000 }, async () => {
  const receiver = createSocket('udp4');
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', r));
  const port = receiver.address().port;
  const src = new LiveSource({ name: 'lo', all: true, filter: `udp and dst port ${port}` });
  const frames: Frame[] = [];
  const sender = createSocket('udp4');
  let i = 0;
  await captureWhile(
    src,
    (f) => frames.push(f),
    () => sender.send(`lix probe test ${i++}`, port, '127.0.0.1'),
    () => frames.length >= 3,
    5000,
    [sender, receiver],
  );
  assert.ok(frames.length >= 3, `${frames.length} frames`);
  for (const f of frames) {
    assert.equal(f.linkType, LINKTYPE.ethernet);
    const p = parseIpPacket(ipOfFrame(f.linkType, f.data)!);
    assert.equal(p.dstPort, port);
    assert.match(new TextDecoder().decode(p.payload), /^lix probe test \d+$/);
    assert.ok(Math.abs(Number(f.timestampMicros / 1000n) - Date.now()) < 10_000, 'capture time is now');
  }
  assert.equal(src.counters.frames, frames.length);
  assert.equal(src.counters.errors, 0);
});

test(
  'the compiled filter: tcpdump takes it, keeps the SIP port and leaves out other ports',
  { skip, timeout: 15_000 },
  async () => {
    const receiver = createSocket('udp4');
    await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', r));
    const sipPort = receiver.address().port;
    const otherPort = sipPort === 65535 ? sipPort - 1 : sipPort + 1;
    const src = new LiveSource({ name: 'lo', ports: { sip: [sipPort] } });
    const ports: number[] = [];
    const sender = createSocket('udp4');
    await captureWhile(
      src,
      (f) => ports.push(parseIpPacket(ipOfFrame(f.linkType, f.data)!).dstPort ?? 0),
      () => {
        sender.send('OPTIONS sip:x@127.0.0.1 SIP/2.0', sipPort, '127.0.0.1');
        sender.send('not inspected', otherPort, '127.0.0.1');
      },
      () => ports.filter((p) => p === sipPort).length >= 3,
      8000,
      [sender, receiver],
    );
    assert.ok(ports.filter((p) => p === sipPort).length >= 3, `captured: ${ports.join(',')}`);
    assert.deepEqual(
      ports.filter((p) => p !== sipPort),
      [],
      'nothing on the port the probe does not inspect',
    );
    assert.equal(src.counters.errors, 0);
  },
);

test('a missing interface is a capture error naming it', { skip, timeout: 10_000 }, async () => {
  const src = new LiveSource({ name: 'nosuchif0' });
  await assert.rejects(
    src.run(() => undefined),
    isCaptureError(/nosuchif0/),
  );
});

test('a filter tcpdump cannot compile is a capture error', { skip, timeout: 10_000 }, async () => {
  const src = new LiveSource({ name: 'lo', all: true, filter: 'udp port banana' });
  await assert.rejects(
    src.run(() => undefined),
    isCaptureError(/banana|syntax|illegal|unknown/i),
  );
});

test('without tcpdump on the PATH: a no-tcpdump error', async () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const src = new LiveSource({ name: 'lo' });
    await assert.rejects(
      src.run(() => undefined),
      (e: unknown) => e instanceof SourceError && e.kind === 'no-tcpdump',
    );
  } finally {
    process.env.PATH = path;
  }
});

test('stop() before run() means run() ends at once', async () => {
  const src = new LiveSource({ name: 'lo' });
  await src.stop();
  await src.run(() => assert.fail('no frame expected'));
});
