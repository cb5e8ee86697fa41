/**
 * NE benches (issue: the Network Element). Over keep-alive mutual TLS on loopback, each as a ratio to a bare
 * Node HTTPS server answering a fixed body in the same run: Ping (target >= 0.60) and ActivateTask with its
 * durable commit (target >= 0.30). GetAllDetails with 100,000 tasks: answer time (target < 1 s, must be
 * < TIME1) and peak memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/lib/logger.js';
import { parseNeConfig } from '../src/ne/config.js';
import { startNeServer } from '../src/ne/server.js';
import { openNeStore } from '../src/store/sqlite-ne-store.js';
import { initPki } from '../src/transport/pki.js';
import { createX1Client } from '../src/transport/https-client.js';
import { encodeRequest } from '../src/x1/encode.js';
import type { X1Request } from '../src/x1/model.js';
import { measurePeak, type Bench, type BenchResult } from './harness.js';
import { measureHttpsEcho, measureRequestsPerSecond } from './support/https-baseline.js';

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

async function withNe<T>(fn: (url: string, pkiDir: string, dataDir: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'lix-bench-ne-'));
  try {
    const pkiDir = join(root, 'pki');
    await initPki({ dir: pkiDir, admf: 'admf-1', nes: ['ne-1'] });
    const dataDir = join(root, 'data');
    const config = parseNeConfig({
      id: 'ne-1',
      admfId: 'admf-1',
      listenHost: '127.0.0.1',
      listenPort: 0,
      tlsDir: pkiDir,
      dataDir,
    });
    const ne = await startNeServer(config, { logger: silentLogger });
    try {
      return await fn(ne.url, pkiDir, dataDir);
    } finally {
      await ne.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const benches: Bench[] = [
  {
    name: 'x1.ne',
    async run() {
      const baseline = await measureHttpsEcho({ seconds: SECONDS, concurrency: CONCURRENCY });
      return withNe(async (url, pkiDir) => {
        const tls = {
          certFile: join(pkiDir, 'admf-1.pem'),
          keyFile: join(pkiDir, 'admf-1.key'),
          caFile: join(pkiDir, 'ca.pem'),
        };
        const client = createX1Client({ tls, url });
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
          const bodies = Array.from({ length: 40_000 }, (_, i) =>
            Buffer.from(encodeRequest([activate(i + 10)])),
          );
          let next = 0;
          const activateRate = await measureRequestsPerSecond(
            async () => {
              const body = bodies[next++ % bodies.length]!;
              const res = await client.post(body);
              if (!res.body.includes('AcknowledgedAndCompleted'))
                throw new Error(`activation failed: ${res.body.toString().slice(0, 300)}`);
            },
            { seconds: SECONDS, concurrency: CONCURRENCY },
          );
          const results: BenchResult[] = [
            {
              bench: 'x1.ne.ping',
              value: pingRate,
              unit: 'req/s',
              baseline: 'https.echo',
              baselineValue: baseline,
              ratio: pingRate / baseline,
              target: '>=0.60',
            },
            {
              bench: 'x1.ne.activate',
              value: activateRate,
              unit: 'req/s',
              baseline: 'https.echo',
              baselineValue: baseline,
              ratio: activateRate / baseline,
              target: '>=0.30',
            },
          ];
          return results;
        } finally {
          await client.close();
        }
      });
    },
  },
  {
    name: 'x1.ne.getalldetails',
    async run() {
      return withNe(async (url, pkiDir, dataDir) => {
        const n = 100_000;
        const store = openNeStore(dataDir);
        store.transaction(() => {
          store.insertDestination({
            dId: DID,
            deliveryType: 'X2Only',
            deliveryAddress: { kind: 'uri', value: 'eep+udp://127.0.0.1:9060' },
            destinationDetailsExtensions: [],
          });
          for (let i = 0; i < n; i++) {
            const m = activate(i);
            if (m.type === 'ActivateTaskRequest')
              store.insertTask({
                details: m.taskDetails,
                origin: 'x1',
                provisioningStatus: 'complete',
                at: '2026-11-22T10:00:00.000000Z',
              });
          }
        });
        store.close();
        const tls = {
          certFile: join(pkiDir, 'admf-1.pem'),
          keyFile: join(pkiDir, 'admf-1.key'),
          caFile: join(pkiDir, 'ca.pem'),
        };
        const client = createX1Client({ tls, url, maxResponseBytes: 256 * 2 ** 20, timeoutMs: 30_000 });
        try {
          const body = encodeRequest([{ type: 'GetAllDetailsRequest', header: header(2) }]);
          await client.post(encodeRequest([{ type: 'PingRequest', header: header(3) }]));
          const r = await measurePeak(() => client.post(body));
          const size = r.result.body.byteLength;
          if (!r.result.body.includes('GetAllDetailsResponse')) throw new Error('no GetAllDetailsResponse');
          return [
            {
              bench: 'x1.ne.getalldetails',
              value: r.ms,
              unit: 'ms',
              target: '<1000 (must be <5000)',
              extra: {
                tasks: n,
                responseMiB: Number((size / 2 ** 20).toFixed(1)),
                peakRssMiB: Math.round(r.peakRssMiB),
                peakHeapMiB: Math.round(r.peakHeapMiB),
              },
            },
          ];
        } finally {
          await client.close();
        }
      });
    },
  },
];

export default benches;
