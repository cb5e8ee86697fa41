import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sipInvite, sipResponse, sipText } from '../../../test/support/probe-wire.js';
import type { IdentityKind, Inspection } from '../messages.js';
import { ProbeProtocolError } from './errors.js';
import { inspectSip, splitHeaderList } from './sip.js';

const enc = new TextEncoder();
const ofKind = (ins: Inspection, kind: IdentityKind) =>
  ins.identities.filter((i) => i.kind === kind).map((i) => i.value);

const parties = { callId: 'abc@host', from: '"Alice" <sip:alice@Example.net>', to: '<tel:+44-7700-900123>' };

test('INVITE: Request-URI, From, To, every P-Asserted-Identity and Contact; session key from Call-ID', () => {
  const ins = inspectSip(
    sipInvite('sip:+447700900123@ims.example.net;user=phone', parties, [
      'P-Asserted-Identity: "Alice" <sip:alice@example.net>, <tel:+1-201-555-0100>',
      'P-Asserted-Identity: <sip:+12015550199@ims.example.net;user=phone>',
      'Contact: <sip:alice@[2001:db8::5]:5062;ob>;expires=600, "x,y" <sip:second@pc.example.net>',
    ]),
  );
  assert.deepEqual(ofKind(ins, 'sipUri'), [
    'sip:+447700900123@ims.example.net',
    'sip:alice@example.net',
    'sip:+12015550199@ims.example.net',
    'sip:alice@[2001:db8::5]',
    'sip:second@pc.example.net',
  ]);
  assert.deepEqual(ofKind(ins, 'telUri'), ['tel:+447700900123', 'tel:+12015550100']);
  assert.deepEqual(ofKind(ins, 'e164Number'), ['447700900123', '12015550100', '12015550199']);
  assert.equal(ofKind(ins, 'impu').length, 7, 'every SIP and tel URI is also an impu');
  assert.deepEqual(ins.sessionKeys, ['sip:abc@host']);
  assert.equal(ins.endsSession, false);
});

test('compact header forms f, t, m, i and folded lines', () => {
  const ins = inspectSip(
    sipText('MESSAGE sip:bob@example.net SIP/2.0', [
      'f: <sip:carol@example.net>;tag=1',
      't:',
      '  <sip:dave@example.net>',
      'i: compact-1',
      'm: <sip:carol@10.0.0.9>',
      'CSeq: 7 MESSAGE',
    ]),
  );
  assert.deepEqual(ofKind(ins, 'sipUri'), [
    'sip:bob@example.net',
    'sip:carol@example.net',
    'sip:dave@example.net',
    'sip:carol@10.0.0.9',
  ]);
  assert.deepEqual(ins.sessionKeys, ['sip:compact-1']);
});

test('Contact: * and unknown URI schemes give no identity', () => {
  const ins = inspectSip(
    sipText('REGISTER sip:example.net SIP/2.0', [
      'From: <urn:service:sos>;tag=1',
      'To: <mailto:x@example.net>',
      'Call-ID: r1',
      'CSeq: 2 REGISTER',
      'Contact: *',
    ]),
  );
  assert.deepEqual(ins.identities, [
    { kind: 'sipUri', value: 'sip:example.net' },
    { kind: 'impu', value: 'sip:example.net' },
  ]);
});

test('end of session: BYE answered 2xx/408/481, CANCEL 408/481; never a response to INVITE', () => {
  const ends = (status: number, cseq: string) =>
    inspectSip(sipResponse(status, { ...parties, cseq })).endsSession;
  assert.equal(ends(200, '2 BYE'), true);
  assert.equal(ends(481, '2 BYE'), true);
  assert.equal(ends(408, '2 bye'), true);
  assert.equal(ends(500, '2 BYE'), false);
  assert.equal(ends(200, '1 CANCEL'), false, 'the 487 to the INVITE still follows');
  assert.equal(ends(481, '1 CANCEL'), true);
  assert.equal(ends(180, '1 INVITE'), false);
  assert.equal(ends(200, '1 INVITE'), false);
  // The ACK of a failed INVITE, and the retry after a challenge, follow in the same Call-ID.
  assert.equal(ends(486, '1 INVITE'), false);
  assert.equal(ends(407, '1 INVITE'), false);
  assert.equal(ends(302, '1 INVITE'), false);
  assert.equal(inspectSip(sipText('BYE sip:a@b SIP/2.0', ['Call-ID: x', 'CSeq: 2 BYE'])).endsSession, false);
});

test('bare LF line ends are accepted', () => {
  const ins = inspectSip(enc.encode('OPTIONS sip:a@b SIP/2.0\nCall-ID: lf\nCSeq: 1 OPTIONS\n\n'));
  assert.deepEqual(ins.sessionKeys, ['sip:lf']);
});

