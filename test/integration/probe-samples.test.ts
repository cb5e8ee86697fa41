// Acceptance test of the probe's matching on every sample capture: tasks on identities that occur in it
// deliver exactly the messages that belong to them. tshark computes the expected set on its own (display
// filters: identity → its sessions → their messages, test/support/probe-judge.ts) and reads the SIP,
// Diameter and GTPv2-C the collector wrote for each XID; the two lists of message tuples must be equal,
// as multisets and in order. A replay with damaged frames still delivers the rest and counts the damage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../src/collector/collector.js';
import { fileKey } from '../../src/collector/sink.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Probe } from '../../src/probe/probe.js';
import { createSource, parseSourceSpec } from '../../src/probe/sources/source.js';
import type { DecodeCounters } from '../../src/probe/decode/decoder.js';
import { readPackets } from '../../src/stm/capture-read.js';
import type { TargetIdentifier } from '../../src/x1/model.js';
import { until } from '../support/admf-helpers.js';
import { classicPcap } from '../support/capture-files.js';
import { collectedMessages, expectedMessages, Sharkd, type JudgedMessage } from '../support/probe-judge.js';
import { CAPTURES } from '../support/probe-sample-tasks.js';
import { hasTool, SHARED, skipUnless } from '../support/shared.js';
import { destination, task, uuid } from '../support/x1-builders.js';
import { stmSenders } from '../../src/transport/stm-sender.js';

const SAMPLES = join(SHARED, 'samples');
const tsharkSkip = skipUnless(hasTool('tshark', ['-v']) && hasTool('sharkd', ['-v']), 'tshark (with sharkd)');

let collector: Collector | undefined;
/** One judge per sample capture. */
const judges: Sharkd[] = [];
let dir = '';
const did = uuid();
/** tshark's expected messages per capture and task, computed while the probe runs (see `before`). */
const expectations = new Map<string, Promise<JudgedMessage[]>>();
const keyOf = (capture: string, i: number) => `${capture}#${i}`;

before(async () => {
  if (tsharkSkip) return;
  dir = mkdtempSync(join(tmpdir(), 'lix-probe-samples-'));
  collector = await startCollector({
    listen: ['eep+udp://127.0.0.1:0'],
    outDir: join(dir, 'captures'),
    split: 'xid',
    logger: silentLogger,
  });
  for (const [name, cases] of Object.entries(CAPTURES)) {
    const judge = new Sharkd(join(SAMPLES, name));
    judges.push(judge);
    for (const [i, c] of cases.entries()) {
      const p = expectedMessages(judge, c.identity);
      p.catch(() => undefined); // awaited (and thrown) by the capture's test
      expectations.set(keyOf(name, i), p);
    }
  }
});

