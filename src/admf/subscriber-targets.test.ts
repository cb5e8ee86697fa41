import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeMessage } from '../../test/support/probe-wire.js';
import { TargetIndex } from '../probe/match/index.js';
import { inspect } from '../probe/proto/inspect.js';
import type { Identity, Inspection } from '../probe/messages.js';
import { callDialog, registration } from '../probe/sources/gen-sip.js';
import { labSubscriber } from '../probe/sources/population.js';
import { encodeUtf8 } from '../stm/bin.js';
import {
  expandSubscriber,
  SubscriberIdentityError,
  type SubscriberIdentity,
  type SubscriberTarget,
} from './subscriber-targets.js';

const id = (kind: SubscriberIdentity['kind'], value: string): SubscriberIdentity => ({ kind, value });
const keys = (ts: readonly SubscriberTarget[]) => ts.map((t) => t.key);

test('each identity kind gives the target the probe matches it by', () => {
  const { identities, targets } = expandSubscriber([
    id('imsi', '001010000000000'),
    id('msisdn', '+44 7900 000000'),
    id('impu', 'sip:alice@IMS.Example.net:5060;transport=tcp'),
    id('impu', 'tel:1234;phone-context=example.net'),
    id('impi', '001010000000000@IMS.mnc001.mcc001.3gppnetwork.org'),
    id('imei', '356900000000000'),
  ]);
  assert.deepEqual(keys(targets), [
    'imsi:001010000000000',
    'e164Number:447900000000',
    'sipUri:sip:alice@ims.example.net',
    'telUri:tel:1234;phone-context=example.net',
    'impi:001010000000000@ims.mnc001.mcc001.3gppnetwork.org',
    'imei:35690000000000',
  ]);
  assert.equal(identities[1]!.value, '447900000000', 'the MSISDN is stored as digits');
});

test('an MSISDN and the IMPUs that carry its number are one e164Number target (one task, no duplicates)', () => {
  const s = labSubscriber(0);
  const { identities, targets } = expandSubscriber([
    id('msisdn', s.msisdn),
    id('impu', s.sipUri),
    id('impu', s.telUri),
    id('impu', `sip:${s.msisdn}@ims.lab.lix;user=phone`),
    id('msisdn', `+${s.msisdn}`),
  ]);
  assert.equal(identities.length, 4, 'the repeated MSISDN is dropped');
  assert.deepEqual(keys(targets), [`e164Number:${s.msisdn}`]);
  assert.equal(targets[0]!.covers.length, 4);
  // An IMPU alone with a global number also becomes the number, not a sipUri that misses tel: calls.
  assert.deepEqual(keys(expandSubscriber([id('impu', s.sipUri)]).targets), [`e164Number:${s.msisdn}`]);
});

test('bad identities are refused naming the entry and the form', () => {
  const refuses = (ids: SubscriberIdentity[], re: RegExp) =>
    assert.throws(
      () => expandSubscriber(ids),
      (e: Error) => e instanceof SubscriberIdentityError && re.test(e.message),
    );
  refuses([], /at least one identity/);
  refuses([id('imsi', '12')], /^identities\[0\]: invalid IMSI "12": an IMSI is 6 to 15 digits$/);
  refuses([id('imsi', '001010000000000'), id('msisdn', '44-79a')], /^identities\[1\]: invalid MSISDN/);
  refuses([id('impu', 'mailto:a@b')], /an IMPU is a sip: or tel: URI/);
  refuses([id('imei', '1234')], /an IMEI is 14 digits/);
  refuses([id('impi', 'nobody')], /invalid IMPI/);
  refuses([{ kind: 'imeisv' as never, value: '1' }], /unknown identity kind "imeisv" \(one of imsi, msisdn/);
  refuses(
    Array.from({ length: 17 }, (_, i) => id('impu', `sip:u${i}@x.net`)),
    /at most 16 identities/,
  );
});

/** One probe index holding the subscriber's tasks (one per target, as the ADMF makes them). */
function indexOf(targets: readonly SubscriberTarget[]): TargetIndex {
  const idx = new TargetIndex();
  for (const t of targets) idx.add(t.key, [t.target]);
  return idx;
}

const sip = (text: string) => probeMessage('sip', encodeUtf8(text));
const tokens = { callId: 'c1@lab', fromTag: 'f1', toTag: 't1', branch: 'b1' };

test('the lab subscriber: every SIP message naming it matches exactly one of its tasks, tel: or sip: alike', () => {
  const s = labSubscriber(0);
  const other = labSubscriber(1);
  const { targets } = expandSubscriber([
    id('imsi', s.imsi),
    id('msisdn', s.msisdn),
    id('impu', s.sipUri),
    id('impu', s.telUri),
    id('imei', s.imei),
  ]);
  const idx = indexOf(targets);
  const asCallee = callDialog(other, s, tokens); // INVITE tel:+<s.msisdn>, To: <tel:...>
  const asCaller = callDialog(s, other, tokens); // From: <sip:+<s.msisdn>@ims.lab.lix>
  assert.ok(asCallee[0]!.text.startsWith(`INVITE ${s.telUri} `));
  assert.ok(asCaller[0]!.text.includes(`\r\nFrom: <${s.sipUri}>`));
  for (const m of [...registration(s, tokens), ...asCallee, ...asCaller]) {
    const msg = sip(m.text);
    assert.equal(idx.match(msg, inspect(msg)).length, 1, m.text.split('\r\n')[0]);
  }
  // A lone sipUri task (what the lab printed before) misses the INVITE addressed as tel:.
  const lone = new TargetIndex();
  lone.add('sip', [{ kind: 'sipUri', value: s.sipUri }]);
  const invite = sip(asCallee[0]!.text);
  assert.deepEqual(lone.match(invite, inspect(invite)), []);
  // Diameter and GTPv2-C carry the IMSI, the MSISDN and the IMEI: one task each.
  const carried = (kind: Identity['kind'], value: string): Inspection => ({
    identities: [{ kind, value }],
    sessionKeys: [],
    endsSession: false,
  });
  const gtp = probeMessage('gtpv2', new Uint8Array(0));
  assert.deepEqual(idx.match(gtp, carried('imsi', s.imsi)), [`imsi:${s.imsi}`]);
  assert.deepEqual(idx.match(gtp, carried('e164Number', s.msisdn)), [`e164Number:${s.msisdn}`]);
  assert.deepEqual(idx.match(gtp, carried('imei', s.imei.slice(0, 14))), [`imei:${s.imei.slice(0, 14)}`]);
});
