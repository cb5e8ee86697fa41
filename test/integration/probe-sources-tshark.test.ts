// The synthetic generator's traffic judged by tshark: SIP, Diameter and GTPv2-C dissect with no malformed
// packet and no expert warning, in the numbers the generator says it made, carrying the population's
// identities. A deliberately broken frame proves the judge can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINKTYPE } from '../../src/stm/pcapng-tables.js';
import { labSubscriber } from '../../src/probe/sources/population.js';
import { SyntheticGenerator } from '../../src/probe/sources/synthetic.js';
import { classicPcap } from '../support/capture-files.js';
import { hasTool, skipUnless } from '../support/shared.js';

const skip = skipUnless(hasTool('tshark', ['-v']), 'tshark');
const dir = mkdtempSync(join(tmpdir(), 'lix-synthetic-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function tshark(file: string, filter: string, fields: readonly string[] = ['frame.number']): string[] {
  const args = ['-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '');
}

const JUDGE = '_ws.malformed || _ws.expert.severity >= warning';

const FIELDS = [
  'frame.protocols',
  'sip.Method',
  'sip.Call-ID',
  'diameter.cmd.code',
  'diameter.flags.request',
  'diameter.User-Name',
  'diameter.Public-Identity',
  'gtpv2.message_type',
  'e212.imsi',
  'gtpv2.mei',
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

/** One tshark pass: the fields of every frame. */
function rows(file: string): Row[] {
  return tshark(file, 'frame', FIELDS).map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(FIELDS.map((f, i) => [f, cells[i] ?? ''])) as Row;
  });
}

test('600 generated frames: clean SIP, Diameter and GTPv2-C in the expected numbers', { skip }, () => {
  const gen = new SyntheticGenerator({ subscribers: 40, seed: 2 });
  const frames = gen.generate(600);
  const file = join(dir, 'synthetic.pcap');
  writeFileSync(file, classicPcap(frames, { linkType: LINKTYPE.raw }));
  assert.deepEqual(tshark(file, JUDGE), []);
  const all = rows(file);
  assert.equal(all.length, 600);
  const on = (proto: string) => all.filter((r) => r['frame.protocols'].split(':').includes(proto));
  assert.equal(on('sip').length, gen.stats.sip);
  assert.equal(on('diameter').length, gen.stats.diameter);
  assert.equal(on('gtpv2').length, gen.stats.gtpv2);
  assert.ok(
    gen.stats.sip > 100 && gen.stats.diameter > 50 && gen.stats.gtpv2 > 50,
    JSON.stringify(gen.stats),
  );

  const population = Array.from({ length: 40 }, (_, i) => labSubscriber(i));
  const has = (key: 'imsi' | 'imei' | 'impi' | 'sipUri', v: string) => population.some((s) => s[key] === v);
  const csr = all.filter((r) => r['gtpv2.message_type'] === '32');
  assert.ok(csr.length > 0);
  assert.ok(csr.every((r) => has('imsi', r['e212.imsi']) && has('imei', r['gtpv2.mei'])));
  const uar = all.filter((r) => r['diameter.cmd.code'] === '300' && r['diameter.flags.request'] === '1');
  assert.ok(uar.length > 0);
  assert.ok(
    uar.every((r) => has('impi', r['diameter.User-Name']) && has('sipUri', r['diameter.Public-Identity'])),
  );
  const ulr = all.filter((r) => r['diameter.cmd.code'] === '316' && r['diameter.flags.request'] === '1');
  assert.ok(ulr.length > 0 && ulr.every((r) => has('imsi', r['diameter.User-Name'])));
  const invites = all.filter((r) => r['sip.Method'] === 'INVITE').map((r) => r['sip.Call-ID']);
  assert.ok(invites.length > 0);
  assert.equal(new Set(invites).size, invites.length, 'one Call-ID per call');
});

test('the judge finds a broken Diameter AVP', { skip }, () => {
  const gen = new SyntheticGenerator({ subscribers: 5, seed: 4 });
  const frames = gen.generate(200);
  const k = frames.findIndex((f) => f.data[9] === 6 && f.data.length > 40 + 20);
  assert.ok(k >= 0);
  const broken = frames.map((f, i) => {
    if (i !== k) return f;
    const data = Uint8Array.from(f.data);
    data[40 + 20 + 5] = 0xff; // first AVP's length: far beyond the message
    return { ...f, data };
  });
  const file = join(dir, 'broken.pcap');
  writeFileSync(file, classicPcap(broken, { linkType: LINKTYPE.raw }));
  assert.ok(tshark(file, JUDGE).length > 0);
});
