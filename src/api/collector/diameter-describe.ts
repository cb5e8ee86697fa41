/**
 * Diameter messages described for the collector API (RFC 6733 §3 header, §4 AVPs): the command's name with
 * Request/Answer, its application, the key identities for the summary line, and every AVP as a named field
 * (grouped AVPs flattened with `Parent/Child` names). Names from RFC 6733, RFC 4006, RFC 4072 and the 3GPP
 * interface specifications (TS 29.229 Cx, TS 29.329 Sh, TS 29.272 S6a/S13, TS 29.212 Gx, TS 29.214 Rx).
 */
import { decodeTbcd } from '../../probe/proto/tbcd.js';
import { hex, textOrHex, u24, u32, type Field } from './fields.js';

const HEADER = 20;
const AVP_HEADER = 8;
const FLAG = { request: 0x80, proxiable: 0x40, error: 0x20, vendor: 0x80 } as const;
const MAX_DEPTH = 8;

/** Command names by code (RFC 6733 §3.1 and the 3GPP applications). */
export const DIAMETER_COMMANDS: Readonly<Record<number, string>> = {
  257: 'Capabilities-Exchange',
  258: 'Re-Auth',
  265: 'AA',
  268: 'Diameter-EAP',
  271: 'Accounting',
  272: 'Credit-Control',
  274: 'Abort-Session',
  275: 'Session-Termination',
  280: 'Device-Watchdog',
  282: 'Disconnect-Peer',
  300: 'User-Authorization',
  301: 'Server-Assignment',
  302: 'Location-Info',
  303: 'Multimedia-Auth',
  304: 'Registration-Termination',
  305: 'Push-Profile',
  306: 'User-Data',
  307: 'Profile-Update',
  308: 'Subscribe-Notifications',
  309: 'Push-Notification',
  316: 'Update-Location',
  317: 'Cancel-Location',
  318: 'Authentication-Information',
  319: 'Insert-Subscriber-Data',
  320: 'Delete-Subscriber-Data',
  321: 'Purge-UE',
  322: 'Reset',
  323: 'Notify',
  324: 'ME-Identity-Check',
};

/** Application names by Application-Id. */
export const DIAMETER_APPLICATIONS: Readonly<Record<number, string>> = {
  0: 'common',
  3: 'base accounting',
  4: 'credit control',
  16777216: 'Cx',
  16777217: 'Sh',
  16777236: 'Rx',
  16777238: 'Gx',
  16777251: 'S6a',
  16777252: 'S13',
  16777265: 'SWx',
  16777272: 'S6b',
};

type Kind = 'text' | 'u32' | 'grouped' | 'tbcd';

/** AVP names and how their data reads, by `vendor:code`. */
const AVPS: Readonly<Record<string, readonly [string, Kind]>> = {
  '0:1': ['User-Name', 'text'],
  '0:257': ['Host-IP-Address', 'u32'],
  '0:258': ['Auth-Application-Id', 'u32'],
  '0:259': ['Acct-Application-Id', 'u32'],
  '0:260': ['Vendor-Specific-Application-Id', 'grouped'],
  '0:263': ['Session-Id', 'text'],
  '0:264': ['Origin-Host', 'text'],
  '0:266': ['Vendor-Id', 'u32'],
  '0:268': ['Result-Code', 'u32'],
  '0:269': ['Product-Name', 'text'],
  '0:277': ['Auth-Session-State', 'u32'],
  '0:278': ['Origin-State-Id', 'u32'],
  '0:283': ['Destination-Realm', 'text'],
  '0:293': ['Destination-Host', 'text'],
  '0:296': ['Origin-Realm', 'text'],
  '0:297': ['Experimental-Result', 'grouped'],
  '0:298': ['Experimental-Result-Code', 'u32'],
  '0:415': ['CC-Request-Number', 'u32'],
  '0:416': ['CC-Request-Type', 'u32'],
  '0:443': ['Subscription-Id', 'grouped'],
  '0:444': ['Subscription-Id-Data', 'text'],
  '0:450': ['Subscription-Id-Type', 'u32'],
  '0:458': ['User-Equipment-Info', 'grouped'],
  '0:459': ['User-Equipment-Info-Type', 'u32'],
  '0:460': ['User-Equipment-Info-Value', 'text'],
  '10415:601': ['Public-Identity', 'text'],
  '10415:602': ['Server-Name', 'text'],
  '10415:701': ['MSISDN', 'tbcd'],
  '10415:1032': ['RAT-Type', 'u32'],
  '10415:1400': ['Subscription-Data', 'grouped'],
  '10415:1401': ['Terminal-Information', 'grouped'],
  '10415:1402': ['IMEI', 'text'],
  '10415:1407': ['Visited-PLMN-Id', 'tbcd'],
  '10415:3102': ['User-Identifier', 'grouped'],
};

