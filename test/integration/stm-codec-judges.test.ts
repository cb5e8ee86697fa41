// Independent judges of the STM codecs: tshark (with the shared Lua dissectors), capinfos, and hep-js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { toHex } from '../../src/lib/bytes.js';
import { decodeEep, EEP_PROTOCOL_TYPES, encodeEep, type EepMessage } from '../../src/stm/eep.js';
import { encodeGre, GRE_PROTOCOL, GRE_UDP_PORT } from '../../src/stm/gre.js';
import { buildIpPacket, PACKET } from '../../src/stm/packet.js';
import {
  concatBytes,
  encodeStmPcapng,
  LINKTYPE,
  PcapngFileWriter,
  readPackets,
} from '../../src/stm/pcapng.js';
import { tcpConversation, udpPacket, udpPayloadOf, type Flow } from '../support/pcap-frames.js';
import { hasTool, SHARED, skipUnless } from '../support/shared.js';

const EEP_LUA = resolve(SHARED, 'wireshark/eep.lua');
const PCAPNG_LUA = resolve(SHARED, 'wireshark/stm-pcapng.lua');
const REFERENCE = resolve(SHARED, 'samples/hep3-reference.pcap');
const EEP_PORT = 9060;
const ETHERNET_HEADER = 14;
const tsharkSkip = skipUnless(hasTool('tshark', ['-v']), 'tshark');
const capinfosSkip = skipUnless(hasTool('capinfos', ['-v']), 'capinfos');

