// The probe's decoding stage judged by tshark: for every sample capture, the SIP, Diameter and GTPv2-C
// messages decoded are those tshark dissects, counted per message (not per frame: one frame can carry several
// Diameter messages or SCTP chunks, one SIP message can span two frames) and compared in order by their
// method / status code, command code and message type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PacketDecoder } from '../../src/probe/decode/decoder.js';
import type { AppProtocol, ProbeMessage } from '../../src/probe/messages.js';
import { readPackets } from '../../src/stm/capture-read.js';
import { hasTool, SHARED, skipUnless } from '../support/shared.js';

const SAMPLES = join(SHARED, 'samples');
const HEP = 'hep3-reference.pcap';
const M3UA = 'm3ua-sccp-tcap-synthetic.pcap';
const tsharkSkip = skipUnless(hasTool('tshark', ['-v']), 'tshark');
const files = readdirSync(SAMPLES)
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .sort();

/** What tshark reads from each message: its fields, every occurrence, in frame order. */
const JUDGED: Record<AppProtocol, { filter: string; fields: string[] }> = {
  sip: { filter: 'sip', fields: ['sip.Method', 'sip.Status-Code'] },
  diameter: { filter: 'diameter', fields: ['diameter.cmd.code'] },
  gtpv2: { filter: 'gtpv2', fields: ['gtpv2.message_type'] },
};

function tsharkLabels(file: string, protocol: AppProtocol): string[] {
  const { filter, fields } = JUDGED[protocol];
  const args = ['-r', file, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  const out = execFileSync('tshark', [...args, ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .flatMap((row) => row.split('\t'))
    .flatMap((cell) => cell.split(','))
    .filter((x) => x !== '');
}

/** The same label taken from a decoded message's bytes. */
function label(m: ProbeMessage): string {
  const p = m.payload;
  if (m.protocol === 'diameter') return String((p[5]! << 16) | (p[6]! << 8) | p[7]!);
  if (m.protocol === 'gtpv2') return String(p[1]);
  const first = new TextDecoder().decode(p.subarray(0, 64)).split(' ');
  return first[0] === 'SIP/2.0' ? first[1]! : first[0]!;
}

function decodeFile(file: string): { decoder: PacketDecoder; messages: ProbeMessage[] } {
  const decoder = new PacketDecoder();
  const messages = [...readPackets(readFileSync(file))].flatMap((f) => decoder.decode(f));
  return { decoder, messages };
}

for (const name of files.filter((f) => f !== HEP && f !== M3UA)) {
  test(`${name}: the messages tshark dissects, no more, no fewer`, { skip: tsharkSkip }, () => {
    const file = join(SAMPLES, name);
    const { decoder, messages } = decodeFile(file);
    let total = 0;
    for (const protocol of ['sip', 'diameter', 'gtpv2'] as const) {
      const expected = tsharkLabels(file, protocol);
      const got = messages.filter((m) => m.protocol === protocol).map(label);
      assert.deepEqual(got, expected, `${protocol} in ${name}`);
      assert.equal(decoder.counters.messages[protocol], expected.length);
      total += expected.length;
    }
    assert.ok(total > 0, `${name} holds signalling`);
    assert.equal(decoder.counters.malformed, 0);
    assert.equal(decoder.counters.tcpGaps, 0);
  });
}

test(`${M3UA}: M3UA over SCTP is ignored, counted, and yields no message`, () => {
  const { decoder, messages } = decodeFile(join(SAMPLES, M3UA));
  assert.equal(messages.length, 0);
  assert.equal(decoder.counters.frames, 5);
  assert.equal(decoder.counters.ignoredByReason.get('sctp-m3ua'), 5);
  assert.equal(decoder.counters.ignored, 5);
  assert.equal(decoder.counters.malformed, 0);
});

test(`${HEP}: HEP3 datagrams decode without a crash and are ignored (SIP inside HEP is not SIP on the wire)`, () => {
  const { decoder, messages } = decodeFile(join(SAMPLES, HEP));
  assert.equal(messages.length, 0);
  assert.equal(decoder.counters.frames, 8);
  assert.equal(decoder.counters.ignoredByReason.get('udp-other'), 8);
  assert.equal(decoder.counters.malformed, 0);
});

test('every sample is covered', () => {
  assert.ok(files.includes(HEP) && files.includes(M3UA));
  assert.ok(files.length >= 9, files.join(' '));
});
