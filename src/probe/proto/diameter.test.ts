import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avp, diameter, group, tbcd } from '../../../test/support/probe-wire.js';
import { DIAMETER, inspectDiameter } from './diameter.js';
import { ProbeProtocolError } from './errors.js';

const V = DIAMETER.vendor3gpp;
const sid = avp(263, 'pcscf.example.net;1;2');
const subscriptionId = (type: number, data: string) => group(443, [avp(450, type), avp(444, data)]);

test('CCR: Subscription-Id of each type, User-Equipment-Info IMEISV, User-Name as NAI', () => {
  const ins = inspectDiameter(
    diameter({ command: 272, request: true, app: 4 }, [
      sid,
      avp(1, 'Alice@IMS.Example.net'),
      subscriptionId(0, '+44-7700-900123'),
      subscriptionId(1, '001010000000001'),
      subscriptionId(2, 'sip:bob@Example.net;user=phone'),
      subscriptionId(3, 'carol@Realm.example'),
      group(458, [avp(459, 0), avp(460, '3534900212345601')]),
    ]),
  );
  assert.deepEqual(ins.identities, [
    { kind: 'impi', value: 'Alice@ims.example.net' },
    { kind: 'e164Number', value: '447700900123' },
    { kind: 'imsi', value: '001010000000001' },
    { kind: 'sipUri', value: 'sip:bob@example.net' },
    { kind: 'impu', value: 'sip:bob@example.net' },
    { kind: 'impi', value: 'carol@realm.example' },
    { kind: 'imei', value: '35349002123456' },
  ]);
  assert.deepEqual(ins.sessionKeys, ['dia:pcscf.example.net;1;2']);
  assert.equal(ins.endsSession, false);
});

test('S6a ULA: MSISDN (TBCD) nested in Subscription-Data; ULR: IMSI User-Name and Terminal-Information IMEI', () => {
  const ula = inspectDiameter(
    diameter({ command: 316, request: false, app: 16777251 }, [
      sid,
      group(1400, [avp(1417, 0, V), avp(701, tbcd('447700900123'), V)], V),
    ]),
  );
  assert.deepEqual(ula.identities, [{ kind: 'e164Number', value: '447700900123' }]);
  const ulr = inspectDiameter(
    diameter({ command: 316, request: true, app: 16777251 }, [
      sid,
      avp(1, '001010123456789'),
      group(1401, [avp(1402, '35349002123456', V), avp(1403, '01', V)], V),
    ]),
  );
  assert.deepEqual(ulr.identities, [
    { kind: 'imsi', value: '001010123456789' },
    { kind: 'imei', value: '35349002123456' },
  ]);
});

test('Cx: Public-Identity tel URI; TS 29.336 User-Identifier with User-Name and MSISDN', () => {
  const ins = inspectDiameter(
    diameter({ command: 302, request: true }, [
      sid,
      avp(601, 'tel:+1-201-555-0100', V),
      group(3102, [avp(1, '001010000000002'), avp(701, tbcd('12015550100'), V)], V),
    ]),
  );
  assert.deepEqual(ins.identities, [
    { kind: 'telUri', value: 'tel:+12015550100' },
    { kind: 'impu', value: 'tel:+12015550100' },
    { kind: 'e164Number', value: '12015550100' },
    { kind: 'imsi', value: '001010000000002' },
  ]);
});

test('end of session: STA, and CCA to a TERMINATION_REQUEST; not the requests', () => {
  assert.equal(inspectDiameter(diameter({ command: 275, request: false }, [sid])).endsSession, true);
  assert.equal(inspectDiameter(diameter({ command: 275, request: true }, [sid])).endsSession, false);
  const cca = (type: number) => diameter({ command: 272, request: false }, [sid, avp(416, type)]);
  assert.equal(inspectDiameter(cca(3)).endsSession, true);
  assert.equal(inspectDiameter(cca(2)).endsSession, false);
});

test('no Session-Id (DWR, CER): no keys and no identities', () => {
  const dwr = inspectDiameter(
    diameter({ command: 280, request: true }, [avp(264, 'a'), avp(1, '001010000000001')]),
  );
  assert.deepEqual(dwr, { identities: [], sessionKeys: [], endsSession: false });
});

test('unknown and vendor AVPs are skipped; a missing final padding is tolerated', () => {
  const m = diameter({ command: 272, request: true }, [
    avp(1, 'x@y', 99),
    sid,
    avp(999, 'abc'),
    avp(1, 'u@r'),
  ]);
  assert.deepEqual(inspectDiameter(m).identities, [{ kind: 'impi', value: 'u@r' }]);
});

test('malformed messages give ProbeProtocolError', () => {
  const good = diameter({ command: 272, request: true }, [sid, avp(1, 'u@r')]);
  const cases: [Uint8Array, string][] = [
    [good.subarray(0, 12), 'shorter than the 20-octet header'],
    [Uint8Array.from([2, ...good.subarray(1)]), 'version 2 is not 1'],
    [Uint8Array.from([...good, 0, 0, 0, 0]), `length field ${good.length} but ${good.length + 4} octets`],
  ];
  const shortAvp = Uint8Array.from(good);
  shortAvp[20 + 7] = 4; // Session-Id AVP length 4
  cases.push([shortAvp, 'AVP 263 length 4 below its header size']);
  const longAvp = Uint8Array.from(good);
  longAvp[20 + 6] = 0x10; // Session-Id AVP length > message
  cases.push([longAvp, 'AVP 263 runs past its container']);
  let nested = avp(1, 'deep@x');
  for (let i = 0; i < 10; i++) nested = group(443, [nested]);
  cases.push([diameter({ command: 272, request: true }, [sid, nested]), 'grouped AVPs nested too deep']);
  for (const [bytes, reason] of cases) {
    assert.throws(
      () => inspectDiameter(bytes),
      (e: unknown) => e instanceof ProbeProtocolError && e.kind === 'diameter' && e.reason === reason,
      reason,
    );
  }
});
