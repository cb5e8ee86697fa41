import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpdumpStatsReader } from './tcpdump-stats.js';

const BLOCK = (c: number, f: number, k: number, i?: number) =>
  `${c} packets captured\n${f} packets received by filter\n${k} packets dropped by kernel\n` +
  (i === undefined ? '' : `${i} packets dropped by interface\n`);

test('statistics blocks are read whatever the chunking, the latest figures win', () => {
  const text =
    'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n' +
    'tcpdump: 10 packets captured, 12 packets received by filter, 2 packets dropped by kernel\n' +
    BLOCK(1500, 1900, 400, 3);
  for (const size of [1, 3, 7, text.length]) {
    const r = new TcpdumpStatsReader();
    for (let i = 0; i < text.length; i += size) r.push(text.slice(i, i + size));
    assert.equal(r.reports, 2, `chunks of ${size}: the SIGUSR1 line and the exit block`);
    assert.deepEqual(r.stats, {
      captured: 1500,
      receivedByFilter: 1900,
      droppedByKernel: 400,
      droppedByInterface: 3,
    });
  }
});

test('one packet, other lines and junk change nothing they should not', () => {
  const r = new TcpdumpStatsReader();
  assert.equal(r.push('1 packet captured\n'), false);
  assert.equal(r.push('tcpdump: 5 packets dropped by kernel? no\nx 7 packets captured\n'), false);
  assert.equal(r.push('1 packet received by filter\n0 packets dropped by kernel\n'), true);
  assert.deepEqual(r.stats, { captured: 1, receivedByFilter: 1, droppedByKernel: 0, droppedByInterface: 0 });
  r.push('9'.repeat(5000)); // a partial line without end is bounded
  assert.equal(r.push(' packets dropped by kernel\n'), false, 'a cut line is not a figure');
  assert.equal(r.push('2 packets dropped by kernel\n'), true, 'the next line is read again');
  assert.equal(r.stats.droppedByKernel, 2);
});
