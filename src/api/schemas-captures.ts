/**
 * JSON Schemas of the collectors' answers as the ADMF forwards them (src/api/routes-collectors.ts): the
 * contract of the collector HTTP API (docs/collector.md "HTTP API"), published in the ADMF's OpenAPI document.
 */
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const time = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC, microseconds' } as const;
const nullableTime = {
  type: ['string', 'null'],
  format: 'date-time',
  description: 'ISO 8601, UTC; null without messages',
} as const;

const summaryProps = {
  id: { type: 'string', description: 'names the message; also the cursor `after` of the next page' },
  time,
  src: { type: 'string', description: 'source address:port ([v6]:port for IPv6)' },
  dst: { type: 'string', description: 'destination address:port' },
  protocol: { type: 'string', enum: ['sip', 'diameter', 'gtpv2'] },
  summary: {
    type: 'string',
    description:
      'SIP request or status line; Diameter command, application and key identities; GTPv2-C message type and identities',
  },
  callId: { type: 'string', description: 'SIP Call-ID' },
  direction: { type: 'string', description: 'reserved: not sent yet' },
} as const;
const summaryRequired = ['id', 'time', 'src', 'dst', 'protocol', 'summary'] as const;

const field = { type: 'object', required: ['name', 'value'], properties: { name: str, value: str } } as const;

export const CAPTURE_SCHEMAS = {
  CollectorList: {
    type: 'object',
    required: ['collectors'],
    properties: {
      collectors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'url', 'reachable'],
          properties: {
            name: str,
            url: str,
            reachable: { type: 'boolean' },
            error: { type: 'string', description: 'why it is not reachable' },
          },
        },
      },
    },
  },
  CollectorXidList: {
    type: 'object',
    required: ['xids'],
    properties: {
      xids: {
        type: 'array',
        items: {
          type: 'object',
          required: ['xid', 'messages', 'bytes', 'first', 'last', 'files'],
          properties: {
            xid: str,
            messages: int,
            bytes: int,
            first: nullableTime,
            last: nullableTime,
            files: int,
          },
        },
      },
    },
  },
  CapturedMessageSummary: { type: 'object', required: [...summaryRequired], properties: summaryProps },
  CapturedMessagePage: {
    type: 'object',
    required: ['messages', 'next'],
    properties: {
      messages: { type: 'array', items: { $ref: '#/components/schemas/CapturedMessageSummary' } },
      next: { type: ['string', 'null'], description: 'cursor of the next page; null on the last one' },
    },
  },
  CapturedMessage: {
    type: 'object',
    required: [...summaryRequired, 'detail', 'bytes'],
    properties: {
      ...summaryProps,
      detail: {
        oneOf: [
          {
            type: 'object',
            required: ['kind', 'text'],
            properties: {
              kind: { type: 'string', const: 'text' },
              text: { type: 'string', description: 'the SIP message' },
            },
          },
          {
            type: 'object',
            required: ['kind', 'fields'],
            properties: {
              kind: { type: 'string', const: 'fields' },
              fields: { type: 'array', items: field },
            },
          },
        ],
      },
      bytes: { type: 'string', contentEncoding: 'base64', description: 'the captured frame (raw IP)' },
    },
  },
} as const;
