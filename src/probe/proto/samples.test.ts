/**
 * Golden tests on real captures: each SIP, Diameter and GTPv2-C message of the sample captures (TCP/UDP
 * ones, where one segment holds one message) is inspected, and what the inspector finds is compared with
 * what tshark's dissectors show for the same frame.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { hasTool, SHARED, skipUnless } from '../../../test/support/shared.js';
import type { AppProtocol, IdentityKind, Inspection } from '../messages.js';
import { inspect } from './inspect.js';

const SAMPLES = join(SHARED, 'samples');
const tshark = hasTool('tshark', ['-v']);

type Row = Record<string, string>;

/** One row per frame matching `filter`, with the given fields (multi-valued fields joined by ','). */
function frames(file: string, filter: string, fields: readonly string[]): Row[] {
  const args = ['-r', join(SAMPLES, file), '-Y', filter, '-T', 'fields', '-E', 'separator=|'];
  for (const f of ['frame.number', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', ...fields]) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const names = ['frame', 'src4', 'dst4', 'src6', 'dst6', ...fields];
  return out
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split('|').map((v, i) => [names[i]!, v])));
}

function inspectRow(r: Row, protocol: AppProtocol, payloadField: string): Inspection {
  const v6 = r.src4 === '';
  return inspect({
    timestampMicros: 0n,
    ipVersion: v6 ? 6 : 4,
    ipProtocol: payloadField.startsWith('tcp') ? 6 : 17,
    srcAddress: (v6 ? r.src6 : r.src4)!,
    dstAddress: (v6 ? r.dst6 : r.dst4)!,
    srcPort: 1,
    dstPort: 2,
    protocol,
    payload: Uint8Array.from(Buffer.from(r[payloadField]!, 'hex')),
  });
}

const values = (ins: Inspection, kind: IdentityKind) =>
  ins.identities.filter((i) => i.kind === kind).map((i) => i.value);
const list = (s: string | undefined) => (s ? s.split(',') : []);

function ready(t: TestContext, file: string): boolean {
  const why = skipUnless(tshark && existsSync(join(SAMPLES, file)), `tshark and ${file}`);
  if (why) t.skip(why);
  return why === undefined;
}

const SIP_FIELDS = [
  'sip.r-uri.user',
  'sip.from.user',
  'sip.from.host',
  'sip.to.user',
  'sip.to.host',
  'sip.contact.user',
  'sip.Call-ID',
  'sip.CSeq.method',
  'sip.Status-Code',
] as const;

for (const [file, payload] of [
  ['sip-call-tcp-rtp.pcap', 'tcp.payload'],
  ['sip-call-ipv6-udp.pcap', 'udp.payload'],
] as const) {
  test(`SIP ${file}: users, hosts, Call-ID and end of dialog as tshark reads them`, (t) => {
    if (!ready(t, file)) return;
    const rows = frames(file, 'sip', [...SIP_FIELDS, payload]);
    assert.ok(rows.length >= 6);
    for (const r of rows) {
      const ins = inspectRow(r, 'sip', payload);
      const users = values(ins, 'sipUri').map((u) => /^sip:([^@]*)@/.exec(u)?.[1]);
      for (const f of ['sip.r-uri.user', 'sip.from.user', 'sip.to.user', 'sip.contact.user'])
        for (const u of list(r[f])) assert.ok(users.includes(u), `frame ${r.frame}: ${f} ${u} in ${users}`);
      for (const side of ['from', 'to']) {
        const host = r[`sip.${side}.host`]!;
        // tshark cuts unbracketed IPv6 hosts at the first colon; compare IPv4 and names only.
        if (/^[0-9.]+$/.test(host)) {
          const want = `sip:${r[`sip.${side}.user`]}@${host}`;
          assert.ok(values(ins, 'sipUri').includes(want), `frame ${r.frame}: ${want}`);
        }
      }
      assert.deepEqual(ins.sessionKeys, [`sip:${r['sip.Call-ID']}`]);
      const status = Number(r['sip.Status-Code'] || 0);
      assert.equal(ins.endsSession, r['sip.CSeq.method'] === 'BYE' && status === 200, `frame ${r.frame}`);
    }
  });
}

const DIAMETER_FIELDS = [
  'diameter.Session-Id',
  'diameter.User-Name',
  'diameter.Public-Identity',
  'e164.msisdn',
  'diameter.cmd.code',
] as const;

