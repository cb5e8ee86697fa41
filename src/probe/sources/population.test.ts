import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSubscriber, luhnCheckDigit, POPULATION } from './population.js';

test('subscriber 12 has the documented identities', () => {
  assert.deepEqual(labSubscriber(12), {
    index: 12,
    imsi: '001010000000012',
    msisdn: '447900000012',
    imei: '356900000000126',
    sipUri: 'sip:+447900000012@ims.lab.lix',
    telUri: 'tel:+447900000012',
    impi: '001010000000012@ims.mnc001.mcc001.3gppnetwork.org',
  });
});

test('Luhn check digit: the TS 23.003 / ISO 7812 examples', () => {
  assert.equal(luhnCheckDigit('49015420323751'), 8);
  assert.equal(luhnCheckDigit('7992739871'), 3);
  assert.equal(luhnCheckDigit('35209900176148'), 1);
});

test('identities have the right lengths and are unique per index, at both ends of the range', () => {
  const seen = new Set<string>();
  for (const i of [0, 1, 9, 10, 99_999, 12_345_678, POPULATION.maxSubscribers - 1]) {
    const s = labSubscriber(i);
    assert.match(s.imsi, /^00101\d{10}$/);
    assert.match(s.msisdn, /^4479\d{8}$/);
    assert.match(s.imei, /^\d{15}$/);
    assert.equal(luhnCheckDigit(s.imei.slice(0, 14)), Number(s.imei[14]));
    for (const v of [s.imsi, s.msisdn, s.imei]) {
      assert.ok(!seen.has(v), v);
      seen.add(v);
    }
  }
});

test('indexes outside [0, 10^8) are refused', () => {
  for (const bad of [-1, 1.5, POPULATION.maxSubscribers, Number.NaN])
    assert.throws(() => labSubscriber(bad), RangeError);
});
