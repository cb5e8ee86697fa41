/**
 * Builds small classic pcap (draft-ietf-opsawg-pcap §4-5) and pcapng (draft-ietf-opsawg-pcapng §4) files in
 * either byte order and resolution, for tests of the capture readers. Test helper only.
 */
import type { Frame } from '../../src/probe/messages.js';
import { concatBytes as concat } from '../../src/stm/pcapng.js';

export { concat };

const PCAP_MAGIC = { micro: 0xa1b2c3d4, nano: 0xa1b23c4d } as const;
const BLOCK = { shb: 0x0a0d0d0a, idb: 1, epb: 6, spb: 3 } as const;
const OPT_TSRESOL = 9;
const pad4 = (n: number) => n + ((4 - (n % 4)) % 4);

/** A classic pcap file of `frames` (all of `linkType`), little- or big-endian, micro- or nanoseconds. */
export function classicPcap(
  frames: readonly { timestampMicros: bigint; data: Uint8Array }[],
  opts: { le?: boolean; nanos?: boolean; linkType?: number } = {},
): Uint8Array {
  const le = opts.le ?? true;
  const head = new Uint8Array(24);
  const hv = new DataView(head.buffer);
  hv.setUint32(0, opts.nanos ? PCAP_MAGIC.nano : PCAP_MAGIC.micro, le);
  hv.setUint16(4, 2, le);
  hv.setUint16(6, 4, le);
  hv.setUint32(16, 262144, le);
  hv.setUint32(20, opts.linkType ?? 101, le);
  const parts: Uint8Array[] = [head];
  for (const f of frames) {
    const r = new Uint8Array(16);
    const v = new DataView(r.buffer);
    v.setUint32(0, Number(f.timestampMicros / 1_000_000n), le);
    const micros = Number(f.timestampMicros % 1_000_000n);
    v.setUint32(4, opts.nanos ? micros * 1000 : micros, le);
    v.setUint32(8, f.data.length, le);
    v.setUint32(12, f.data.length, le);
    parts.push(r, f.data);
  }
  return concat(parts);
}

function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, total, le);
  out.set(body, 8);
  v.setUint32(total - 4, total, le);
  return out;
}

export interface NgInterface {
  readonly linkType: number;
  /** if_tsresol (6 = microseconds, 9 = nanoseconds); omitted means 6. */
  readonly tsresol?: number;
}

export interface NgPacket {
  readonly iface: number;
  /** In the interface's resolution units. */
  readonly raw: bigint;
  readonly data: Uint8Array;
}

/** One pcapng section (SHB, IDBs, EPBs) in the given byte order. */
export function pcapngSection(
  le: boolean,
  ifaces: readonly NgInterface[],
  packets: readonly NgPacket[],
): Uint8Array {
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, le);
  sv.setUint16(4, 1, le);
  sv.setBigInt64(8, -1n, le);
  const parts = [block(BLOCK.shb, shb, le)];
  for (const i of ifaces) {
    const body = new Uint8Array(i.tsresol === undefined ? 8 : 8 + 8 + 4);
    const v = new DataView(body.buffer);
    v.setUint16(0, i.linkType, le);
    if (i.tsresol !== undefined) {
      v.setUint16(8, OPT_TSRESOL, le);
      v.setUint16(10, 1, le);
      body[12] = i.tsresol;
    }
    parts.push(block(BLOCK.idb, body, le));
  }
  for (const p of packets) {
    const body = new Uint8Array(20 + pad4(p.data.length));
    const v = new DataView(body.buffer);
    v.setUint32(0, p.iface, le);
    v.setUint32(4, Number(p.raw >> 32n), le);
    v.setUint32(8, Number(p.raw & 0xffffffffn), le);
    v.setUint32(12, p.data.length, le);
    v.setUint32(16, p.data.length, le);
    body.set(p.data, 20);
    parts.push(block(BLOCK.epb, body, le));
  }
  return concat(parts);
}

/** A frame of `n` bytes of value `fill` (distinct payloads make order checks meaningful). */
export const bytesOf = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

/** Link type, timestamp and bytes of a frame, comparable with deepEqual. */
export const plainFrame = (f: Frame) => ({ linkType: f.linkType, ts: f.timestampMicros, data: [...f.data] });
