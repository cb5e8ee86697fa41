/** JSON Schemas of the credential routes (`/api/tokens`, `/api/whoami`) and of the audit query. */
import { API_ROLES } from '../store/admf-tokens.js';
import { recordQuery } from './schemas.js';

/** A credential's name: what audit rows show (letters, digits, `.`, `_`, `@`, `-`; 1–64). */
export const TOKEN_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';

const name = { type: 'string', pattern: TOKEN_NAME_PATTERN } as const;
const role = { type: 'string', enum: [...API_ROLES] } as const;
const time = { type: 'string', format: 'date-time' } as const;

export const tokenCreate = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: { name, role },
} as const;

export const tokenParams = {
  type: 'object',
  required: ['name'],
  properties: { name },
} as const;

/** A credential as the API shows it: never its secret nor its hash. */
export const tokenView = {
  type: 'object',
  required: ['name', 'role', 'createdAt', 'revoked'],
  properties: {
    name,
    role,
    createdAt: time,
    lastUsedAt: { ...time, description: 'last request it authenticated (to the minute)' },
    revokedAt: time,
    revoked: { type: 'boolean' },
  },
} as const;

export const tokenList = { type: 'array', items: tokenView } as const;

export const tokenCreated = {
  type: 'object',
  required: [...tokenView.required, 'token'],
  properties: {
    ...tokenView.properties,
    token: { type: 'string', description: 'the secret: shown in this answer only, never again' },
  },
} as const;

export const whoami = {
  type: 'object',
  required: ['name', 'role'],
  properties: { name, role },
} as const;

/** GET /api/audit: the record filters and the operator a row names. */
export const auditQuery = {
  ...recordQuery,
  properties: { ...recordQuery.properties, operator: name },
} as const;
