/**
 * GTPv2-C messages described for the collector API (3GPP TS 29.274 §5 header, §8 information elements): the
 * message type's name (Table 6.1-1), IMSI, MSISDN and TEID for the summary line, and every IE as a named
 * field (grouped IEs such as Bearer Context flattened with `Parent/Child` names).
 */
import { formatIpv4, formatIpv6 } from '../../stm/ip.js';
import { decodeTbcd } from '../../probe/proto/tbcd.js';
import { hex, u16, u24, u32, type Field } from './fields.js';

const FLAG = { piggyback: 0x10, teid: 0x08 } as const;
const IE_HEADER = 4;
const MAX_DEPTH = 4;

/** Message type names (TS 29.274 Table 6.1-1). */
export const GTPV2_MESSAGES: Readonly<Record<number, string>> = {
  1: 'Echo Request',
  2: 'Echo Response',
  3: 'Version Not Supported Indication',
  32: 'Create Session Request',
  33: 'Create Session Response',
  34: 'Modify Bearer Request',
  35: 'Modify Bearer Response',
  36: 'Delete Session Request',
  37: 'Delete Session Response',
  38: 'Change Notification Request',
  39: 'Change Notification Response',
  64: 'Modify Bearer Command',
  65: 'Modify Bearer Failure Indication',
  66: 'Delete Bearer Command',
  67: 'Delete Bearer Failure Indication',
  68: 'Bearer Resource Command',
  69: 'Bearer Resource Failure Indication',
  70: 'Downlink Data Notification Failure Indication',
  95: 'Create Bearer Request',
  96: 'Create Bearer Response',
  97: 'Update Bearer Request',
  98: 'Update Bearer Response',
  99: 'Delete Bearer Request',
  100: 'Delete Bearer Response',
  128: 'Identification Request',
  129: 'Identification Response',
  130: 'Context Request',
  131: 'Context Response',
  132: 'Context Acknowledge',
  133: 'Forward Relocation Request',
  134: 'Forward Relocation Response',
  135: 'Forward Relocation Complete Notification',
  136: 'Forward Relocation Complete Acknowledge',
  170: 'Release Access Bearers Request',
  171: 'Release Access Bearers Response',
  176: 'Downlink Data Notification',
  177: 'Downlink Data Notification Acknowledge',
  211: 'Modify Access Bearers Request',
  212: 'Modify Access Bearers Response',
};

type Kind = 'tbcd' | 'u8' | 'fteid' | 'apn' | 'grouped' | 'cause';

/** IE names (TS 29.274 Table 8.1-1) and how their value reads. */
const IES: Readonly<Record<number, readonly [string, Kind]>> = {
  1: ['IMSI', 'tbcd'],
  2: ['Cause', 'cause'],
  3: ['Recovery', 'u8'],
  71: ['APN', 'apn'],
  72: ['AMBR', 'u8'],
  73: ['EPS Bearer ID', 'u8'],
  75: ['MEI', 'tbcd'],
  76: ['MSISDN', 'tbcd'],
  82: ['RAT Type', 'u8'],
  87: ['F-TEID', 'fteid'],
  93: ['Bearer Context', 'grouped'],
  99: ['PDN Type', 'u8'],
  128: ['Selection Mode', 'u8'],
};
const NAMED_ONLY: Readonly<Record<number, string>> = {
  74: 'IP Address',
  77: 'Indication',
  78: 'PCO',
  79: 'PAA',
  80: 'Bearer QoS',
  83: 'Serving Network',
  86: 'ULI',
  114: 'UE Time Zone',
  127: 'APN Restriction',
  255: 'Private Extension',
};

export interface Gtpv2Description {
  readonly summary: string;
  readonly fields: readonly Field[];
}

function fteid(v: Uint8Array): string {
  if (v.length < 5) return hex(v);
  const parts = [`interface ${v[0]! & 0x3f}`, `TEID 0x${u32(v, 1).toString(16).padStart(8, '0')}`];
  let o = 5;
  if (v[0]! & 0x80 && o + 4 <= v.length) {
    parts.push(formatIpv4(v, o));
    o += 4;
  }
  if (v[0]! & 0x40 && o + 16 <= v.length) parts.push(formatIpv6(v, o));
  return parts.join(', ');
}

