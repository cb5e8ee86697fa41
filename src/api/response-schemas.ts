/**
 * JSON Schemas of the REST API's answers, published in the OpenAPI document (components.schemas) and named
 * by each route's `response`. They describe what the handlers return after the API's own rewriting: times
 * as ISO 8601 strings (lib/iso-times.ts). Objects stay open (`additionalProperties` is not false) so that a
 * field added later is not a breaking change for clients.
 */
import { DELIVERY_TYPES } from '../x1/model.js';
import { TASK_STATES } from '../store/admf-store.js';
import { warrantViewProps } from './schemas-warrant.js';
import { CAPTURE_SCHEMAS } from './schemas-captures.js';

const time = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC' } as const;
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const strings = { type: 'array', items: str } as const;

/** `{ $ref }` to a schema of components.schemas. */
export const ref = (name: ResponseSchemaName) => ({ $ref: `#/components/schemas/${name}` }) as const;

/** An array of a named schema. */
export const listOf = (name: ResponseSchemaName) => ({ type: 'array', items: ref(name) }) as const;

const errorInformation = {
  type: 'object',
  required: ['errorCode', 'errorDescription'],
  properties: { errorCode: int, errorDescription: str },
} as const;

const x1Details = {
  type: 'object',
  description: 'the X1 structure as TS 103 221-1 defines it, in JSON (element names as keys)',
} as const;

const driftSet = {
  type: 'object',
  required: ['unknownOnNe', 'missingFromNe', 'different'],
  properties: { unknownOnNe: strings, missingFromNe: strings, different: strings },
} as const;

const drift = {
  type: 'object',
  required: ['neId', 'checkedAt', 'tasks', 'destinations', 'inSync'],
  properties: {
    neId: str,
    checkedAt: time,
    tasks: driftSet,
    destinations: driftSet,
    inSync: { type: 'boolean' },
  },
} as const;

const health = {
  type: 'object',
  required: ['consecutiveFailures', 'keepalivesSent', 'faults'],
  properties: {
    reachable: { type: 'boolean', description: 'absent until the first exchange' },
    lastAnswerAt: time,
    lastLatencyMs: { type: 'number' },
    lastError: str,
    consecutiveFailures: int,
    keepalivesSent: int,
    lastKeepaliveAt: time,
    lastReportAt: time,
    faults: { type: 'array', items: errorInformation },
  },
} as const;

const ne = {
  type: 'object',
  required: ['id', 'url', 'options', 'createdAt', 'updatedAt', 'health'],
  properties: {
    id: str,
    url: str,
    options: {
      type: 'object',
      properties: {
        keepalive: { type: 'boolean' },
        keepaliveRandom: { type: 'boolean' },
        timeP1Ms: int,
        timeP2Ms: int,
        heal: { type: 'string', enum: ['manual', 'auto'] },
      },
    },
    createdAt: time,
    updatedAt: time,
    health,
  },
} as const;

const destination = {
  type: 'object',
  required: ['neId', 'did', 'details', 'createdAt', 'updatedAt'],
  properties: {
    neId: str,
    did: { type: 'string', format: 'uuid' },
    details: {
      type: 'object',
      required: ['dId', 'deliveryType', 'deliveryAddress'],
      properties: {
        dId: { type: 'string', format: 'uuid' },
        friendlyName: str,
        deliveryType: { type: 'string', enum: [...DELIVERY_TYPES] },
        deliveryAddress: x1Details,
      },
    },
    createdAt: time,
    updatedAt: time,
  },
} as const;

const task = {
  type: 'object',
  required: ['xid', 'neId', 'details', 'state', 'createdAt', 'updatedAt'],
  properties: {
    xid: { type: 'string', format: 'uuid' },
    neId: str,
    details: x1Details,
    state: { type: 'string', enum: [...TASK_STATES] },
    provisioning: { type: 'string', description: "the NE's last provisioningStatus" },
    reason: { type: 'string', description: 'why the task is in its state (a refusal, a fault)' },
    createdAt: time,
    updatedAt: time,
    pending: { type: 'boolean', description: '202 only: the NE was not reached; the task waits' },
    message: { type: 'string', description: '202 only: what happens next' },
    subscriber: { type: 'string', description: 'GET one task: the subscriber it was made for, if any' },
    ...warrantViewProps,
  },
} as const;

/** Every named answer schema (components.schemas). */
export const RESPONSE_SCHEMAS = {
  Ne: ne,
  NeStatus: {
    type: 'object',
    required: ['neStatus', 'listOfFaults'],
    properties: { neStatus: str, listOfFaults: { type: 'array', items: errorInformation } },
  },
  Ping: {
    type: 'object',
    required: ['response', 'latencyMs', 'transactionId'],
    properties: { response: str, latencyMs: { type: 'number' }, transactionId: str },
  },
  Drift: drift,
  HealResult: {
    type: 'object',
    required: ['neId', 'actions', 'after'],
    properties: {
      neId: str,
      actions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['action', 'id', 'outcome'],
          properties: {
            action: str,
            id: str,
            outcome: { type: 'string', enum: ['ok', 'error'] },
            detail: str,
          },
        },
      },
      after: drift,
    },
  },
  Destination: destination,
  Task: task,
  TaskStatus: {
    type: 'object',
    required: ['task'],
    properties: {
      task,
      live: { ...x1Details, description: "the NE's TaskResponseDetails; absent when the NE lacks the task" },
    },
  },
  Report: {
    type: 'object',
    required: ['id', 'receivedAt', 'neId', 'kind', 'transactionId', 'reportType', 'unknown'],
    properties: {
      id: int,
      receivedAt: time,
      neId: str,
      kind: { type: 'string', enum: ['ReportTaskIssue', 'ReportDestinationIssue', 'ReportNEIssue'] },
      transactionId: str,
      xid: str,
      did: str,
      reportType: str,
      code: int,
      details: str,
      unknown: { type: 'boolean', description: 'about an XID or DID this ADMF does not know' },
    },
  },
  Audit: {
    type: 'object',
    required: ['id', 'at', 'actor', 'action', 'outcome'],
    properties: {
      id: int,
      at: time,
      actor: str,
      action: str,
      outcome: { type: 'string', enum: ['ok', 'error'] },
      neId: str,
      xid: str,
      did: str,
      transactionId: str,
      detail: str,
    },
  },
  Health: {
    type: 'object',
    required: ['admf', 'nes'],
    properties: {
      admf: { type: 'object', required: ['id'], properties: { id: str, x1Url: str } },
      nes: { type: 'array', items: ne },
    },
  },
  ...CAPTURE_SCHEMAS,
} as const;

export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;