after(async () => {
  await collector?.stop();
  for (const j of judges) j.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** A probe with one destination (the collector) and one task per target list; replays `file` fast. */
async function replay(file: string, tasks: readonly { xid: string; targets: TargetIdentifier[] }[]) {
  const c = collector!;
  const probe = new Probe({ neId: 'ne-1', logger: silentLogger, clock: systemClock, senders: stmSenders() });
  await probe.applyDestination(
    destination(did, { deliveryAddress: { kind: 'uri', value: c.listeners[0]!.text } }),
  );
  for (const { xid, targets } of tasks) {
    const t = task(xid, [did], { targetIdentifiers: targets });
    assert.equal(probe.checkTask(t), undefined, `task accepted: ${JSON.stringify(targets)}`);
    await probe.applyTask(t);
  }
  const decodedBefore = c.stats().totals.decoded;
  await createSource(parseSourceSpec(`pcap:${file}?pace=fast`), {
    clock: systemClock,
    logger: silentLogger,
  }).run((f) => probe.feed(f));
  await until(
    'the collector has every report',
    () => c.stats().totals.decoded >= decodedBefore + probe.counters.reports,
    10_000,
  );
  c.flush();
  return probe;
}

/** The message tuples the collector wrote for `xid` (none when it wrote no file for it). */
async function collectedFor(xid: string): Promise<string[]> {
  const prefix = `${fileKey(xid)}-`;
  const files = readdirSync(join(dir, 'captures')).filter((f) => f.startsWith(prefix));
  assert.ok(files.length <= 1, `one file for ${xid}: ${files.join(', ')}`);
  if (files[0] === undefined) return [];
  const path = join(dir, 'captures', files[0]);
  return collectedMessages(path);
}

function assertSameMessages(got: readonly string[], want: readonly JudgedMessage[], what: string): void {
  const tuples = want.map((m) => m.tuple);
  assert.deepEqual([...got].sort(), [...tuples].sort(), `${what}: the same messages`);
  assert.deepEqual(got, tuples, `${what}: in capture order`);
}

for (const [name, cases] of Object.entries(CAPTURES)) {
  test(
    `${name}: every task gets exactly the messages tshark assigns to its identity`,
    { skip: tsharkSkip, timeout: 30_000 },
    async () => {
      const xids = cases.map(() => uuid());
      const probe = await replay(
        join(SAMPLES, name),
        cases.map((c, i) => ({ xid: xids[i]!, targets: c.targets })),
      );
      try {
        const expected = await Promise.all(cases.map((_, i) => expectations.get(keyOf(name, i))!));
        const got = await Promise.all(xids.map(collectedFor));
        for (const [i, c] of cases.entries()) {
          assert.equal(expected[i]!.length, c.count, `tshark's count for ${c.what}`);
          assertSameMessages(got[i]!, expected[i]!, `${name}, ${c.what}`);
        }
        const total = expected.reduce((n, e) => n + e.length, 0);
        assert.equal(probe.counters.reports, total, 'one report per expected message');
        assert.equal(probe.counters.malformed, 0);
        assert.equal(probe.counters.internalErrors, 0);
      } finally {
        await probe.close();
      }
    },
  );
}

const SLL_LINKTYPE = 113;
/** Offsets in the messages damaged below (RFC 6733 §3, §4.1; TS 29.274 §5.5.1, §8.2.1). */
const DIAMETER_HEADER = 20;
const AVP_LENGTH_AT = 5;
const GTPV2_HEADER_WITH_TEID = 12;
const IE_LENGTH_AT = 1;
/** Linux SLL (LINKTYPE 113) header, then IPv4 (IHL in 32-bit words), TCP (data offset) or UDP (8 octets). */
const SLL_HEADER = 16;
const UDP_HEADER = 8;
const IP_PROTO_TCP = 6;
function transportPayloadOffset(frame: Uint8Array): number {
  const ip = SLL_HEADER;
  const l4 = ip + (frame[ip]! & 0x0f) * 4;
  return frame[ip + 9] === IP_PROTO_TCP ? l4 + (frame[l4 + 12]! >> 4) * 4 : l4 + UDP_HEADER;
}

test(
  'damaged frames: the rest of the subscriber’s messages are delivered, the damage is counted, the probe goes on',
  { skip: tsharkSkip, timeout: 30_000 },
  async () => {
    const name = 'lte-nsa-attach-gtpv2-diameter.pcap';
    const frames = [...readPackets(readFileSync(join(SAMPLES, name)))];
    assert.ok(frames.every((f) => f.linkType === SLL_LINKTYPE));
    const data = frames.map((f) => Uint8Array.from(f.data));
    // Frame 30, the ULA (Diameter over TCP): its first AVP claims 2^24-1 octets. The header is intact, so
    // the TCP stream still frames; the inspector refuses the message.
    const ula = data[30 - 1]!;
    ula.set([0xff, 0xff, 0xff], transportPayloadOffset(ula) + DIAMETER_HEADER + AVP_LENGTH_AT);
    // Frame 39, the first Modify Bearer Request (GTPv2-C): its first IE runs past the message.
    const mbr = data[39 - 1]!;
    mbr.set([0xff, 0xff], transportPayloadOffset(mbr) + GTPV2_HEADER_WITH_TEID + IE_LENGTH_AT);
    // Frame 45, the second Modify Bearer Request: cut short inside its GTPv2-C header.
    data[45 - 1] = data[45 - 1]!.subarray(0, transportPayloadOffset(data[45 - 1]!) + 6);
    const file = join(dir, 'damaged.pcap');
    writeFileSync(
      file,
      classicPcap(
        frames.map((f, i) => ({ timestampMicros: f.timestampMicros, data: data[i]! })),
        { linkType: SLL_LINKTYPE },
      ),
    );
    const damaged = new Set([30, 39, 45]);

    const xid = uuid();
    const probe = await replay(file, [{ xid, targets: CAPTURES[name]![0]!.targets }]);
    try {
      const all = await expectations.get(keyOf(name, 0))!;
      const rest = all.filter((m) => !damaged.has(m.frame));
      assert.equal(rest.length, all.length - damaged.size, 'the three damaged messages were the target’s');
      assertSameMessages(await collectedFor(xid), rest, 'damaged capture');
      const stats = probe.stats() as { probe: typeof probe.counters; decoder: DecodeCounters };
      assert.equal(stats.probe.frames, frames.length, 'every frame was fed');
      assert.equal(stats.probe.malformed, 2, 'the Diameter and GTPv2-C messages the inspectors refused');
      assert.equal(stats.decoder.malformed, 1, 'the frame cut short');
      assert.equal(stats.decoder.malformedByReason.get('gtpv2-length'), 1, 'its GTPv2-C header does not fit');
      assert.equal(stats.probe.internalErrors, 0);
      assert.equal(stats.probe.reports, rest.length);
    } finally {
      await probe.close();
    }
  },
);
