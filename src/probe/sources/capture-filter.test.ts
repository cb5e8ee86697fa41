import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileCaptureFilter,
  DEFAULT_CAPTURE_PORTS,
  formatPortList,
  MAX_PORT_SPANS,
  parsePortList,
  PortListError,
} from './capture-filter.js';

test('port lists: ports, ranges and none; a one-port range is a port', () => {
  assert.deepEqual(parsePortList('5060'), [5060]);
  assert.deepEqual(parsePortList(' 5060, 5070-5079 ,6000-6000'), [5060, [5070, 5079], 6000]);
  assert.deepEqual(parsePortList('none'), []);
  assert.equal(formatPortList(parsePortList('5060,5070-5079')), '5060,5070-5079');
  assert.equal(formatPortList([]), 'none');
});

test('port lists that do not parse are PortListErrors naming the problem', () => {
  for (const [text, why] of [
    ['', /empty/],
    ['0', /not a port/],
    ['65536', /not a port/],
    ['50a0', /not a port/],
    ['5060,', /not a port/],
    ['5079-5070', /backwards/],
    ['1-2-3', /not a port/],
    ['port 5060 or host x', /not a port/],
    [Array.from({ length: MAX_PORT_SPANS + 1 }, (_, i) => 1000 + i).join(','), /more than/],
  ] as const) {
    assert.throws(
      () => parsePortList(text),
      (e: unknown) => e instanceof PortListError && why.test(e.message),
      text,
    );
  }
});

test('the compiled filter keeps each protocol on its transports and ports, later fragments and VLAN tags', () => {
  const f = compileCaptureFilter(DEFAULT_CAPTURE_PORTS)!;
  for (const part of [
    'udp port 5060',
    'tcp port 5060',
    'sctp port 5060',
    'tcp port 3868',
    'sctp port 3868',
    'udp port 2123',
    'ip[6:2] & 0x1fff != 0',
    'ip6[6] = 44',
    'vlan and',
  ])
    assert.ok(f.includes(part), `${part} in ${f}`);
  assert.ok(!f.includes('udp port 3868'), 'Diameter is not carried over UDP');
  assert.ok(!f.includes('tcp port 2123'), 'GTP-C is carried over UDP only');
  const r = compileCaptureFilter({ sip: [[5070, 5079]], diameter: [], gtpc: [] })!;
  assert.ok(r.includes('udp portrange 5070-5079') && !r.includes('3868') && !r.includes('2123'), r);
});

test('a user filter narrows the compiled one; with all it is the whole filter', () => {
  const f = compileCaptureFilter(DEFAULT_CAPTURE_PORTS, { userFilter: ' host 10.0.0.1 ' })!;
  assert.match(f, /^\(.*\) and \(host 10\.0\.0\.1\)$/);
  assert.equal(compileCaptureFilter(DEFAULT_CAPTURE_PORTS, { all: true, userFilter: 'udp' }), 'udp');
  assert.equal(compileCaptureFilter(DEFAULT_CAPTURE_PORTS, { all: true }), undefined);
});

test('no port at all is refused rather than a capture of nothing', () => {
  assert.throws(
    () => compileCaptureFilter({ sip: [], diameter: [], gtpc: [] }),
    (e: unknown) => e instanceof PortListError && /no SIP, Diameter or GTP-C port/.test(e.message),
  );
});
