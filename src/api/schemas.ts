/**
 * JSON Schemas of the REST API: fastify validates every request against them (unknown properties are
 * refused), and the OpenAPI document (openapi.ts) publishes the same objects.
 */
import { DELIVERY_TYPES, SERVICE_TYPES } from '../x1/model.js';
import { TASK_STATES } from '../store/admf-store.js';
import { warrantProps } from './schemas-warrant.js';

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const IDENTIFIER_PATTERN = '^\\S{1,255}$';

const uuid = { type: 'string', pattern: UUID_PATTERN } as const;
const identifier = { type: 'string', pattern: IDENTIFIER_PATTERN } as const;
const deliveryType = { type: 'string', enum: [...DELIVERY_TYPES] } as const;

export const API_LIMITS = {
  maxTargets: 16,
  maxDids: 16,
  maxPage: 10_000,
  /** Tasks per page of GET /api/tasks when no limit is given (the `Link` header leads to the next). */
  defaultTaskPage: 1_000,
  bodyLimit: 256 * 1024,
} as const;

export const neOptionsProps = {
  keepalive: { type: 'boolean', description: 'keepalives agreed with this NE' },
  keepaliveRandom: { type: 'boolean', description: 'random gap inside [TIME_P2, TIME_P1]' },
  timeP1Ms: { type: 'integer', minimum: 1000, description: 'TIME_P1: a keepalive at least this often (ms)' },
  timeP2Ms: { type: 'integer', minimum: 1000, description: 'TIME_P2: never more often than this (ms)' },
  heal: { type: 'string', enum: ['manual', 'auto'], description: 'heal drift at once (auto) or on request' },
} as const;

export const neUrl = { type: 'string', pattern: '^https?://', maxLength: 2048 } as const;

export const neCreate = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'url'],
  properties: { id: identifier, url: neUrl, ...neOptionsProps },
} as const;

export const neUpdate = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: { url: neUrl, ...neOptionsProps },
} as const;

export const destinationBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    did: uuid,
    friendlyName: { type: 'string', minLength: 1, maxLength: 255 },
    deliveryType,
    uri: { type: 'string', minLength: 1, maxLength: 2048, description: 'e.g. eep+udp://127.0.0.1:9060' },
    address: {
      type: 'object',
      additionalProperties: false,
      required: ['ip', 'port', 'transport'],
      properties: {
        ip: { type: 'string', minLength: 2, maxLength: 64 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        transport: { type: 'string', enum: ['tcp', 'udp'] },
      },
    },
  },
} as const;

const target = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'value'],
  properties: {
    kind: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'a TargetIdentifier element name, e.g. sipUri',
    },
    value: { description: 'string, integer, "START-END" range, or an array of ports' },
  },
} as const;

const taskProps = {
  targets: { type: 'array', minItems: 1, maxItems: API_LIMITS.maxTargets, items: target },
  deliveryType,
  dids: { type: 'array', minItems: 1, maxItems: API_LIMITS.maxDids, items: uuid },
  correlationId: { type: 'integer', minimum: 0 },
  implicitDeactivationAllowed: { type: 'boolean' },
  serviceTypes: { type: 'array', items: { type: 'string', enum: [...SERVICE_TYPES] }, maxItems: 6 },
  ...warrantProps,
} as const;

export const taskCreate = {
  type: 'object',
  additionalProperties: false,
  required: ['ne', 'targets', 'dids'],
  properties: { ne: identifier, xid: uuid, ...taskProps },
} as const;

export const taskModify = {
  type: 'object',
  additionalProperties: false,
  required: ['targets', 'dids'],
  properties: taskProps,
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: identifier },
} as const;

export const destinationParams = {
  type: 'object',
  required: ['id', 'did'],
  properties: { id: identifier, did: uuid },
} as const;

export const xidParams = { type: 'object', required: ['xid'], properties: { xid: uuid } } as const;

const page = {
  since: { type: 'integer', minimum: 0, description: 'only rows with a larger id' },
  limit: { type: 'integer', minimum: 1, maximum: API_LIMITS.maxPage },
} as const;

export const recordQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ne: identifier, xid: uuid, ...page },
} as const;

export const taskQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ne: identifier,
    state: { type: 'string', enum: [...TASK_STATES] },
    limit: { type: 'integer', minimum: 1, maximum: API_LIMITS.maxPage },
    /** Opaque: the `cursor` of the `Link: <…>; rel="next"` header of the previous page. */
    cursor: { type: 'string', pattern: '^[0-9]{1,15}~[0-9a-f-]{36}$' },
  },
} as const;

export const errorBody = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: {
      type: 'string',
      description: 'not-found, conflict, refused, unreachable, invalid, unauthorized, forbidden',
    },
    message: { type: 'string' },
    role: { type: 'string', description: 'with forbidden: the least role the route needs' },
    x1: {
      type: 'object',
      properties: { errorCode: { type: 'integer' }, errorDescription: { type: 'string' } },
    },
  },
} as const;
