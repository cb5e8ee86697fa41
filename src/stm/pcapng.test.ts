import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../lib/bytes.js';
import {
  concatBytes,
  encodeEnhancedPacket,
  encodeInterfaceDescription,
  encodeSectionHeader,
  encodeSimplePacket,
  encodeStmPcapng,
  LINKTYPE,
  parseStmComments,
  PcapngDecodeError,
  PcapngFileWriter,
  readPackets,
  readPcapngBlocks,
  toMicros,
  type CapturedPacket,
} from './pcapng.js';

const h = (s: string) => s.replace(/\s/g, '');
const SHB = '0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000';
const IDB_228 = '01000000 14000000 e400 0000 00000000 14000000';
const EPB = '06000000 24000000 00000000 01000000 02000000 03000000 03000000 01020300 24000000';

test('golden bytes: SHB, IDB and EPB, little-endian, 32-bit aligned', () => {
  assert.equal(toHex(encodeSectionHeader()), h(SHB));
  assert.equal(
    toHex(encodeSectionHeader({ shbUserAppl: 'lix' })),
    h('0a0d0d0a 28000000 4d3c2b1a 0100 0000 ffffffffffffffff 0400 0300 6c697800 0000 0000 28000000'),
  );
  assert.equal(toHex(encodeInterfaceDescription(LINKTYPE.ipv4)), h(IDB_228));
  assert.equal(
    toHex(encodeInterfaceDescription(LINKTYPE.raw, { name: 'eth0', tsresol: 6 })),
    h('01000000 28000000 6500 0000 00000000 0200 0400 65746830 0900 0100 06000000 0000 0000 28000000'),
  );
  const data = fromHex('010203');
  assert.equal(
    toHex(encodeEnhancedPacket({ interfaceId: 0, timestampMicros: 0x1_0000_0002n, data })),
    h(EPB),
  );
  assert.equal(
    toHex(encodeEnhancedPacket({ interfaceId: 0, timestampMicros: 0x1_0000_0002n, data, comments: ['ab'] })),
    h(
      '06000000 30000000 00000000 01000000 02000000 03000000 03000000 01020300 0100 0200 61620000 0000 0000 30000000',
    ),
  );
});

test('the STM payload is SHB + IDB + EPB carrying the XID and NE identifier as comments', () => {
  const packet = fromHex('45000014');
  const b = encodeStmPcapng({
    linkType: LINKTYPE.ipv4,
    timestampMicros: 1_700_000_000_000_001n,
    packet,
    xid: 'x-1',
    neId: 'ne-1',
  });
  assert.equal(toHex(b.subarray(0, 48)), h(SHB + IDB_228));
  const blocks = [...readPcapngBlocks(b)];
  assert.deepEqual(
    blocks.map((x) => x.kind),
    ['shb', 'idb', 'epb'],
  );
  const [p] = [...readPackets(b)];
  assert.deepEqual(p, {
    linkType: 228,
    timestampMicros: 1_700_000_000_000_001n,
    data: packet,
    originalLength: 4,
    comments: ['lix.xid=x-1', 'lix.ne=ne-1'],
  });
  assert.deepEqual(parseStmComments(p.comments), { xid: 'x-1', neId: 'ne-1' });
});

test('big-endian sections are read in their own byte order', () => {
  const be = h(
    '0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffffffffffff 0000001c' +
      '00000001 00000014 0001 0000 00000000 00000014' +
      '00000006 00000030 00000000 00000000 000f4241 00000003 00000005 01020300 0001 0002 61620000 0000 0000 00000030',
  );
  const file = concatBytes([
    fromHex(be),
    encodeSectionHeader(),
    encodeInterfaceDescription(LINKTYPE.ipv6),
    fromHex(EPB),
  ]);
  assert.deepEqual(
    [...readPcapngBlocks(file)].filter((b) => b.kind === 'shb').map((b) => b.kind === 'shb' && b.byteOrder),
    ['be', 'le'],
  );
  assert.deepEqual(
    [...readPackets(file)],
    [
      {
        linkType: 1,
        timestampMicros: 1_000_001n,
        data: fromHex('010203'),
        originalLength: 5,
        comments: ['ab'],
      },
      {
        linkType: 229,
        timestampMicros: 0x1_0000_0002n,
        data: fromHex('010203'),
        originalLength: 3,
        comments: [],
      },
    ],
  );
});

test('simple packet blocks and unknown blocks', () => {
  const file = concatBytes([
    encodeSectionHeader(),
    encodeInterfaceDescription(LINKTYPE.ethernet, { snapLen: 2 }),
    encodeSimplePacket(fromHex('aabbcc')),
    fromHex('0000bead 10000000 01020304 10000000'),
  ]);
  const blocks = [...readPcapngBlocks(file)];
  assert.deepEqual(blocks[3], {
    kind: 'other',
    offset: 68,
    blockType: 0xadbe0000,
    body: fromHex('01020304'),
  });
  assert.deepEqual(
    [...readPackets(file)],
    [{ linkType: 1, timestampMicros: 0n, data: fromHex('aabb'), originalLength: 3, comments: [] }],
  );
});

