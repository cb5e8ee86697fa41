import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSequencer } from './tcp-sequencer.js';

const flow = (xid: string, srcPort = 5060) => ({
  xid,
  srcAddress: '10.0.0.1',
  srcPort,
  dstAddress: '10.0.0.2',
  dstPort: 5060,
});

test('consecutive numbers per flow, from 1, wrapping at 2^32; flows and XIDs apart', () => {
  const s = new TcpSequencer();
  assert.equal(s.take(flow('a'), 100), 1);
  assert.equal(s.take(flow('a'), 50), 101);
  assert.equal(s.take(flow('b'), 10), 1, 'another XID is another file: its own numbering');
  assert.equal(s.take(flow('a', 5061), 10), 1, 'another port is another flow');
  assert.equal(s.take(flow('a'), 0xffff_ffff - 150), 151);
  assert.equal(s.take(flow('a'), 1), 0, 'wraps modulo 2^32');
});

test('bounded: beyond the limit the flows unused longest are forgotten', () => {
  const s = new TcpSequencer(2);
  s.take(flow('a'), 10);
  s.take(flow('b'), 10);
  s.take(flow('a'), 10);
  s.take(flow('c'), 10);
  assert.equal(s.take(flow('a'), 1), 21, 'recently used, kept');
  assert.equal(s.take(flow('b'), 1), 1, 'forgotten, starts again');
});
