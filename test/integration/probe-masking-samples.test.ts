// Key masking on the real sample captures: every SIP, Diameter and GTPv2-C message the probe decodes is
// masked. Captures whose messages tshark shows no key field in come back byte for byte (the very same
// arrays); those with S6a authentication vectors come back with every key field tshark names zeroed, as many
// as in the original, with no malformed packet; no message is refused as unsafe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketDecoder } from '../../src/probe/decode/decoder.js';
import { maskKeys } from '../../src/probe/mask/index.js';
import { EEP_PROTOCOL_TYPE_OF } from '../../src/probe/probe-options.js';
import { readPackets } from '../../src/stm/capture-read.js';
import { LINKTYPE } from '../../src/stm/pcapng-tables.js';
import { reportPacket } from '../../src/stm/report.js';
import { TcpSequencer } from '../../src/stm/tcp-sequencer.js';
import { classicPcap } from '../support/capture-files.js';
import { hasTool, SHARED, skipUnless } from '../support/shared.js';

const SAMPLES = join(SHARED, 'samples');
const skip = skipUnless(hasTool('tshark', ['-v']), 'tshark');
const files = readdirSync(SAMPLES)
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .sort();
const dir = mkdtempSync(join(tmpdir(), 'lix-masking-samples-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Key fields tshark names in Diameter, GTPv2-C and SIP. */
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
  'gtpv2.ck',
  'gtpv2.ik',
  'sip.auth.digest.response',
] as const;

function keyValues(file: string): string[] {
  const args = ['-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  const out = execFileSync('tshark', [...args, ...KEY_FIELDS.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.split(/[\t\n,]/).filter((v) => v !== '');
}

for (const name of files) {
  test(`${name}: keys masked where there are any, every other message unchanged`, { skip }, () => {
    const file = join(SAMPLES, name);
    const decoder = new PacketDecoder();
    const messages = [...readPackets(readFileSync(file))].flatMap((f) => decoder.decode(f));
    const keysInFile = keyValues(file);
    const seq = new TcpSequencer();
    const frames: { timestampMicros: bigint; data: Uint8Array }[] = [];
    let fields = 0;
    for (const m of messages) {
      const r = maskKeys(m.protocol, m.payload);
      assert.equal(r.kind, 'ok', r.kind === 'unsafe' ? `${m.protocol}: ${r.reason}` : '');
      if (r.kind !== 'ok') continue;
      assert.equal(r.payload.length, m.payload.length);
      if (r.fields === 0) assert.equal(r.payload, m.payload, 'a message without keys is passed on as it is');
      fields += r.fields;
      const report = {
        ...m,
        xid: 'x',
        neId: 'ne',
        protocolType: EEP_PROTOCOL_TYPE_OF[m.protocol],
        payload: r.payload,
      };
      frames.push({ timestampMicros: m.timestampMicros, data: reportPacket(report, seq) });
    }
    if (keysInFile.length === 0) {
      assert.equal(fields, 0, 'tshark sees no key field, nothing is masked');
      return;
    }
    assert.ok(fields > 0);
    const out = join(dir, `${name}.masked.pcap`);
    writeFileSync(out, classicPcap(frames, { linkType: LINKTYPE.raw }));
    const masked = keyValues(out);
    assert.equal(masked.length, keysInFile.length, 'every key field is still there');
    for (const v of masked) assert.match(v, /^(00)+$/);
    const judge = execFileSync('tshark', ['-r', out, '-Y', '_ws.malformed'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.equal(judge, '');
  });
}
