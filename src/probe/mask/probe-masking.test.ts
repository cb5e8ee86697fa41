// The probe's key masking as the NE runs it: on by default, off only when asked (with a warning at start),
// a matched message whose keys cannot be located dropped and counted, never delivered unmasked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { buildIpPacket } from '../../stm/packet.js';
import { LINKTYPE } from '../../stm/pcapng-tables.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { fakeSenders } from '../../../test/support/fake-senders.js';
import { destination, task, uuid } from '../../../test/support/x1-builders.js';
import { KEY_MASKING_OFF, Probe } from '../probe.js';
import type { Frame } from '../messages.js';

const URI = 'eep+udp://127.0.0.1:9060';

function sipFrame(authHeader: string): Frame {
  const text =
    'MESSAGE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n' +
    'From: <sip:alice@example.net>;tag=1\r\nTo: <sip:bob@example.net>\r\nCall-ID: c1\r\nCSeq: 1 MESSAGE\r\n' +
    `${authHeader}\r\nContent-Length: 0\r\n\r\n`;
  const data = buildIpPacket({
    ipProtocol: 17,
    srcAddress: '10.0.0.1',
    dstAddress: '10.0.0.2',
    srcPort: 5060,
    dstPort: 5060,
    payload: new TextEncoder().encode(text),
  });
  return { linkType: LINKTYPE.raw, timestampMicros: 1_700_000_000_000_000n, data };
}

/** A probe with one task on sip:alice@example.net delivering to a recording sender. */
async function probeWith(maskKeys: boolean | undefined, logger: Logger = silentLogger) {
  const senders = fakeSenders();
  const probe = new Probe({
    neId: 'ne-1',
    logger,
    clock: new FakeClock(),
    senders: senders.factory,
    ...(maskKeys !== undefined && { maskKeys }),
  });
  const did = uuid();
  await probe.applyDestination(destination(did, { deliveryAddress: { kind: 'uri', value: URI } }));
  await probe.applyTask(task(uuid(), [did]));
  return { probe, sender: senders.last(URI) };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const AUTH =
  'Proxy-Authorization: Digest username="alice", nonce="n1", response="e56131d19580cd833064787ecc4c4b4a"';

test('on by default: the delivered copy has the response masked, its length kept; counted for SIP', async () => {
  const { probe, sender } = await probeWith(undefined);
  const frame = sipFrame(AUTH);
  probe.feed(frame);
  assert.equal(sender.reports.length, 1);
  const payload = sender.reports[0]!.payload;
  assert.match(text(payload), /response="0{32}"/);
  assert.equal(payload.length, text(payload).length);
  assert.equal(probe.masker.counters.fields.sip, 1);
  assert.equal(probe.masker.counters.messages.sip, 1);
  assert.deepEqual((probe.stats().keyMasking as { enabled: boolean }).enabled, true);
  await probe.close();
});

test('a matched message whose keys cannot be located is dropped and counted, never delivered', async () => {
  const lines: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
  );
  const { probe, sender } = await probeWith(true, logger);
  probe.feed(sipFrame('Proxy-Authorization: Digest username="alice", response="e56131d1'));
  probe.feed(sipFrame('Proxy-Authorization: Digest username="alice", response="e56131d1'));
  assert.equal(probe.counters.matched, 2, 'the inspector read it and it matched');
  assert.equal(sender.reports.length, 0);
  assert.equal(probe.masker.counters.dropped.sip, 2);
  assert.equal(lines.filter((l) => l.includes('keys could not be located')).length, 1, 'logged once');
  await probe.close();
});

test('maskKeys false: delivered as captured, a warning at start, and the health warning', async () => {
  const lines: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
  );
  const { probe, sender } = await probeWith(false, logger);
  probe.start();
  probe.feed(sipFrame(AUTH));
  assert.match(text(sender.reports[0]!.payload), /response="e56131d19580cd833064787ecc4c4b4a"/);
  assert.ok(lines.some((l) => l.includes('key masking is OFF')));
  assert.equal(probe.keyMaskingWarning(), KEY_MASKING_OFF);
  assert.deepEqual(probe.masker.counters.fields, { sip: 0, diameter: 0, gtpv2: 0 });
  await probe.close();
});