test('malformed messages give ProbeProtocolError with a reason', () => {
  const bad: [string, string][] = [
    ['INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n', 'no end of the header section'],
    ['HELLO\r\nCall-ID: x\r\n\r\n', 'not a SIP/2.0 request or status line'],
    ['SIP/2.0 99 Odd\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n', 'not a SIP/2.0 request or status line'],
    ['INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n', 'no Call-ID'],
    ['INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: one INVITE\r\n\r\n', 'no valid CSeq'],
    ['INVITE sip:a@b SIP/2.0\r\nCall-ID x\r\n\r\n', 'header line 1 has no name'],
  ];
  for (const [text, reason] of bad) {
    assert.throws(
      () => inspectSip(enc.encode(text)),
      (e: unknown) => e instanceof ProbeProtocolError && e.kind === 'sip' && e.reason === reason,
      text,
    );
  }
  const many = Array.from({ length: 300 }, (_, i) => `X-${i}: y`);
  assert.throws(() => inspectSip(sipText('OPTIONS sip:a@b SIP/2.0', many)), ProbeProtocolError);
});

test('a long Contact list is read whole and deduplicated', () => {
  const entries = Array.from({ length: 2000 }, (_, i) => `<sip:u${i % 1000}@example.net>`).join(', ');
  const ins = inspectSip(
    sipText('REGISTER sip:example.net SIP/2.0', ['Call-ID: r', 'CSeq: 1 REGISTER', `Contact: ${entries}`]),
  );
  assert.equal(ofKind(ins, 'sipUri').length, 1001, 'the Request-URI and 1000 distinct contacts');
  assert.equal(ofKind(ins, 'impu').length, 1001);
});

test('splitHeaderList keeps commas inside quotes and angle brackets', () => {
  assert.deepEqual(splitHeaderList('"a, \\"b" <sip:x@y;p=1,2>, <tel:+1> ,'), [
    '"a, \\"b" <sip:x@y;p=1,2>',
    '<tel:+1>',
  ]);
});

test('fields it does not read change nothing, whatever their names; CRLF and bare LF read alike', () => {
  const cased = (name: string) =>
    fc
      .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
      .map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
  const wanted = fc.oneof(
    fc.tuple(
      fc.oneof(cased('From'), cased('f')),
      fc.constantFrom('<sip:alice@example.net>;tag=1', 'tel:+447700900123'),
    ),
    fc.tuple(fc.oneof(cased('To'), cased('t')), fc.constant('<sip:bob@example.net>')),
    fc.tuple(fc.oneof(cased('Contact'), cased('m')), fc.constantFrom('<sip:carol@10.0.0.1>', '*')),
    fc.tuple(cased('P-Asserted-Identity'), fc.constant('<sip:dave@example.net>, <tel:+15551234567>')),
    // Names the inspector reads after trimming (a leading space or tab would fold the line into the one before).
    fc.tuple(
      fc.constantFrom('\u00a0From', '\u00a0To', '\ufeffContact'),
      fc.constant('<sip:erin@example.net>'),
    ),
  );
  const read = new Set([
    'from',
    'to',
    'contact',
    'p-asserted-identity',
    'call-id',
    'cseq',
    'f',
    't',
    'm',
    'i',
  ]);
  const other = fc.tuple(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/).filter((n) => !read.has(n.toLowerCase())),
    fc.stringMatching(/^[ -~]{0,20}$/),
  );
  fc.assert(
    fc.property(
      fc.array(wanted, { maxLength: 5 }),
      fc.array(fc.tuple(other, fc.nat()), { maxLength: 8 }),
      (fields, ignored) => {
        const base = [...fields.map(([n, v]) => `${n}: ${v}`), 'Call-ID: k1@example.net', 'CSeq: 7 INVITE'];
        const mixed = [...base];
        for (const [[n, v], at] of ignored) mixed.splice(at % (mixed.length + 1), 0, `${n}: ${v}`);
        const text = (lines: string[], eol: string) =>
          enc.encode(['INVITE sip:bob@example.net SIP/2.0', ...lines].join(eol) + eol + eol);
        let want: Inspection | string;
        try {
          want = inspectSip(text(base, '\r\n'));
        } catch (e) {
          want = String(e);
        }
        for (const variant of [text(mixed, '\r\n'), text(mixed, '\n')]) {
          let got: Inspection | string;
          try {
            got = inspectSip(variant);
          } catch (e) {
            got = String(e);
          }
          assert.deepEqual(got, want);
        }
      },
    ),
    { numRuns: 500 },
  );
  const nbsp = inspectSip(
    enc.encode(
      'OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\u00a0From: <sip:erin@example.net>\r\nCall-ID: n\r\nCSeq: 1 OPTIONS\r\n\r\n',
    ),
  );
  assert.ok(
    nbsp.identities.some((i) => i.value === 'sip:erin@example.net'),
    'a name after a no-break space is read, as trim() reads it',
  );
});
