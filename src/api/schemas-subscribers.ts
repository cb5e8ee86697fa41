/** JSON Schemas of the subscriber routes (requests and answers), enforced by fastify and published in OpenAPI. */
import { SUBSCRIBER_IDENTITY_KINDS, SUBSCRIBER_LIMITS } from '../admf/subscriber-targets.js';
import { TASK_STATES } from '../store/admf-store.js';
import { DELIVERY_TYPES } from '../x1/model.js';
import { API_LIMITS, UUID_PATTERN } from './schemas.js';

const uuid = { type: 'string', pattern: UUID_PATTERN } as const;
const identifier = { type: 'string', pattern: '^\\S{1,255}$' } as const;
const deliveryType = { type: 'string', enum: [...DELIVERY_TYPES] } as const;
const time = { type: 'string', format: 'date-time' } as const;

const identity = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'value'],
  properties: {
    kind: { type: 'string', enum: [...SUBSCRIBER_IDENTITY_KINDS] },
    value: { type: 'string', minLength: 1, maxLength: SUBSCRIBER_LIMITS.maxValueLength },
  },
} as const;

const identities = {
  type: 'array',
  items: identity,
  maxItems: SUBSCRIBER_LIMITS.maxIdentities,
  description: 'imsi, msisdn (E.164), impu (sip: or tel: URI), impi, imei',
} as const;

const placement = {
  type: 'object',
  additionalProperties: false,
  required: ['ne', 'dids'],
  properties: {
    ne: identifier,
    dids: { type: 'array', minItems: 1, maxItems: API_LIMITS.maxDids, items: uuid },
  },
} as const;

const nes = {
  type: 'array',
  minItems: 1,
  maxItems: 64,
  items: placement,
  description: 'the NEs the subscriber is tasked on, each with the destinations (DIDs on that NE)',
} as const;

const name = { type: 'string', minLength: 1, maxLength: 255 } as const;

export const subscriberCreate = {
  type: 'object',
  additionalProperties: false,
  required: ['identities', 'nes'],
  properties: { id: identifier, name, identities: { ...identities, minItems: 1 }, nes, deliveryType },
} as const;

export const subscriberModify = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name,
    identities: { ...identities, minItems: 1, description: 'replaces every identity' },
    addIdentities: identities,
    removeIdentities: identities,
    nes: { ...nes, description: 'replaces the NEs and destinations' },
    deliveryType,
  },
} as const;

export const subscriberParams = {
  type: 'object',
  required: ['id'],
  properties: { id: identifier },
} as const;

const slot = {
  type: 'object',
  required: ['neId', 'target', 'wanted', 'inSync'],
  properties: {
    neId: { type: 'string' },
    target: { type: 'string', description: 'kind:value of the task target, e.g. e164Number:447900000000' },
    wanted: { type: 'boolean', description: 'false: left over from an identity or NE taken away' },
    xid: uuid,
    state: { type: 'string', enum: [...TASK_STATES] },
    inSync: { type: 'boolean' },
    why: { type: 'string', description: 'why it is out of sync' },
  },
} as const;

export const subscriberView = {
  type: 'object',
  required: ['id', 'identities', 'placements', 'deliveryType', 'state', 'targets', 'tasks', 'inSync'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    identities: { type: 'array', items: identity },
    placements: {
      type: 'array',
      items: {
        type: 'object',
        properties: { neId: { type: 'string' }, dids: { type: 'array', items: uuid } },
      },
    },
    deliveryType,
    state: { type: 'string', enum: ['active', 'ended'] },
    createdAt: time,
    updatedAt: time,
    targets: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          target: { type: 'object', properties: { kind: { type: 'string' }, value: { type: 'string' } } },
          covers: { type: 'array', items: identity },
        },
      },
    },
    tasks: { type: 'array', items: slot },
    inSync: { type: 'boolean' },
    outOfSync: { type: 'array', items: slot },
  },
} as const;

/** A subscriber after a change: its view and what happened to each task touched. */
export const subscriberResult = {
  ...subscriberView,
  properties: {
    ...subscriberView.properties,
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['neId', 'target', 'xid', 'action', 'outcome'],
        properties: {
          neId: { type: 'string' },
          target: { type: 'string' },
          xid: uuid,
          action: { type: 'string', enum: ['activate', 'modify', 'deactivate'] },
          outcome: {
            type: 'string',
            enum: ['ok', 'pending', 'refused', 'unreachable', 'conflict', 'not-found', 'invalid'],
          },
          state: { type: 'string', enum: [...TASK_STATES] },
          message: { type: 'string' },
          x1: {
            type: 'object',
            properties: { errorCode: { type: 'integer' }, errorDescription: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

export const subscriberList = { type: 'array', items: subscriberView } as const;
