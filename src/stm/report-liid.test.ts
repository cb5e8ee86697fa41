// A warrant's LIID travels with every report of its task: as the HEP3 group-ID chunk in EEP and as the EPB
// comment `lix.liid=` in GRE-PCAPng; the collector's decoder turns either into that comment on the packets
// it writes. Reports without one are encoded as before (the EEP fast path stays byte-identical).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectEep, collectGre } from './report-decode.js';
import { eepEncoder, genericEep, grePcapngEncoder } from './report-encode.js';
import type { StmReport } from './report.js';
import { PACKET } from './packet.js';

const base: StmReport = {
  xid: '0b7a3c5e-7f65-4a9d-9a3e-1f2e3d4c5b6a',
  neId: 'ne-1',
  timestampMicros: 1_764_000_000_123_456n,
  ipVersion: 4,
  ipProtocol: PACKET.udp,
  srcAddress: '192.0.2.1',
  dstAddress: '192.0.2.2',
  srcPort: 5060,
  dstPort: 5060,
  protocolType: 1,
  payload: new TextEncoder().encode('OPTIONS sip:bob@example.net SIP/2.0\r\n\r\n'),
};
const withLiid: StmReport = { ...base, liid: 'LIID-7' };

test('EEP: the LIID rides in the group-ID chunk and becomes the lix.liid comment', () => {
  const bytes = eepEncoder('HEP3', 1, 65_000).encode(withLiid, 9);
  assert.deepEqual(bytes, genericEep(withLiid, 9, 'HEP3', 1, 65_000), 'the generic encoder takes it');
  const r = collectEep(bytes, 'eep+udp://127.0.0.1:9060', '192.0.2.9:1', 0n);
  assert.equal(r.liid, 'LIID-7');
  assert.deepEqual(r.packets[0]!.comments, [`lix.xid=${base.xid}`, 'lix.ne=ne-1', 'lix.liid=LIID-7']);
});

test('EEP without a LIID: the fast path, byte-identical, and no lix.liid comment', () => {
  const bytes = eepEncoder('HEP3', 1, 65_000).encode(base, 9);
  assert.deepEqual(bytes, genericEep(base, 9, 'HEP3', 1, 65_000));
  const r = collectEep(bytes, 'eep+udp://127.0.0.1:9060', '192.0.2.9:1', 0n);
  assert.equal(r.liid, undefined);
  assert.deepEqual(r.packets[0]!.comments, [`lix.xid=${base.xid}`, 'lix.ne=ne-1']);
});

test('GRE-PCAPng: the LIID is an EPB comment, read back by the collector', () => {
  const r = collectGre(grePcapngEncoder(65_000).encode(withLiid, 0), 'gre-pcapng+udp://127.0.0.1:9', 'x');
  assert.equal(r.liid, 'LIID-7');
  assert.ok(r.packets[0]!.comments.includes('lix.liid=LIID-7'));
});
