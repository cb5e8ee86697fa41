// Key masking end to end, judged by tshark: generated traffic (S6a AIA with E-UTRAN, UTRAN and GERAN vectors;
// an S10 Context Response with an EPS MM Context) goes through the probe to (fake) STM senders; the reports,
// written as a capture, dissect without a warning and every key field tshark shows is the filler, in the same
// number as without masking. With masking switched off the keys go out as captured (the test can fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/logger.js';
import { Probe } from '../../src/probe/probe.js';
import { labSubscriber } from '../../src/probe/sources/population.js';
import { SyntheticGenerator } from '../../src/probe/sources/synthetic.js';
import { LINKTYPE } from '../../src/stm/pcapng-tables.js';
import { reportPacket } from '../../src/stm/report.js';
import { TcpSequencer } from '../../src/stm/tcp-sequencer.js';
import { classicPcap } from '../support/capture-files.js';
import { FakeClock } from '../support/fake-clock.js';
import { fakeSenders } from '../support/fake-senders.js';
import { destination, task, uuid } from '../support/x1-builders.js';
import { hasTool, skipUnless } from '../support/shared.js';

const skip = skipUnless(hasTool('tshark', ['-v']), 'tshark');
const dir = mkdtempSync(join(tmpdir(), 'lix-masking-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Every key field tshark 4.0 names in an S6a AIA and a GTPv2-C MM Context. */
const KEY_FIELDS = [
  'diameter.RAND',
  'diameter.XRES',
  'diameter.AUTN',
  'diameter.KASME',
  'diameter.Confidentiality-Key',
  'diameter.Integrity-Key',
  'diameter.SRES',
  'diameter.Kc',
  'gtpv2.mm_context_kasme',
  'gtpv2.mm_context_rand',
  'gtpv2.mm_context_xres',
  'gtpv2.mm_context_autn',
  'gtpv2.ck',
  'gtpv2.ik',
  'gtpv2.mm_context_nh',
  'gtpv2.mm_context_old_kasme',
  'gtpv2.mm_context.old_nh',
] as const;

// One subscriber, one task: the reports of one XID number each TCP flow consecutively (TcpSequencer).
const SUBSCRIBERS = 1;

/** The probe's reports for generated traffic with a task per subscriber IMSI, as a pcap file. */
async function deliveredCapture(name: string, maskKeys: boolean): Promise<{ file: string; probe: Probe }> {
  const senders = fakeSenders();
  const probe = new Probe({
    neId: 'ne-1',
    logger: silentLogger,
    clock: new FakeClock(),
    senders: senders.factory,
    maskKeys,
  });
  const did = uuid();
  const uri = 'eep+udp://127.0.0.1:9060';
  await probe.applyDestination(destination(did, { deliveryAddress: { kind: 'uri', value: uri } }));
  for (let i = 0; i < SUBSCRIBERS; i++)
    await probe.applyTask(
      task(uuid(), [did], { targetIdentifiers: [{ kind: 'imsi', value: labSubscriber(i).imsi }] }),
    );
  for (const f of new SyntheticGenerator({ subscribers: SUBSCRIBERS, seed: 21 }).generate(800)) probe.feed(f);
  const seq = new TcpSequencer();
  const frames = senders
    .last(uri)
    .reports.map((r) => ({ timestampMicros: r.timestampMicros, data: reportPacket(r, seq) }));
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, classicPcap(frames, { linkType: LINKTYPE.raw }));
  await probe.close();
  return { file, probe };
}

function tshark(file: string, args: readonly string[]): string {
  return execFileSync('tshark', ['-r', file, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** The values of every key field in the capture, by field. */
function keyValues(file: string): Map<string, string[]> {
  const args = ['-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=\t'];
  const out = tshark(file, [...args, ...KEY_FIELDS.flatMap((f) => ['-e', f])]);
  const values = new Map<string, string[]>(KEY_FIELDS.map((f) => [f, []]));
  for (const line of out.split('\n'))
    line.split('\t').forEach((cell, i) => {
      if (cell !== '') values.get(KEY_FIELDS[i]!)!.push(...cell.split(','));
    });
  return values;
}

test(
  'every key byte of the delivered AIA and Context Response is the filler; tshark still dissects them',
  { skip },
  async () => {
    const masked = await deliveredCapture('masked', true);
    const clear = await deliveredCapture('clear', false);
    assert.equal(tshark(masked.file, ['-Y', '_ws.malformed || _ws.expert.severity >= warning']), '');

    const m = keyValues(masked.file);
    const c = keyValues(clear.file);
    for (const f of KEY_FIELDS) {
      const got = m.get(f)!;
      assert.ok(got.length > 0, `${f} present in the masked capture`);
      assert.equal(got.length, c.get(f)!.length, `${f}: as many fields as without masking`);
      for (const v of got) assert.match(v, /^(00)+$/, `${f} = ${v}`);
      assert.ok(
        c.get(f)!.some((v) => !/^(00)+$/.test(v)),
        `${f}: without masking the keys go out as captured`,
      );
    }
    // The structure tshark shows is the same: every AVP and IE, with its length.
    const tree = (file: string) =>
      tshark(file, [
        '-V',
        '-O',
        'diameter,gtpv2',
        '-Y',
        'diameter.cmd.code == 318 || gtpv2.message_type == 131',
      ])
        .split('\n')
        .filter((l) => /AVP: |IE Length|Length: /.test(l))
        .map((l) => l.replace(/val=[0-9a-f]+$/, 'val=…'));
    assert.deepEqual(tree(masked.file), tree(clear.file));

    const counted = masked.probe.masker.counters;
    assert.ok(counted.fields.diameter > 0 && counted.fields.gtpv2 > 0, JSON.stringify(counted));
    assert.equal(counted.fields.sip, 0, 'the synthetic SIP carries no keys');
    assert.deepEqual(counted.dropped, { sip: 0, diameter: 0, gtpv2: 0 });
    assert.equal(clear.probe.masker.enabled, false);
    assert.equal(clear.probe.keyMaskingWarning()?.includes('OFF'), true);
    assert.equal(masked.probe.keyMaskingWarning(), undefined);
  },
);