test('timestamp resolution (if_tsresol) and offset', () => {
  assert.equal(toMicros(1500n, 3), 1_500_000n);
  assert.equal(toMicros(1_000_001_000n, 9), 1_000_001n);
  assert.equal(toMicros(1n << 20n, 0x80 | 20), 1_000_000n);
  assert.equal(toMicros(5n, 6, 10n), 10_000_005n);
});

/** Reads every packet; returns them and the error reason that ended the read, if any. */
function drain(b: Uint8Array): { packets: CapturedPacket[]; reason?: string } {
  const packets: CapturedPacket[] = [];
  try {
    for (const p of readPackets(b)) packets.push(p);
    return { packets };
  } catch (e) {
    assert.ok(e instanceof PcapngDecodeError, `unexpected ${String(e)}`);
    return { packets, reason: e.reason };
  }
}

test('classic pcap in both byte orders, micro- and nanosecond', () => {
  const le = fromHex(
    'd4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000' + '01000000 02000000 03000000 03000000 aabbcc',
  );
  assert.deepEqual(drain(le).packets, [
    { linkType: 1, timestampMicros: 1_000_002n, data: fromHex('aabbcc'), originalLength: 3, comments: [] },
  ]);
  const be = fromHex(
    'a1b23c4d 0002 0004 00000000 00000000 0000ffff 00000065' + '00000001 000003e8 00000002 00000004 aabb',
  );
  assert.deepEqual(drain(be).packets, [
    { linkType: 101, timestampMicros: 1_000_001n, data: fromHex('aabb'), originalLength: 4, comments: [] },
  ]);
  const cut = concatBytes([le, fromHex('01000000 02000000 03000000 03000000 aa')]);
  assert.deepEqual(drain(cut), { packets: drain(le).packets, reason: 'truncated' });
});

test('damaged pcapng: typed reasons, good packets before the damage still yielded', () => {
  const good = concatBytes([fromHex(SHB), fromHex(IDB_228), fromHex(EPB)]);
  const edit = (at: number, hex: string) => {
    const b = good.slice();
    b.set(fromHex(hex), at);
    return b;
  };
  assert.equal(drain(good).reason, undefined);
  assert.deepEqual(drain(concatBytes([good, fromHex(EPB).subarray(0, 30)])), {
    packets: drain(good).packets,
    reason: 'truncated',
  });
  assert.equal(drain(edit(32, '13000000')).reason, 'bad-block-length');
  assert.equal(drain(edit(44, '18000000')).reason, 'trailing-length-mismatch');
  assert.equal(drain(edit(8, '01020304')).reason, 'bad-byte-order');
  assert.equal(drain(edit(12, '0200')).reason, 'bad-version');
  assert.equal(drain(edit(56, '01000000')).reason, 'bad-interface');
  assert.equal(drain(edit(68, 'ffffff00')).reason, 'bad-block-length');
  assert.throws(
    () => [...readPcapngBlocks(good.subarray(28))],
    (e) => e instanceof PcapngDecodeError && e.reason === 'no-section',
  );
  assert.equal(drain(fromHex('00010203')).reason, 'unknown-format');
  const badOption = concatBytes([
    fromHex(SHB),
    fromHex('01000000 18000000 e400 0000 00000000 0200 0800 18000000'),
  ]);
  assert.equal(drain(badOption).reason, 'bad-option');
});

const arbPacket = fc.record(
  {
    linkType: fc.constantFrom(...Object.values(LINKTYPE)),
    timestampMicros: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    data: fc.uint8Array({ maxLength: 300 }),
    comments: fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { maxLength: 3 }),
  },
  { noNullPrototype: true },
);

test('round trip: the file writer and readPackets agree', () => {
  fc.assert(
    fc.property(fc.array(arbPacket, { maxLength: 10 }), (ps) => {
      const w = new PcapngFileWriter({ shbUserAppl: 'lix test' });
      const file = concatBytes([w.start(), ...ps.map((p) => w.packet(p))]);
      assert.equal(w.packets, ps.length);
      assert.equal(w.interfaces, new Set(ps.map((p) => p.linkType)).size);
      assert.deepEqual(
        [...readPackets(file)],
        ps.map((p) => ({ ...p, originalLength: p.data.length })),
      );
    }),
    { numRuns: 200 },
  );
});

test('fuzz: random and mutated captures raise only PcapngDecodeError', () => {
  const seed = concatBytes([
    fromHex(SHB),
    fromHex(IDB_228),
    fromHex(EPB),
    encodeStmPcapng({ linkType: 1, timestampMicros: 5n, packet: new Uint8Array(20), xid: 'x' }),
  ]);
  const classic = fromHex(
    'd4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000' + '01000000 02000000 03000000 03000000 aabbcc',
  );
  const mutated = fc
    .tuple(
      fc.constantFrom(seed, classic),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.nat(),
    )
    .map(([base, edits, cut]) => {
      const b = base.slice();
      for (const [at, val] of edits) b[at % b.length] = val;
      return cut % 3 === 0 ? b.subarray(0, cut % (b.length + 1)) : b;
    });
  const started = performance.now();
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (b) => {
      drain(b);
      for (const _ of (function* () {
        try {
          yield* readPcapngBlocks(b);
        } catch (e) {
          assert.ok(e instanceof PcapngDecodeError);
        }
      })());
    }),
    { numRuns: 3000 },
  );
  assert.ok(performance.now() - started < 20_000);
});
