/**
 * NE benches (issue: the Network Element). The NE runs as its own process (`lix ne`), as deployed; the
 * baseline is a bare Node HTTPS server answering a fixed body, also in its own process; the same X1 client
 * loads both over keep-alive mutual TLS on loopback in the same run. Ratios: Ping (target >= 0.60) and ActivateTask with its
 * durable commit (target >= 0.30). GetAllDetails with 100,000 tasks: answer time (target < 1 s, must be
 * < TIME1) and peak memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initPki } from '../src/transport/pki.js';
import { createX1Client } from '../src/transport/https-client.js';
import { encodeRequest } from '../src/x1/encode.js';
import type { X1Request } from '../src/x1/model.js';
import { measurePeak, median, type Bench, type BenchResult } from './harness.js';
import { neHarness } from '../test/support/ne-harness.js';
import { startNeProcess, stopNeProcess } from '../test/support/ne-process.js';
import { startEchoProcess } from './support/echo-process.js';
import { measureRequestsPerSecond } from './support/https-baseline.js';
import { fillNeStore } from './support/ne-store.js';

const SECONDS = Number(process.env.LIX_BENCH_SECONDS ?? 3);
const CONCURRENCY = 4;

function header(i: number) {
  return {
    admfIdentifier: 'admf-1',
    neIdentifier: 'ne-1',
    messageTimestamp: '2026-11-22T10:00:00.000000Z',
    version: 'v1.23.1',
    x1TransactionId: `3741800e-971b-4aa9-85f4-${i.toString(16).padStart(12, '0')}`,
  };
}

function xid(i: number): string {
  return `29f28e1c-f230-486a-a860-${i.toString(16).padStart(12, '0')}`;
}

const DID = '19867c20-8c94-473e-b9cd-8b72b7b05fd4';

function activate(i: number): X1Request {
  return {
    type: 'ActivateTaskRequest',
    header: header(i),
    taskDetails: {
      xId: xid(i),
      targetIdentifiers: [{ kind: 'sipUri', value: `sip:user${i}@ims.example.net` }],
      deliveryType: 'X2Only',
      listOfDIDs: { dIds: [DID], dSIds: [] },
      taskDetailsExtensions: [],
    },
  };
}

interface Lab {
  readonly pkiDir: string;
  readonly dataDir: string;
  readonly tls: { certFile: string; keyFile: string; caFile: string };
}

/** A PKI and data directory for one bench, removed afterwards. */
async function withLab<T>(fn: (lab: Lab) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'lix-bench-ne-'));
  try {
    const pkiDir = join(root, 'pki');
    await initPki({ dir: pkiDir, admf: 'admf-1', nes: ['ne-1'] });
    const tls = {
      certFile: join(pkiDir, 'admf-1.pem'),
      keyFile: join(pkiDir, 'admf-1.key'),
      caFile: join(pkiDir, 'ca.pem'),
    };
    return await fn({ pkiDir, dataDir: join(root, 'data'), tls });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The NE as deployed: its own process (`lix ne`), so that it has a core of its own like the baseline. */
async function withNeProcess<T>(lab: Lab, fn: (url: string) => Promise<T>): Promise<T> {
  const ne = await startNeProcess({
    certFile: join(lab.pkiDir, 'ne-1.pem'),
    keyFile: join(lab.pkiDir, 'ne-1.key'),
    caFile: join(lab.pkiDir, 'ca.pem'),
    dataDir: lab.dataDir,
  });
  try {
    return await fn(ne.url);
  } finally {
    await stopNeProcess(ne, 'SIGTERM');
  }
}

/** Requests per second of the same X1 client against the bare HTTPS echo process. */
async function echoRate(lab: Lab): Promise<number> {
  const echo = await startEchoProcess({
    certFile: join(lab.pkiDir, 'ne-1.pem'),
    keyFile: join(lab.pkiDir, 'ne-1.key'),
    caFile: join(lab.pkiDir, 'ca.pem'),
  });
  const client = createX1Client({ tls: lab.tls, url: echo.url });
  try {
    const body = Buffer.from(encodeRequest([{ type: 'PingRequest', header: header(0) }]));
    return await measureRequestsPerSecond(() => client.post(body), {
      seconds: SECONDS,
      concurrency: CONCURRENCY,
    });
  } finally {
    await client.close();
    await echo.stop();
  }
}

async function pingAndActivate(lab: Lab): Promise<BenchResult[]> {
  const baseline = await echoRate(lab);
  return withNeProcess(lab, async (url) => {
    const client = createX1Client({ tls: lab.tls, url });
    try {
      const ping = Buffer.from(encodeRequest([{ type: 'PingRequest', header: header(0) }]));
      const pingRate = await measureRequestsPerSecond(() => client.post(ping), {
        seconds: SECONDS,
        concurrency: CONCURRENCY,
      });
      await client.post(
        encodeRequest([
          {
            type: 'CreateDestinationRequest',
            header: header(1),
            destinationDetails: {
              dId: DID,
              deliveryType: 'X2Only',
              deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
              destinationDetailsExtensions: [],
            },
          },
        ]),
      );
      const bodies = Array.from({ length: 40_000 }, (_, i) => Buffer.from(encodeRequest([activate(i + 10)])));
      let next = 0;
      const activateRate = await measureRequestsPerSecond(
        async () => {
          const res = await client.post(bodies[next++ % bodies.length]!);
          if (!res.body.includes('AcknowledgedAndCompleted')) {
            throw new Error(`activation failed: ${res.body.toString().slice(0, 300)}`);
          }
        },
        { seconds: SECONDS, concurrency: CONCURRENCY },
      );
      const vs = { unit: 'req/s', baseline: 'https.echo', baselineValue: baseline } as const;
      return [
        { bench: 'x1.ne.ping', value: pingRate, ...vs, ratio: pingRate / baseline, target: '>=0.60' },
        {
          bench: 'x1.ne.activate',
          value: activateRate,
          ...vs,
          ratio: activateRate / baseline,
          target: '>=0.30',
        },
      ];
    } finally {
      await client.close();
    }
  });
}

async function getAllDetails(lab: Lab): Promise<BenchResult[]> {
  const n = 100_000;
  fillNeStore(lab.dataDir, n);
  // The NE's own answer time (store to encoded response, no TLS), in this process.
  const h = await neHarness({}, { dataDir: lab.dataDir });
  const answer: number[] = [];
  let heap = 0;
  try {
    const request = Buffer.from(encodeRequest([{ type: 'GetAllDetailsRequest', header: header(4) }]));
    for (let i = 0; i < 3; i++) {
      const r = await measurePeak(() => h.ne.handle(request, 'admf-1'));
      answer.push(r.ms);
      heap = Math.max(heap, r.peakHeapMiB);
    }
  } finally {
    await h.close();
  }
  return withNeProcess(lab, async (url) => {
    const client = createX1Client({ tls: lab.tls, url, maxResponseBytes: 256 * 2 ** 20, timeoutMs: 30_000 });
    try {
      await client.post(encodeRequest([{ type: 'PingRequest', header: header(3) }]));
      const body = encodeRequest([{ type: 'GetAllDetailsRequest', header: header(2) }]);
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const res = await client.post(body);
        times.push(performance.now() - t0);
        size = res.body.byteLength;
        if (!res.body.includes('GetAllDetailsResponse')) throw new Error('no GetAllDetailsResponse');
      }
      const mib = Number((size / 2 ** 20).toFixed(1));
      return [
        {
          bench: 'x1.ne.getalldetails.answer',
          value: median(answer),
          unit: 'ms',
          target: '<1000 (must be <5000)',
          extra: { tasks: n, responseMiB: mib, peakHeapMiB: Math.round(heap) },
        },
        {
          bench: 'x1.ne.getalldetails.https',
          value: median(times),
          unit: 'ms',
          target: '<5000 (TIME1)',
          extra: { tasks: n, responseMiB: mib, note: 'end to end over mTLS, client receive included' },
        },
      ];
    } finally {
      await client.close();
    }
  });
}

const benches: Bench[] = [
  { name: 'x1.ne.ping-activate', run: () => withLab(pingAndActivate) },
  { name: 'x1.ne.getalldetails', run: () => withLab(getAllDetails) },
];

export default benches;
