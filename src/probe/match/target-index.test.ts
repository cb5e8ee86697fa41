import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avp, diameter, probeMessage, sipInvite, type Endpoints } from '../../../test/support/probe-wire.js';
import type { TargetIdentifier } from '../../x1/model.js';
import { inspect } from '../proto/inspect.js';
import type { Identity, Inspection, ProbeMessage } from '../messages.js';
import { TargetIndex, TargetIndexError } from './index.js';

const T = (kind: string, value: unknown) => ({ kind, value }) as TargetIdentifier;
const noSession = (identities: Identity[]): Inspection => ({
  identities,
  sessionKeys: [],
  endsSession: false,
});
const msg = (e: Endpoints = {}): ProbeMessage => probeMessage('sip', new Uint8Array(0), e);
const ids = (...pairs: [Identity['kind'], string][]) =>
  noSession(pairs.map(([kind, value]) => ({ kind, value })));

test('identity kinds: X1 aliases and values normalise like the inspectors', () => {
  const idx = new TargetIndex();
  idx.add('gpsi', [T('gpsiMsisdn', '447700900123')]);
  idx.add('supi', [T('supiimsi', '001010123456789')]);
  idx.add('pei', [T('peiImeisv', '3534900212345601')]);
  idx.add('sip', [T('sipUri', 'sip:Alice@EXAMPLE.net;transport=tcp')]);
  idx.add('impu', [T('impu', 'tel:+44-7700-900123')]);
  idx.add('impi', [T('impi', 'alice@IMS.example.net')]);
  assert.deepEqual(idx.match(msg(), ids(['e164Number', '447700900123'])), ['gpsi']);
  assert.deepEqual(idx.match(msg(), ids(['imsi', '001010123456789'])), ['supi']);
  assert.deepEqual(idx.match(msg(), ids(['imei', '35349002123456'])), ['pei']);
  assert.deepEqual(idx.match(msg(), ids(['sipUri', 'sip:Alice@example.net'])), ['sip']);
  assert.deepEqual(
    idx.match(msg(), ids(['sipUri', 'sip:alice@example.net'])),
    [],
    'user part keeps its case',
  );
  assert.deepEqual(idx.match(msg(), ids(['impu', 'tel:+447700900123'])), ['impu']);
  assert.deepEqual(idx.match(msg(), ids(['impi', 'alice@ims.example.net'])), ['impi']);
});

test('an impu target matches the SIP URI of a real INVITE; an e164Number target its user=phone number', () => {
  const idx = new TargetIndex();
  idx.add('a', [T('impu', 'sip:alice@example.net')]);
  idx.add('b', [T('e164Number', '447700900123')]);
  idx.add('c', [T('telUri', 'tel:+12015550100')]);
  const invite = probeMessage(
    'sip',
    sipInvite('sip:+447700900123@ims.example.net;user=phone', {
      callId: 'x',
      from: '"A" <sip:alice@Example.NET:5060>',
      to: '<tel:+1-201-555-0100>',
    }),
  );
  assert.deepEqual([...idx.match(invite, inspect(invite))].sort(), ['a', 'b', 'c']);
});

test('AND: every identifier of a task must match, each counted once', () => {
  const idx = new TargetIndex();
  idx.add('both', [T('imsi', '001010000000001'), T('e164Number', '4477')]);
  idx.add('twoImsi', [T('imsi', '001010000000001'), T('imsi', '001010000000002')]);
  const imsi1: [Identity['kind'], string] = ['imsi', '001010000000001'];
  assert.deepEqual(idx.match(msg(), ids(imsi1)), []);
  assert.deepEqual(idx.match(msg(), ids(imsi1, imsi1)), [], 'the same identifier twice is one match');
  assert.deepEqual(idx.match(msg(), ids(imsi1, ['e164Number', '4477'])), ['both']);
  assert.deepEqual(idx.match(msg(), ids(imsi1, ['imsi', '001010000000002'])), ['twoImsi']);
});

test('identity and transport identifiers AND together; qualifiers are accepted and ignored', () => {
  const idx = new TargetIndex();
  idx.add('x', [
    T('imsi', '001010000000001'),
    T('udpPort', 2123),
    T('callPartyRole', 'Originating'),
    T('nonLocalIdentifier', 'Local'),
  ]);
  const i = ids(['imsi', '001010000000001']);
  assert.deepEqual(idx.match(msg({ ipProtocol: 17, sport: 2123, dport: 40000 }), i), ['x']);
  assert.deepEqual(idx.match(msg({ ipProtocol: 6, sport: 2123, dport: 40000 }), i), [], 'wrong transport');
  assert.deepEqual(idx.match(msg({ ipProtocol: 17, sport: 2152, dport: 2152 }), i), []);
});

test('addresses: either end; IPv6 targets in X1 expanded form match canonical message text', () => {
  const idx = new TargetIndex();
  idx.add('v4', [T('ipv4Address', '192.0.2.7')]);
  idx.add('v6', [T('ipv6Address', '2001:0db8:0000:0000:0000:0000:0000:0001')]);
  assert.deepEqual(idx.match(msg({ src: '198.51.100.1', dst: '192.0.2.7' }), ids()), ['v4']);
  assert.deepEqual(idx.match(msg({ src: '192.0.2.7', dst: '198.51.100.1' }), ids()), ['v4']);
  assert.deepEqual(idx.match(msg({ src: '2001:db8::1', dst: '2001:db8::2' }), ids()), ['v6']);
  assert.deepEqual(idx.match(msg({ src: '192.0.2.8', dst: '192.0.2.9' }), ids()), []);
});

