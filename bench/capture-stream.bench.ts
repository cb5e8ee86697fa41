/**
 * The live source's pcap stream parser (issue #18, capture path): packets per second out of a tcpdump-like
 * classic pcap stream of synthetic SIP / Diameter / GTPv2-C frames fed in 64 KiB chunks (a pipe read's
 * size), frames handed on as views into the chunks (`views`, what the live source does) against copies (the
 * default, what a consumer that reuses its chunks needs), in pairs in the same run. Target: views at least
 * as fast as copies (ratio >= 1.0); the absolute rate shows how small the parser's share of the probe's
 * per-message cost is (docs/probe.md "Capacity").
 */
import { CaptureStreamParser } from '../src/stm/capture-stream.js';
import { generate } from '../src/probe/sources/synthetic.js';
import { classicPcap } from '../test/support/capture-files.js';
import { pairedRates, type Bench } from './harness.js';

const FRAMES = 4000;
const CHUNK = 64 * 1024;

function chunksOfStream(): Uint8Array[] {
  const stream = classicPcap(generate(FRAMES, { subscribers: 1000, seed: 7 }));
  const out: Uint8Array[] = [];
  for (let off = 0; off < stream.length; off += CHUNK) out.push(stream.slice(off, off + CHUNK));
  return out;
}

/** One call parses the whole stream; returns the packet count so that nothing is optimised away. */
function parseAll(chunks: readonly Uint8Array[], views: boolean): () => number {
  return () => {
    const p = new CaptureStreamParser({ views });
    let n = 0;
    for (const c of chunks) n += p.push(c).length;
    if (n !== FRAMES) throw new Error(`parsed ${n} of ${FRAMES} packets`);
    return n;
  };
}

const benches: Bench[] = [
  {
    name: 'capture.stream',
    async run() {
      const chunks = chunksOfStream();
      const r = await pairedRates(parseAll(chunks, false), parseAll(chunks, true), {
        rounds: 21,
        msPerRound: 100,
      });
      return [
        {
          bench: 'capture.stream.views',
          value: r.subject * FRAMES,
          unit: 'packets/s',
          baseline: 'capture.stream.copies',
          baselineValue: r.baseline * FRAMES,
          ratio: r.ratio,
          target: '>=1.0',
          extra: { chunkKiB: CHUNK / 1024, packetsPerChunk: Math.round(FRAMES / chunks.length) },
        },
      ];
    },
  },
];

export default benches;
