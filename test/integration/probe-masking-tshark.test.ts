// Key masking end to end, judged by tshark: generated traffic (S6a AIA with E-UTRAN, UTRAN and GERAN vectors;
// Cx MAA; the IMS AKA 401 and the REGISTER answering it; an S10 Context Response with an EPS MM Context) goes
// through the probe to (fake) STM senders; the reports, written as a capture, dissect without a warning, every
// key field tshark names shows the filler, as many of them as without masking, and the AVP/IE tree with its
// lengths is unchanged. With masking switched off the keys go out as captured (the judge can fail).
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

/** Every key field tshark 4.0 names in an S6a AIA, a Cx MAA, a GTPv2-C MM Context and IMS AKA SIP. */
const KEY_FIELDS = [
  'diameter.RAND',
  'diameter.XRES',
  'diameter.AUTN',
  'diameter.KASME',
  'diameter.Confidentiality-Key',
  'diameter.Integrity-Key',
  'diameter.SRES',
  'diameter.Kc',
  'diameter.3GPP-SIP-Authenticate',
  'diameter.3GPP-SIP-Authorization',
  'gtpv2.mm_context_kasme',
  'gtpv2.mm_context_rand',
  'gtpv2.mm_context_xres',
  'gtpv2.mm_context_autn',
  'gtpv2.ck',
  'gtpv2.ik',
  'gtpv2.mm_context_nh',
  'gtpv2.mm_context_old_kasme',
  'gtpv2.mm_context.old_nh',
  'sip.auth.nonce',
  'sip.auth.digest.response',
  'sip.auth.ik',
  'sip.auth.ck',
] as const;
type KeyField = (typeof KEY_FIELDS)[number];

/** The filler as tshark shows a field: hex octets 00, or the quoted SIP value of `A`s (base64) or `0`s. */
const FILLER: Partial<Record<KeyField, RegExp>> = {
  'sip.auth.nonce': /^"A*=*"$/,
  'sip.auth.digest.response': /^"0*"$/,
  'sip.auth.ik': /^"0+"$/,
  'sip.auth.ck': /^"0+"$/,
};
const isFiller = (f: KeyField, v: string) => (FILLER[f] ?? /^(00)+$/).test(v);

/**
 * The probe's reports for generated traffic of one subscriber, intercepted by its IMSI (S6a, GTPv2-C) and by
 * its IMPU (REGISTER, Cx UAR/MAR): two tasks on distinct flows, so that each XID's TCP flows read as streams.
 */
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
  const sub = labSubscriber(0);
  for (const target of [
    { kind: 'imsi', value: sub.imsi },
    { kind: 'sipUri', value: sub.sipUri },
  ] as const)
    await probe.applyTask(task(uuid(), [did], { targetIdentifiers: [target] }));
  for (const f of new SyntheticGenerator({ subscribers: 1, seed: 21 }).generate(800)) probe.feed(f);
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
function keyValues(file: string): Map<KeyField, string[]> {
  const args = ['-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=\t'];
  const out = tshark(file, [...args, ...KEY_FIELDS.flatMap((f) => ['-e', f])]);
  const values = new Map<KeyField, string[]>(KEY_FIELDS.map((f) => [f, []]));
  for (const line of out.split('\n'))
    line.split('\t').forEach((cell, i) => {
      if (cell !== '') values.get(KEY_FIELDS[i]!)!.push(...cell.split(','));
    });
  return values;
}

/** What tshark shows of every AVP and IE, with its length (values of key AVPs left out). */
const tree = (file: string) =>
  tshark(file, [
    '-V',
    '-O',
    'diameter,gtpv2',
    '-Y',
    'diameter.cmd.code == 303 || diameter.cmd.code == 318 || gtpv2.message_type == 131',
  ])
    .split('\n')
    .filter((l) => /AVP: |IE Length|Length: /.test(l))
    .map((l) => l.replace(/val=[0-9a-f]+$/, 'val=…'));

test(
  'every key field of the delivered signalling is the filler; tshark dissects it as before',
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
      for (const v of got) assert.ok(isFiller(f, v), `${f} = ${v}`);
      assert.ok(
        c.get(f)!.some((v) => !isFiller(f, v)),
        `${f}: without masking the keys go out as captured`,
      );
    }
    assert.deepEqual(tree(masked.file), tree(clear.file));

    const counted = masked.probe.masker.counters;
    for (const p of ['sip', 'diameter', 'gtpv2'] as const)
      assert.ok(counted.fields[p] > 0, JSON.stringify(counted));
    assert.deepEqual(counted.dropped, { sip: 0, diameter: 0, gtpv2: 0 });
    assert.equal(clear.probe.masker.enabled, false);
    assert.match(clear.probe.keyMaskingWarning() ?? '', /OFF/);
    assert.equal(masked.probe.keyMaskingWarning(), undefined);
  },
);