test('CIDR: several prefix lengths, both families, prefix 0 and /32', () => {
  const idx = new TargetIndex();
  idx.add('net8', [T('ipv4Cidr', { family: 'IPv4CIDR', value: '10.0.0.0/8' })]);
  idx.add('net23', [T('ipv4Cidr', { family: 'IPv4CIDR', value: '192.0.2.0/23' })]);
  idx.add('host', [T('ipv4Cidr', { family: 'IPv4CIDR', value: '192.0.3.5/32' })]);
  idx.add('v6', [T('ipv6Cidr', '2001:0db8:0000:0000:0000:0000:0000:0000/33')]);
  idx.add('v6b', [
    T('ipv4Cidr', { family: 'IPv6CIDR', value: '2001:0db8:8000:0000:0000:0000:0000:0000/33' }),
  ]);
  const at = (src: string, dst = '203.0.113.1') => [...idx.match(msg({ src, dst }), ids())].sort();
  assert.deepEqual(at('10.200.0.1'), ['net8']);
  assert.deepEqual(at('192.0.3.5'), ['host', 'net23']);
  assert.deepEqual(at('192.0.3.6'), ['net23']);
  assert.deepEqual(at('192.0.4.1'), []);
  assert.deepEqual(at('2001:db8:7fff::1', '::1'), ['v6']);
  assert.deepEqual(at('2001:db8:8000::1', '::1'), ['v6b']);
  idx.add('all', [T('ipv4Cidr', { family: 'IPv4CIDR', value: '0.0.0.0/0' })]);
  assert.deepEqual(at('192.0.4.1'), ['all']);
  idx.remove('net23');
  assert.deepEqual(at('192.0.3.6'), ['all']);
});

test('ports: single, list and ranges (overlapping, nested, edges), per transport', () => {
  const idx = new TargetIndex();
  idx.add('sip', [T('udpPort', 5060)]);
  idx.add('list', [T('tcpPortList', [3868, 5060, 3868])]);
  idx.add('wide', [T('udpPortRange', { start: 1000, end: 9999 })]);
  idx.add('narrow', [T('udpPortRange', { start: 5060, end: 5061 })]);
  idx.add('top', [T('udpPortRange', { start: 65535, end: 65535 })]);
  const at = (ipProtocol: number, sport: number, dport = 50000) =>
    [...idx.match(msg({ ipProtocol, sport, dport }), ids())].sort();
  assert.deepEqual(at(17, 5060), ['narrow', 'sip', 'wide']);
  assert.deepEqual(at(17, 5062), ['wide']);
  assert.deepEqual(at(17, 999), []);
  assert.deepEqual(at(17, 1000), ['wide']);
  assert.deepEqual(at(17, 9999), ['wide']);
  assert.deepEqual(at(17, 10000), []);
  assert.deepEqual(at(17, 65535, 0), ['top']);
  assert.deepEqual(at(6, 5060), ['list']);
  assert.deepEqual(at(6, 40000, 3868), ['list']);
  assert.deepEqual(at(132, 5060), [], 'SCTP has no port targets');
  idx.remove('wide');
  assert.deepEqual(at(17, 5062), []);
  assert.deepEqual(at(17, 5061), ['narrow']);
});

test('add: typed errors for kinds it cannot index, bad values, only qualifiers; the index is then unchanged', () => {
  const idx = new TargetIndex();
  idx.add('keep', [T('imsi', '001010000000001')]);
  const refused: [TargetIdentifier[], string][] = [
    [[T('macAddress', '00:11:22:33:44:55')], 'unsupported-kind'],
    [[T('imsi', '001010000000001'), T('h323Uri', 'h323:x')], 'unsupported-kind'],
    [[T('imei', '123')], 'invalid-value'],
    [[T('ipv4Cidr', { family: 'IPv4CIDR', value: '10.0.0.0/40' })], 'invalid-value'],
    [[T('udpPortRange', { start: 10, end: 5 })], 'invalid-value'],
    [[T('callPartyRole', 'Originating')], 'no-identifier'],
    [Array.from({ length: 31 }, (_, i) => T('udpPort', i)), 'too-many-identifiers'],
  ];
  for (const [targets, kind] of refused) {
    assert.throws(
      () => idx.add('keep', targets),
      (e: unknown) => e instanceof TargetIndexError && e.kind === kind,
      kind,
    );
  }
  assert.equal(idx.size, 1);
  assert.deepEqual(idx.match(msg(), ids(['imsi', '001010000000001'])), ['keep']);
});

test('re-adding replaces the targets; remove, has and size', () => {
  const idx = new TargetIndex();
  idx.add('a', [T('imsi', '001010000000001')]);
  idx.add('a', [T('imsi', '001010000000002')]);
  assert.equal(idx.size, 1);
  assert.deepEqual(idx.match(msg(), ids(['imsi', '001010000000001'])), []);
  assert.deepEqual(idx.match(msg(), ids(['imsi', '001010000000002'])), ['a']);
  assert.ok(idx.has('a'));
  idx.remove('a');
  idx.remove('unknown');
  assert.ok(!idx.has('a'));
  assert.equal(idx.size, 0);
  assert.deepEqual(idx.match(msg(), ids(['imsi', '001010000000002'])), []);
});

test('a Diameter watchdog (no Session-Id) matches only by address', () => {
  const idx = new TargetIndex();
  idx.add('peer', [T('ipv4Address', '10.0.0.2')]);
  const dwr = probeMessage('diameter', diameter({ command: 280, request: true }, [avp(264, 'h')]));
  assert.deepEqual(idx.match(dwr, inspect(dwr)), ['peer']);
  assert.equal(idx.counters.sessions, 0, 'no key, no session');
});