/** What the API shows of one Diameter message. */
export interface DiameterDescription {
  readonly summary: string;
  readonly fields: readonly Field[];
}

function value(kind: Kind, data: Uint8Array): string {
  if (kind === 'u32' && data.length === 4) return String(u32(data, 0));
  if (kind === 'tbcd') return decodeTbcd(data) ?? hex(data);
  return textOrHex(data);
}

/** Every AVP of `b` as fields; stops (with a field saying why) at an AVP that overruns its container. */
function walk(b: Uint8Array, prefix: string, depth: number, out: Field[]): void {
  let o = 0;
  while (o + AVP_HEADER <= b.length) {
    const code = u32(b, o);
    const flags = b[o + 4]!;
    const len = u24(b, o + 5);
    const vendor = flags & FLAG.vendor && o + 12 <= b.length ? u32(b, o + AVP_HEADER) : 0;
    const head = AVP_HEADER + (flags & FLAG.vendor ? 4 : 0);
    if (len < head || o + len > b.length) {
      out.push({ name: `${prefix}AVP ${code}`, value: `malformed: length ${len}` });
      return;
    }
    const data = b.subarray(o + head, o + len);
    const known = AVPS[`${vendor}:${code}`];
    const name = prefix + (known?.[0] ?? `AVP ${code}${vendor ? ` (vendor ${vendor})` : ''}`);
    if (known?.[1] === 'grouped' && depth < MAX_DEPTH) {
      out.push({ name, value: `grouped, ${data.length} octets` });
      walk(data, `${name}/`, depth + 1, out);
    } else out.push({ name, value: known ? value(known[1], data) : hex(data) });
    o += len + ((4 - (len % 4)) % 4);
  }
}

/** Names a command: `Update-Location-Request`. */
export function diameterCommandName(code: number, request: boolean): string {
  return `${DIAMETER_COMMANDS[code] ?? `Command ${code}`}-${request ? 'Request' : 'Answer'}`;
}

/** Describes one Diameter message; throws a plain Error when its header is unreadable. */
export function describeDiameter(b: Uint8Array): DiameterDescription {
  if (b.length < HEADER || b[0] !== 1) throw new Error('not a Diameter message');
  const flags = b[4]!;
  const request = (flags & FLAG.request) !== 0;
  const command = u24(b, 5);
  const app = u32(b, 8);
  const fields: Field[] = [
    { name: 'Version', value: String(b[0]) },
    { name: 'Length', value: String(u24(b, 1)) },
    {
      name: 'Flags',
      value: [request ? 'R' : '', flags & FLAG.proxiable ? 'P' : '', flags & FLAG.error ? 'E' : '']
        .filter(Boolean)
        .join(''),
    },
    { name: 'Command-Code', value: `${command} (${diameterCommandName(command, request)})` },
    { name: 'Application-Id', value: `${app} (${DIAMETER_APPLICATIONS[app] ?? 'unknown'})` },
    { name: 'Hop-by-Hop-Identifier', value: `0x${u32(b, 12).toString(16).padStart(8, '0')}` },
    { name: 'End-to-End-Identifier', value: `0x${u32(b, 16).toString(16).padStart(8, '0')}` },
  ];
  walk(b.subarray(HEADER, Math.min(b.length, Math.max(HEADER, u24(b, 1)))), '', 0, fields);
  const pick = (n: string) => fields.find((f) => f.name === n || f.name.endsWith(`/${n}`))?.value;
  const ids = [
    ['Session-Id', pick('Session-Id')],
    ['User-Name', pick('User-Name')],
    ['MSISDN', pick('MSISDN')],
    ['Public-Identity', pick('Public-Identity')],
    ['Subscription-Id-Data', pick('Subscription-Id-Data')],
  ].filter((x) => x[1] !== undefined);
  const appName = DIAMETER_APPLICATIONS[app] ?? `application ${app}`;
  const summary = [
    `${diameterCommandName(command, request)} (${appName})`,
    ...ids.map(([n, v]) => `${n}=${v}`),
  ].join(' ');
  return { summary, fields };
}