for (const file of ['diameter-cx-tcp.pcap', 'lte-nsa-attach-gtpv2-diameter.pcap']) {
  test(`Diameter ${file}: Session-Id, User-Name, Public-Identity and MSISDN as tshark reads them`, (t) => {
    if (!ready(t, file)) return;
    const rows = frames(file, 'diameter', [...DIAMETER_FIELDS, 'tcp.payload']);
    assert.ok(rows.length >= 6);
    for (const r of rows) {
      const ins = inspectRow(r, 'diameter', 'tcp.payload');
      const sid = r['diameter.Session-Id'];
      assert.deepEqual(ins.sessionKeys, sid ? [`dia:${sid}`] : [], `frame ${r.frame}`);
      const want: string[] = [];
      const user = r['diameter.User-Name'];
      if (user) want.push(/^[0-9]{5,15}$/.test(user) ? `imsi ${user}` : `impi ${user}`);
      for (const pub of list(r['diameter.Public-Identity'])) want.push(`sipUri ${pub}`, `impu ${pub}`);
      for (const msisdn of list(r['e164.msisdn'])) want.push(`e164Number ${msisdn}`);
      const got = ins.identities.map((i) => `${i.kind} ${i.value}`);
      assert.deepEqual(got.sort(), want.sort(), `frame ${r.frame} (command ${r['diameter.cmd.code']})`);
      assert.equal(ins.endsSession, false);
    }
  });
}

const GTP_FIELDS = [
  'gtpv2.message_type',
  'gtpv2.teid',
  'gtpv2.seq',
  'e212.imsi',
  'e164.msisdn',
  'gtpv2.mei',
  'gtpv2.f_teid_gre_key',
  'gtpv2.f_teid_ipv4',
  'gtpv2.cause',
] as const;

for (const file of ['lte-nsa-attach-gtpv2-diameter.pcap', 'lte-roaming-diameter-gtpv2-s1ap.pcapng']) {
  test(`GTPv2-C ${file}: IMSI, MSISDN, MEI, TEIDs and sequence as tshark reads them`, (t) => {
    if (!ready(t, file)) return;
    const rows = frames(file, 'gtpv2', [...GTP_FIELDS, 'udp.payload']);
    assert.ok(rows.length >= 4);
    for (const r of rows) {
      const ins = inspectRow(r, 'gtpv2', 'udp.payload');
      const want = [
        ...list(r['e212.imsi']).map((v) => `imsi ${v}`),
        ...list(r['e164.msisdn']).map((v) => `e164Number ${v}`),
        ...list(r['gtpv2.mei']).map((v) => `imei ${v.slice(0, 14)}`),
      ];
      assert.deepEqual(
        ins.identities.map((i) => `${i.kind} ${i.value}`).sort(),
        want.sort(),
        `frame ${r.frame}`,
      );
      const teid = Number(r['gtpv2.teid']);
      // These captures hold only Create/Modify Bearer/Delete Session (32-37): the odd types are the responses.
      const type = Number(r['gtpv2.message_type']);
      assert.ok(type >= 32 && type <= 37, `frame ${r.frame} type ${type}`);
      const [requester, responder] = type % 2 === 1 ? [r.dst4, r.src4] : [r.src4, r.dst4];
      assert.ok(
        ins.sessionKeys.includes(`gtp:s:${requester}>${responder}:${Number(r['gtpv2.seq'])}`),
        `frame ${r.frame} seq`,
      );
      assert.equal(ins.sessionKeys.includes(`gtp:t:${r.dst4}:${teid}`), teid !== 0, `frame ${r.frame} TEID`);
      const teids = list(r['gtpv2.f_teid_gre_key']).map(Number);
      const addrs = list(r['gtpv2.f_teid_ipv4']);
      for (const k of ins.sessionKeys.filter(
        (s) => s.startsWith('gtp:t:') && s !== `gtp:t:${r.dst4}:${teid}`,
      )) {
        const [, , addr, id] = k.split(':');
        assert.ok(addrs.includes(addr!) && teids.includes(Number(id)), `frame ${r.frame}: ${k} is an F-TEID`);
      }
      const accepted = list(r['gtpv2.cause']).includes('16');
      assert.equal(ins.endsSession, r['gtpv2.message_type'] === '37' && accepted, `frame ${r.frame}`);
    }
  });
}
