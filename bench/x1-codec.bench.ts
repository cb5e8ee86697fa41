/**
 * X1 codec benches. Targets (issue: X1 codec): decode + validate + encode of a small ActivateTask within 3× the
 * bare libxml2 parse of the same bytes (ratio of rates >= 0.33); a GetAllDetailsResponse with 100,000 tasks
 * encoded and decoded well inside TIME1 (5 s), memory proportional to the data.
 */
import { resolve } from 'node:path';
import { ParseOption, XmlDocument } from 'libxml2-wasm';
import { readSchemaDir } from '../src/lib/schema-dir.js';
import { X1Codec } from '../src/x1/codec.js';
import { decodeX1 } from '../src/x1/decode.js';
import { encodeRequest, encodeResponse } from '../src/x1/encode.js';
import type {
  ActivateTaskRequest,
  GetAllDetailsResponse,
  MessageHeader,
  TaskResponseDetails,
} from '../src/x1/model.js';
import { SchemaSet } from '../src/x1/schema.js';
import { measurePeak, opsPerSecond, pairedRates, type Bench } from './harness.js';

const SCHEMAS = resolve(import.meta.dirname, '../../shared/etsi');

const header: MessageHeader = {
  admfIdentifier: 'admf-1',
  neIdentifier: 'ne-1',
  messageTimestamp: '2026-11-22T10:00:00.000000Z',
  version: 'v1.23.1',
  x1TransactionId: '3741800e-971b-4aa9-85f4-466d2b1adc7f',
};

function uuid(i: number): string {
  const h = i.toString(16).padStart(12, '0');
  return `29f28e1c-f230-486a-a860-${h}`;
}

function task(i: number): TaskResponseDetails {
  return {
    taskDetails: {
      xId: uuid(i),
      targetIdentifiers: [
        { kind: 'sipUri', value: `sip:+4477009${String(i).padStart(5, '0')}@ims.example.net` },
      ],
      deliveryType: 'X2Only',
      listOfDIDs: { dIds: ['19867c20-8c94-473e-b9cd-8b72b7b05fd4'], dSIds: [] },
      taskDetailsExtensions: [],
    },
    taskStatus: {
      provisioningStatus: 'complete',
      listOfFaults: [],
      timeOfLastIntercept: '2026-11-22T10:00:00.123456Z',
      amountOfX2Data: i * 100,
      taskStatusExtensions: [],
    },
  };
}

const activate: ActivateTaskRequest = {
  type: 'ActivateTaskRequest',
  header,
  taskDetails: task(1).taskDetails,
};

/** Encodes, then decodes, a GetAllDetailsResponse with `n` tasks; time and peak heap of each side. */
async function getAllDetailsRound(n: number) {
  const msg: GetAllDetailsResponse = {
    type: 'GetAllDetailsResponse',
    header,
    neStatusDetails: { neStatus: 'OK', listOfFaults: [] },
    listOfTaskResponseDetails: Array.from({ length: n }, (_, i) => task(i)),
    listOfDestinationResponseDetails: [],
  };
  const enc = await measurePeak(() => encodeResponse([msg]));
  const bytes = Buffer.from(enc.result);
  const limits = { maxBytes: 256 * 2 ** 20, maxElements: 50_000_000 };
  const dec = await measurePeak(() => decodeX1(bytes, { limits }));
  const d = dec.result;
  if (d.root !== 'X1Response' || !d.results[0]!.ok) throw new Error('decode failed');
  return { n, mib: bytes.byteLength / 2 ** 20, enc, dec };
}

const benches: Bench[] = [
  {
    name: 'x1.codec.activate',
    async run() {
      const codec = new X1Codec({ schema: SchemaSet.compile(readSchemaDir(SCHEMAS)) });
      const bytes = new TextEncoder().encode(encodeRequest([activate]));
      const opt = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;
      const {
        baseline: bare,
        subject: full,
        ratio,
      } = await pairedRates(
        () => XmlDocument.fromBuffer(bytes, { option: opt }).dispose(),
        () => {
          const d = codec.decode(bytes);
          const r = d.root === 'X1Request' ? d.results[0] : undefined;
          if (!r?.ok) throw new Error('decode failed');
          return encodeRequest([r.message]);
        },
      );
      const strict = await opsPerSecond(() => {
        const d = decodeX1(bytes);
        const r = d.root === 'X1Request' ? d.results[0] : undefined;
        if (!r?.ok) throw new Error('decode failed');
        return encodeRequest([r.message]);
      }, 1500);
      return [
        {
          bench: 'x1.codec.activate',
          value: full,
          unit: 'msg/s',
          baseline: 'libxml2.parse',
          baselineValue: bare,
          ratio,
          target: '>=0.33',
          extra: { bytes: bytes.byteLength, strictOnlyPerSec: Math.round(strict) },
        },
      ];
    },
  },
  {
    name: 'x1.codec.getalldetails',
    async run() {
      // A quarter-size run first: memory proportional to the data shows as the same heap per MiB at both sizes.
      const small = await getAllDetailsRound(25_000);
      const big = await getAllDetailsRound(100_000);
      const figures = (side: 'enc' | 'dec') => ({
        tasks: big.n,
        MiB: Number(big.mib.toFixed(1)),
        peakHeapMiB: Math.round(big[side].peakHeapMiB),
        heapPerMiB: Number((big[side].peakHeapMiB / big.mib).toFixed(1)),
        heapPerMiBAt25k: Number((small[side].peakHeapMiB / small.mib).toFixed(1)),
      });
      return [
        {
          bench: 'x1.codec.getalldetails.encode',
          value: big.enc.ms,
          unit: 'ms',
          target: '<5000',
          extra: figures('enc'),
        },
        {
          bench: 'x1.codec.getalldetails.decode',
          value: big.dec.ms,
          unit: 'ms',
          target: '<5000',
          extra: figures('dec'),
        },
      ];
    },
  },
];

export default benches;
