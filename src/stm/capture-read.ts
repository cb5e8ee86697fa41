/**
 * Packets out of a capture file held in memory, pcapng or classic pcap: the stream reader
 * ({@link CaptureStreamParser}) fed the file in slices. A damaged or truncated file yields every good packet
 * before the damage and then throws {@link PcapngDecodeError}: callers count it.
 */
import { plainView } from './bin.js';
import { CaptureStreamParser, type CapturedPacket } from './capture-stream.js';
import { PcapngDecodeError } from './pcapng-tables.js';

export { toMicros, type CapturedPacket } from './capture-stream.js';

/** Slice fed to the stream reader at a time, so that a large file is not copied packet list first. */
const SLICE = 1 << 20;

/**
 * Every packet of a pcapng or classic pcap file, with its link type, timestamp in microseconds and (pcapng)
 * its comments. Throws {@link PcapngDecodeError} ('unknown-format' for neither format) after the good packets.
 */
export function* readPackets(input: Uint8Array): Generator<CapturedPacket> {
  const buf = plainView(input);
  if (buf.length < 4) throw new PcapngDecodeError('unknown-format', `${buf.length} bytes`, 0);
  const parser = new CaptureStreamParser();
  for (let off = 0; off < buf.length; off += SLICE) {
    yield* parser.push(buf.subarray(off, Math.min(buf.length, off + SLICE)));
    if (parser.error) throw parser.error;
  }
  const err = parser.end();
  if (err) throw err;
}