const ascii = (s: string) => new TextEncoder().encode(s);
const dir = mkdtempSync(join(tmpdir(), 'lix-stm-judges-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function sip(method: string, n: number): Uint8Array {
  return ascii(
    `${method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK${n}\r\n` +
      `From: <sip:alice@example.com>;tag=${n}\r\nTo: <sip:bob@example.com>\r\nCall-ID: ${n}@example.com\r\n` +
      `CSeq: 1 ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
}

/** Writes raw-IP packets (IPv4 as link type 228, IPv6 as 229) into a pcapng file; returns its path. */
function capture(name: string, packets: readonly Uint8Array[]): string {
  const w = new PcapngFileWriter({ shbUserAppl: 'lix stm-codec-judges' });
  const parts = packets.map((p, i) =>
    w.packet({
      linkType: p[0]! >> 4 === 6 ? LINKTYPE.ipv6 : LINKTYPE.ipv4,
      timestampMicros: 1_700_000_000_000_000n + BigInt(i),
      data: p,
    }),
  );
  const path = join(dir, name);
  writeFileSync(path, concatBytes(parts));
  return path;
}

/** tshark -T fields rows (tab-separated), one per frame that has any of the fields. */
function tshark(lua: string, file: string, fields: readonly string[], filter?: string): string[][] {
  const args = ['-X', `lua_script:${lua}`, '-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
  if (filter) args.push('-Y', filter);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split('\t'));
}

const XIDS = [
  '8f1c5a4e-2b1d-4c3e-9f00-000000000001',
  '8f1c5a4e-2b1d-4c3e-9f00-000000000002',
  '8f1c5a4e-2b1d-4c3e-9f00-000000000003',
];

function report(i: number, v6: boolean, method: string): EepMessage {
  return {
    protocolId: i === 0 ? 'HEP3' : i === 1 ? 'EEP1' : 'EEP3',
    ipFamily: v6 ? 10 : 2,
    ipProtocol: 17,
    srcAddress: v6 ? '2001:db8:1::10' : '10.1.1.1',
    dstAddress: v6 ? '2001:db8:2::20' : '10.2.2.2',
    srcPort: 5060,
    dstPort: 5070 + i,
    timestampSec: 1_700_000_000,
    timestampUsec: i,
    protocolType: EEP_PROTOCOL_TYPES.sip,
    captureAgentId: 2001,
    nodeName: 'ne-1',
    correlationId: XIDS[i]!,
    eventType: 'interception',
    sequence: i,
    payload: sip(method, i),
    otherChunks: [],
  };
}

const EEP_FIELDS = [
  'eep.magic',
  'eep.src_ip',
  'eep.dst_ip',
  'eep.src_ip6',
  'eep.dst_ip6',
  'eep.src_port',
  'eep.dst_port',
  'eep.proto_type',
  'eep.node_name',
  'eep.correlation_id',
  'sip.Method',
];

test('tshark + eep.lua read our EEP datagrams over UDP (IPv4 and IPv6)', { skip: tsharkSkip }, () => {
  const v4: Flow = { src: '192.0.2.1', dst: '192.0.2.2', sport: 40000, dport: EEP_PORT };
  const v6: Flow = { src: '2001:db8::1', dst: '2001:db8::2', sport: 40000, dport: EEP_PORT };
  const file = capture('eep-udp.pcapng', [
    udpPacket(v4, encodeEep(report(0, false, 'INVITE'))),
    udpPacket(v6, encodeEep(report(1, true, 'BYE'))),
    udpPacket(v4, encodeEep(report(2, true, 'OPTIONS'))),
  ]);
  assert.deepEqual(tshark(EEP_LUA, file, EEP_FIELDS), [
    ['HEP3', '10.1.1.1', '10.2.2.2', '', '', '5060', '5070', '0x01', 'ne-1', XIDS[0], 'INVITE'],
    ['EEP1', '', '', '2001:db8:1::10', '2001:db8:2::20', '5060', '5071', '0x01', 'ne-1', XIDS[1], 'BYE'],
    ['EEP3', '', '', '2001:db8:1::10', '2001:db8:2::20', '5060', '5072', '0x01', 'ne-1', XIDS[2], 'OPTIONS'],
  ]);
});

test(
  'tshark + eep.lua de-frame our EEP over TCP: two messages in one segment, one split across two',
  { skip: tsharkSkip },
  () => {
    const [a, b, c] = [0, 1, 2].map((i) => encodeEep(report(i, false, ['INVITE', 'ACK', 'BYE'][i]!))) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const flow: Flow = { src: '192.0.2.1', dst: '192.0.2.2', sport: 40001, dport: EEP_PORT };
    const file = capture(
      'eep-tcp.pcapng',
      tcpConversation(flow, [concatBytes([a, b, c.subarray(0, 40)]), c.subarray(40)]),
    );
    const rows = tshark(EEP_LUA, file, ['eep.correlation_id', 'sip.Method'], 'eep');
    assert.deepEqual(
      rows.flatMap((r) => r[0]!.split(',')),
      XIDS,
    );
    assert.deepEqual(
      rows.flatMap((r) => r[1]!.split(',')),
      ['INVITE', 'ACK', 'BYE'],
    );
  },
);

test(
  'tshark + stm-pcapng.lua read our GRE-PCAPng datagrams on UDP 4754 down to SIP',
  { skip: tsharkSkip },
  () => {
    const outer: Flow = { src: '192.0.2.1', dst: '192.0.2.2', sport: 40002, dport: GRE_UDP_PORT };
    const inner4 = udpPacket(
      { src: '10.1.1.1', dst: '10.2.2.2', sport: 5060, dport: 5060 },
      sip('INVITE', 1),
    );
    const inner6 = udpPacket(
      { src: '2001:db8:1::10', dst: '2001:db8:2::20', sport: 5060, dport: 5060 },
      sip('REGISTER', 2),
    );
    const stm = (linkType: number, packet: Uint8Array) =>
      udpPacket(
        outer,
        encodeGre(
          GRE_PROTOCOL.pcapng,
          encodeStmPcapng({
            linkType,
            timestampMicros: 1_700_000_000_000_000n,
            packet,
            xid: XIDS[0],
            neId: 'ne-1',
          }),
        ),
      );
    const file = capture('gre-pcapng.pcapng', [stm(LINKTYPE.ipv4, inner4), stm(LINKTYPE.ipv6, inner6)]);
    const rows = tshark(PCAPNG_LUA, file, [
      'gre.proto',
      'stmpng.block_type',
      'stmpng.linktype',
      'stmpng.caplen',
      'ipv6.src',
      'sip.Method',
    ]);
    assert.deepEqual(rows, [
      ['0x88b5', '0x0a0d0d0a,0x00000001,0x00000006', '228', String(inner4.length), '', 'INVITE'],
      [
        '0x88b5',
        '0x0a0d0d0a,0x00000001,0x00000006',
        '229',
        String(inner6.length),
        '2001:db8:1::10',
        'REGISTER',
      ],
    ]);
  },
);

interface HepJs {
  encapsulate(msg: string, rcinfo: Record<string, unknown>): Uint8Array;
  decapsulate(b: Uint8Array): { rcinfo: Record<string, unknown>; payload: string } | false;
}
const hep = createRequire(import.meta.url)('hep-js') as HepJs;

test('hep-js decodes what we encode, and we decode what hep-js encodes', () => {
  const ours = report(0, false, 'INVITE');
  const decoded = hep.decapsulate(Buffer.from(encodeEep(ours)));
  assert.ok(decoded);
  assert.deepEqual(decoded, {
    rcinfo: {
      protocolFamily: 2,
      protocol: 17,
      srcIp: '10.1.1.1',
      dstIp: '10.2.2.2',
      srcPort: 5060,
      dstPort: 5070,
      timeSeconds: 1_700_000_000,
      timeUseconds: 0,
      payloadType: 1,
      captureId: 2001,
      hepNodeName: 'ne-1',
      correlation_id: XIDS[0],
    },
    payload: new TextDecoder().decode(ours.payload),
  });
  const msg = new TextDecoder().decode(sip('MESSAGE', 9));
  const theirs = hep.encapsulate(msg, {
    protocolFamily: 2,
    protocol: 6,
    srcIp: '198.51.100.7',
    dstIp: '203.0.113.9',
    srcPort: 5061,
    dstPort: 5062,
    timeSeconds: 1_600_000_000,
    timeUseconds: 42,
    payloadType: 1,
    captureId: 77,
    hepNodeName: 'probe-a',
    capturePass: 'secret',
    correlation_id: XIDS[1],
  });
  assert.deepEqual(decodeEep(theirs), {
    protocolId: 'HEP3',
    ipFamily: 2,
    ipProtocol: 6,
    srcAddress: '198.51.100.7',
    dstAddress: '203.0.113.9',
    srcPort: 5061,
    dstPort: 5062,
    timestampSec: 1_600_000_000,
    timestampUsec: 42,
    protocolType: 1,
    captureAgentId: 77,
    nodeName: 'probe-a',
    correlationId: XIDS[1],
    payload: ascii(msg),
    otherChunks: [{ vendor: 0, type: 0x0e, value: ascii('secret') }],
  });
});

test(
  'our reader and decoder agree with tshark + eep.lua on the reference HEP3 capture',
  { skip: tsharkSkip },
  () => {
    const fields = [
      'eep.magic',
      'eep.src_ip',
      'eep.dst_ip',
      'eep.src_port',
      'eep.dst_port',
      'eep.proto_type',
      'eep.capture_id',
      'eep.payload',
    ];
    const judged = tshark(EEP_LUA, REFERENCE, fields);
    const ours = [...readPackets(readFileSync(REFERENCE))].map((p) => {
      assert.equal(p.linkType, LINKTYPE.ethernet);
      const m = decodeEep(udpPayloadOf(p.data, ETHERNET_HEADER));
      const type = `0x${m.protocolType!.toString(16).padStart(2, '0')}`;
      return [
        m.protocolId,
        m.srcAddress,
        m.dstAddress,
        String(m.srcPort),
        String(m.dstPort),
        type,
        String(m.captureAgentId),
        toHex(m.payload!),
      ];
    });
    assert.equal(ours.length, 8);
    assert.deepEqual(ours, judged);
  },
);

test(
  'capinfos and tshark read our pcapng file; a truncated copy is detected alike',
  { skip: tsharkSkip ?? capinfosSkip },
  () => {
    const packets = [0, 1, 2, 3, 4].map((i) =>
      udpPacket(
        {
          src: i % 2 ? '2001:db8::1' : '10.0.0.1',
          dst: i % 2 ? '2001:db8::2' : '10.0.0.2',
          sport: 5060,
          dport: 5060,
        },
        sip('INFO', i),
      ),
    );
    const file = capture('five.pcapng', packets);
    const info = spawnSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /Number of packets:\s+5\b/);
    const read = spawnSync('tshark', ['-r', file], { encoding: 'utf8' });
    assert.equal(read.status, 0, read.stderr);
    assert.equal(read.stdout.trim().split('\n').length, 5);
    assert.equal([...readPackets(readFileSync(file))].length, 5);

    const cut = join(dir, 'five-cut.pcapng');
    const bytes = readFileSync(file);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const info2 = spawnSync('capinfos', ['-c', '-M', cut], { encoding: 'utf8' });
    assert.notEqual(info2.status, 0);
    assert.match(info2.stderr, /after reading 4 packets/);
    assert.match(info2.stderr, /cut short/);
    const read2 = spawnSync('tshark', ['-r', cut], { encoding: 'utf8' });
    assert.notEqual(read2.status, 0);
    assert.equal(read2.stdout.trim().split('\n').length, 4);
    const seen: number[] = [];
    assert.throws(
      () => {
        for (const p of readPackets(readFileSync(cut))) seen.push(p.data.length);
      },
      (e: unknown) => (e as { reason?: string }).reason === 'truncated',
    );
    assert.equal(seen.length, 4);
  },
);

/** A Diameter Device-Watchdog-Request (RFC 6733 §5.5.1) with Origin-Host and Origin-Realm. */
function diameterDwr(): Uint8Array {
  const avp = (code: number, text: string) => {
    const value = ascii(text);
    const len = 8 + value.length;
    const out = new Uint8Array(len + ((4 - (len % 4)) % 4));
    const v = new DataView(out.buffer);
    v.setUint32(0, code);
    v.setUint32(4, (0x40 << 24) | len);
    out.set(value, 8);
    return out;
  };
  const avps = concatBytes([avp(264, 'ne.lab'), avp(296, 'lab')]);
  const msg = new Uint8Array(20 + avps.length);
  const v = new DataView(msg.buffer);
  v.setUint32(0, (1 << 24) | msg.length);
  v.setUint32(4, (0x80 << 24) | 280);
  v.setUint32(12, 0x1234);
  v.setUint32(16, 0x5678);
  msg.set(avps, 20);
  return msg;
}

test(
  'tshark dissects SIP and Diameter inside synthesised SCTP packets, checksum verified',
  { skip: tsharkSkip },
  () => {
    const sipOverSctp = buildIpPacket({
      ipProtocol: PACKET.sctp,
      srcAddress: '10.0.0.1',
      dstAddress: '10.0.0.2',
      srcPort: 5060,
      dstPort: 5060,
      payload: sip('INVITE', 7),
    });
    const diaOverSctp = buildIpPacket({
      ipProtocol: PACKET.sctp,
      srcAddress: '2001:db8::1',
      dstAddress: '2001:db8::2',
      srcPort: 3868,
      dstPort: 3868,
      payload: diameterDwr(),
      sctpPpid: 46,
    });
    const file = capture('sctp.pcapng', [sipOverSctp, diaOverSctp]);
    const out = execFileSync(
      'tshark',
      [
        '-o',
        'sctp.checksum:CRC-32c',
        '-r',
        file,
        '-T',
        'fields',
        '-e',
        'sctp.checksum.status',
        '-e',
        'sip.Method',
        '-e',
        'diameter.cmd.code',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.deepEqual(rows, [
      ['1', 'INVITE', ''],
      ['1', '', '280'],
    ]);
  },
);