/** An APN (TS 23.003 §9.1): length-prefixed labels joined by dots. */
function apn(v: Uint8Array): string {
  const labels: string[] = [];
  for (let o = 0; o < v.length;) {
    const n = v[o]!;
    if (o + 1 + n > v.length) return hex(v);
    labels.push(Buffer.from(v.subarray(o + 1, o + 1 + n)).toString('latin1'));
    o += 1 + n;
  }
  return labels.join('.');
}

function value(kind: Kind, v: Uint8Array): string {
  switch (kind) {
    case 'tbcd':
      return decodeTbcd(v) ?? hex(v);
    case 'u8':
    case 'cause':
      return v.length === 1 || kind === 'cause' ? String(v[0] ?? '') : hex(v);
    case 'fteid':
      return fteid(v);
    case 'apn':
      return apn(v);
    default:
      return hex(v);
  }
}

function walk(b: Uint8Array, prefix: string, depth: number, out: Field[]): void {
  for (let o = 0; o + IE_HEADER <= b.length;) {
    const type = b[o]!;
    const len = u16(b, o + 1);
    const instance = b[o + 3]! & 0x0f;
    const start = o + IE_HEADER;
    if (start + len > b.length) {
      out.push({ name: `${prefix}IE ${type}`, value: `malformed: length ${len}` });
      return;
    }
    const v = b.subarray(start, start + len);
    const known = IES[type];
    const base = known?.[0] ?? NAMED_ONLY[type] ?? `IE ${type}`;
    const name = `${prefix}${base}${instance ? ` [${instance}]` : ''}`;
    if (known?.[1] === 'grouped' && depth < MAX_DEPTH) {
      out.push({ name, value: `grouped, ${len} octets` });
      walk(v, `${name}/`, depth + 1, out);
    } else out.push({ name, value: known ? value(known[1], v) : hex(v) });
    o = start + len;
  }
}

/** Names a message type: `Create Session Request`. */
export const gtpv2MessageName = (type: number): string => GTPV2_MESSAGES[type] ?? `Message type ${type}`;

/** Describes one GTPv2-C message (the first of a piggybacked pair); throws when its header is unreadable. */
export function describeGtpv2(b: Uint8Array): Gtpv2Description {
  if (b.length < 8 || b[0]! >> 5 !== 2) throw new Error('not a GTPv2-C message');
  const flags = b[0]!;
  const hasTeid = (flags & FLAG.teid) !== 0;
  const type = b[1]!;
  const head = hasTeid ? 12 : 8;
  const end = Math.min(b.length, 4 + u16(b, 2));
  const teid = hasTeid && b.length >= 8 ? u32(b, 4) : undefined;
  const fields: Field[] = [
    { name: 'Message Type', value: `${type} (${gtpv2MessageName(type)})` },
    { name: 'Message Length', value: String(u16(b, 2)) },
    { name: 'Piggybacking', value: flags & FLAG.piggyback ? 'yes' : 'no' },
    ...(teid !== undefined ? [{ name: 'TEID', value: `0x${teid.toString(16).padStart(8, '0')}` }] : []),
    { name: 'Sequence Number', value: String(b.length >= head ? u24(b, hasTeid ? 8 : 4) : 0) },
  ];
  if (end > head) walk(b.subarray(head, end), '', 0, fields);
  const top = (n: string) => fields.find((f) => f.name === n)?.value;
  // The sender F-TEID (instance 0) as TEID@address.
  const fteidText = fields.find((f) => f.name === 'F-TEID')?.value;
  const fm = fteidText && /TEID 0x0*([0-9a-f]+)(?:, ([^,]+))?/.exec(fteidText);
  const senderTeid = fm ? `0x${fm[1] || '0'}${fm[2] ? `@${fm[2]}` : ''}` : undefined;
  const ids = [
    ['IMSI', top('IMSI')],
    ['MSISDN', top('MSISDN')],
    ['TEID', teid !== undefined && teid !== 0 ? `0x${teid.toString(16)}` : undefined],
    ['F-TEID', senderTeid],
  ].filter((x) => x[1] !== undefined);
  return {
    summary: [gtpv2MessageName(type), ...ids.map(([n, v]) => `${n}=${v}`)].join(' '),
    fields,
  };
}
