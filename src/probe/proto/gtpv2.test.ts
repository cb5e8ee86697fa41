import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fteid, gtpv2, ie, probeMessage, tbcd } from '../../../test/support/probe-wire.js';
import { ProbeProtocolError } from './errors.js';
import { inspectGtpv2 } from './gtpv2.js';

const MME = '10.0.0.1';
const SGW = '10.0.0.2';
const at = (payload: Uint8Array, src = MME, dst = SGW) => probeMessage('gtpv2', payload, { src, dst });

const csr = gtpv2({ type: 32, teid: 0, seq: 0x0a0b0c }, [
  ie(1, tbcd('001010123456789')),
  ie(76, tbcd('447700900123')),
  ie(75, tbcd('3534900212345601')),
  fteid(10, 0x2a100, MME, 0),
  fteid(7, 0x99, '10.0.0.3', 1),
  ie(93, fteid(1, 0x55, '10.0.0.4', 0)),
]);

test('Create Session Request: IMSI, MSISDN, MEI (IMEISV to 14 digits); sequence and sender F-TEID keys', () => {
  const ins = inspectGtpv2(at(csr));
  assert.deepEqual(ins.identities, [
    { kind: 'imsi', value: '001010123456789' },
    { kind: 'e164Number', value: '447700900123' },
    { kind: 'imei', value: '35349002123456' },
  ]);
  assert.deepEqual(ins.sessionKeys, [`gtp:s:${MME}>${SGW}:658188`, `gtp:t:${MME}:172288`]);
  assert.equal(ins.endsSession, false);
});

test('the response shares the sequence key; its header TEID names the receiver', () => {
  const rsp = gtpv2({ type: 33, teid: 0x2a100, seq: 0x0a0b0c }, [
    ie(2, Uint8Array.of(16, 0)),
    fteid(11, 2, SGW),
  ]);
  const ins = inspectGtpv2(at(rsp, SGW, MME));
  assert.deepEqual(ins.sessionKeys, [`gtp:t:${MME}:172288`, `gtp:s:${MME}>${SGW}:658188`, `gtp:t:${SGW}:2`]);
});

test("the two ends' sequence spaces are kept apart: a request of the SGW does not share the MME's key", () => {
  const fromSgw = gtpv2({ type: 176, teid: 0x2a100, seq: 0x0a0b0c }, []); // Downlink Data Notification
  assert.deepEqual(inspectGtpv2(at(fromSgw, SGW, MME)).sessionKeys, [
    `gtp:t:${MME}:172288`,
    `gtp:s:${SGW}>${MME}:658188`,
  ]);
  const ack = gtpv2({ type: 177, teid: 2, seq: 0x0a0b0c }, []);
  assert.deepEqual(inspectGtpv2(at(ack, MME, SGW)).sessionKeys, [
    `gtp:t:${SGW}:2`,
    `gtp:s:${SGW}>${MME}:658188`,
  ]);
});

test('Delete Session Response ends the session only when accepted; echo has no TEID', () => {
  const dsr = (cause: number) => gtpv2({ type: 37, teid: 7, seq: 1 }, [ie(2, Uint8Array.of(cause, 0))]);
  assert.equal(inspectGtpv2(at(dsr(16))).endsSession, true);
  assert.equal(inspectGtpv2(at(dsr(64))).endsSession, false);
  assert.equal(
    inspectGtpv2(at(gtpv2({ type: 36, teid: 7, seq: 1 }, [ie(2, Uint8Array.of(16))]))).endsSession,
    false,
  );
  const echo = inspectGtpv2(at(gtpv2({ type: 1, seq: 5 }, [ie(3, Uint8Array.of(1))])));
  assert.deepEqual(echo, { identities: [], sessionKeys: [`gtp:s:${MME}>${SGW}:5`], endsSession: false });
});

test('a piggybacked message is inspected too', () => {
  const first = gtpv2({ type: 33, teid: 1, seq: 1, piggyback: true }, [ie(2, Uint8Array.of(16, 0))]);
  const second = gtpv2({ type: 95, teid: 1, seq: 2 }, [ie(1, tbcd('001010000000009'))]);
  const ins = inspectGtpv2(at(Uint8Array.from([...first, ...second])));
  assert.deepEqual(ins.identities, [{ kind: 'imsi', value: '001010000000009' }]);
  assert.deepEqual(ins.sessionKeys, [`gtp:t:${SGW}:1`, `gtp:s:${SGW}>${MME}:1`, `gtp:s:${MME}>${SGW}:2`]);
});

test('malformed messages give ProbeProtocolError', () => {
  const withLength = (b: Uint8Array, len: number) => {
    const c = Uint8Array.from(b);
    new DataView(c.buffer).setUint16(2, len);
    return c;
  };
  const cases: [Uint8Array, string][] = [
    [csr.subarray(0, 6), 'shorter than the 8-octet header'],
    [Uint8Array.from([0x28, ...csr.subarray(1)]), 'version 1 is not 2'],
    [withLength(csr, csr.length), 'length field runs past the datagram'],
    [withLength(csr, 4), 'length field shorter than the header'],
    [Uint8Array.from([...csr, 0]), 'octets after the end of the message'],
    [gtpv2({ type: 32, seq: 1 }, [ie(1, Uint8Array.of(0x1a))]), 'IMSI IE is not a TBCD digit string'],
    [
      gtpv2({ type: 32, seq: 1 }, [ie(87, Uint8Array.of(0x80, 0, 0, 0, 1, 10))]),
      'F-TEID IE shorter than its addresses',
    ],
    [gtpv2({ type: 32, seq: 1 }, [ie(87, Uint8Array.of(0x80, 0))]), 'F-TEID IE too short'],
    [gtpv2({ type: 37, seq: 1 }, [ie(2, new Uint8Array(0))]), 'empty Cause IE'],
  ];
  const cut = gtpv2({ type: 32, seq: 1 }, [ie(1, tbcd('001010123456789'))]);
  cases.push([withLength(cut.subarray(0, cut.length - 2), cut.length - 6), 'IE 1 runs past the message']);
  for (const [bytes, reason] of cases) {
    assert.throws(
      () => inspectGtpv2(at(bytes)),
      (e: unknown) => e instanceof ProbeProtocolError && e.kind === 'gtpv2' && e.reason === reason,
      reason,
    );
  }
});
