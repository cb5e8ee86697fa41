/**
 * REST JSON → X1 model, checked at the boundary: the JSON schema catches shape errors, then the X1 message the
 * input would become is encoded and decoded by the ADMF's own codec (strict decoder, and the ETSI schema when
 * configured), so every TS 103 221-1 / TS 103 280 rule applies before anything changes.
 */
import { newUuid } from '../lib/ids.js';
import { AdmfError } from '../admf/errors.js';
import { withMediation, type TaskWarrant, type WarrantInput } from '../admf/warrant.js';
import type { X1Codec } from '../x1/codec.js';
import { encodeRequest } from '../x1/encode.js';
import { expandIpv6 } from '../x1/simple-types.js';
import { TARGET_FORMS } from '../x1/target-forms.js';
import {
  NUMBER_TARGET_KINDS,
  STRING_TARGET_KINDS,
  type ActivateTaskRequest,
  type DeliveryAddress,
  type DeliveryType,
  type DestinationDetails,
  type ServiceType,
  type TargetIdentifier,
  type TaskDetails,
  type X1Request,
} from '../x1/model.js';

export interface TargetInput {
  readonly kind: string;
  readonly value: unknown;
}

export interface TaskInput extends WarrantInput {
  readonly xid?: string;
  readonly targets: readonly TargetInput[];
  readonly deliveryType?: DeliveryType;
  readonly dids: readonly string[];
  readonly correlationId?: number;
  readonly implicitDeactivationAllowed?: boolean;
  readonly serviceTypes?: readonly ServiceType[];
}

export interface DestinationInput {
  readonly did?: string;
  readonly friendlyName?: string;
  readonly deliveryType?: DeliveryType;
  /** A delivery URI, e.g. `eep+udp://127.0.0.1:9060` (DESIGN.md "STM reports"). */
  readonly uri?: string;
  /** Or an address and port; the transport picks TCPPort or UDPPort. */
  readonly address?: { readonly ip: string; readonly port: number; readonly transport: 'tcp' | 'udp' };
}

const STRING_KINDS: ReadonlySet<string> = new Set(STRING_TARGET_KINDS);
const NUMBER_KINDS: ReadonlySet<string> = new Set(NUMBER_TARGET_KINDS);
/** Every target kind toTarget takes (for the refusal of any other). */
const API_TARGET_KINDS = [
  ...STRING_TARGET_KINDS,
  ...NUMBER_TARGET_KINDS,
  ...['ipv4Cidr', 'tcpPortRange', 'udpPortRange', 'tcpPortList', 'udpPortList'],
  ...['callPartyRole', 'nonLocalIdentifier'],
];

const bad = (why: string): never => {
  throw new AdmfError('invalid', why);
};

function portRange(v: unknown, what: string): { start: number; end: number } {
  if (typeof v === 'string') {
    const m = /^(\d+)-(\d+)$/.exec(v);
    if (m) return { start: Number(m[1]), end: Number(m[2]) };
  }
  if (typeof v === 'object' && v !== null && 'start' in v && 'end' in v)
    return { start: Number(v.start), end: Number(v.end) };
  return bad(`${what}: a port range is "START-END" or {"start":..,"end":..}`);
}

/** One REST target (`{kind, value}`) → an X1 target identifier (not yet checked against the rules). */
export function toTarget(t: TargetInput): TargetIdentifier {
  const { kind, value } = t;
  const what = `target ${kind}`;
  if (STRING_KINDS.has(kind)) {
    if (typeof value !== 'string') return bad(`${what}: the value must be a string`);
    return { kind, value } as TargetIdentifier;
  }
  if (NUMBER_KINDS.has(kind)) {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) return bad(`${what}: the value must be an integer`);
    return { kind, value: n } as TargetIdentifier;
  }
  switch (kind) {
    case 'ipv4Cidr':
      if (typeof value !== 'string') return bad(`${what}: the value must be a string like 192.0.2.0/24`);
      return { kind, value: { family: 'IPv4CIDR', value } };
    case 'tcpPortRange':
    case 'udpPortRange':
      return { kind, value: portRange(value, what) };
    case 'tcpPortList':
    case 'udpPortList':
      if (!Array.isArray(value) || !value.every((p) => Number.isInteger(p)))
        return bad(`${what}: the value must be an array of port numbers`);
      return { kind, value: value as number[] };
    case 'callPartyRole':
    case 'nonLocalIdentifier':
      if (typeof value !== 'string') return bad(`${what}: the value must be a string`);
      return { kind, value } as TargetIdentifier;
    default:
      return bad(
        `target kind "${kind}" is not accepted by this API; it takes ${API_TARGET_KINDS.join(', ')}`,
      );
  }
}

/**
 * Checks a message as the NE will (encoded, then decoded with the schema) and returns it as decoded: the
 * canonical form (an E.164 number without `+` and spaces, IPv6 expanded, UUIDs in lower case) is what the ADMF
 * stores and sends, so that the ADMF and the NE never hold two spellings of one value.
 */
function checked<T extends X1Request>(codec: X1Codec, m: T, what: string): T {
  let doc;
  try {
    doc = codec.decode(encodeRequest([m]));
  } catch (err) {
    return bad(`${what}: ${userTerms(err instanceof Error ? err.message : String(err))}`);
  }
  const r = doc.root === 'X1Request' ? doc.results[0] : undefined;
  if (!r || !r.ok)
    return bad(`${what}: ${r && !r.ok ? userTerms(r.error.message) : 'not a valid X1 message'}`);
  return r.message as T;
}

/** A decoder message without its X1 coordinates ("message 1 (ActivateTaskRequest): …", "(<imsi>, line 2)"). */
function userTerms(message: string): string {
  return message
    .replace(/^message \d+ \([A-Za-z]+\): /, '')
    .replace(/ \(<[^>]+>, line \d+\)$/, '')
    .replace(/ \(line \d+\)$/, '');
}

const PROBE_HEADER = {
  admfIdentifier: 'api',
  neIdentifier: 'api',
  messageTimestamp: '2026-01-01T00:00:00.000000Z',
  version: 'v1.23.1',
  x1TransactionId: '00000000-0000-0000-0000-000000000000',
} as const;

/**
 * Builds and checks task details from REST input. `xid` overrides the input's (modify); a `warrant` with a
 * reference adds its MediationDetails (LIID, StartTime, EndTime).
 */
export function toTaskDetails(
  codec: X1Codec,
  input: TaskInput,
  xid?: string,
  warrant: TaskWarrant = {},
): TaskDetails {
  const plain: TaskDetails = {
    xId: (xid ?? input.xid ?? newUuid()).toLowerCase(),
    targetIdentifiers: input.targets.map(toTarget),
    deliveryType: input.deliveryType ?? 'X2Only',
    listOfDIDs: { dIds: input.dids.map((d) => d.toLowerCase()), dSIds: [] },
    ...(input.correlationId !== undefined && { correlationID: input.correlationId }),
    ...(input.implicitDeactivationAllowed !== undefined && {
      implicitDeactivationAllowed: input.implicitDeactivationAllowed,
    }),
    ...(input.serviceTypes !== undefined && { listOfServiceTypes: input.serviceTypes }),
    taskDetailsExtensions: [],
  };
  const details = withMediation(plain, warrant);
  // Each target alone first, so that a refusal names it (`targets[1]: …`) and says what the kind looks like.
  details.targetIdentifiers.forEach((t, i) => {
    try {
      checked(codec, probeTask({ ...details, targetIdentifiers: [t] }), `targets[${i}]`);
    } catch (err) {
      const form = TARGET_FORMS[t.kind]?.form;
      if (err instanceof AdmfError && form) throw new AdmfError('invalid', `${err.message}: ${form}`);
      throw err;
    }
  });
  return checked(codec, probeTask(details), 'task').taskDetails;
}

function probeTask(taskDetails: TaskDetails): ActivateTaskRequest {
  return { type: 'ActivateTaskRequest', header: PROBE_HEADER, taskDetails };
}

function deliveryAddress(input: DestinationInput): DeliveryAddress {
  if ((input.uri === undefined) === (input.address === undefined))
    return bad('destination: give exactly one of uri or address');
  if (input.uri !== undefined) return { kind: 'uri', value: input.uri };
  const a = input.address!;
  const v6 = a.ip.includes(':');
  return {
    kind: 'ipAddressAndPort',
    address: v6
      ? { family: 'IPv6Address', value: expandIpv6(a.ip) ?? a.ip }
      : { family: 'IPv4Address', value: a.ip },
    port: { protocol: a.transport === 'tcp' ? 'TCPPort' : 'UDPPort', port: a.port },
  };
}

/** Builds and checks destination details from REST input. `did` overrides the input's (modify). */
export function toDestinationDetails(
  codec: X1Codec,
  input: DestinationInput,
  did?: string,
): DestinationDetails {
  const details: DestinationDetails = {
    dId: (did ?? input.did ?? newUuid()).toLowerCase(),
    ...(input.friendlyName !== undefined && { friendlyName: input.friendlyName }),
    deliveryType: input.deliveryType ?? 'X2Only',
    deliveryAddress: deliveryAddress(input),
    destinationDetailsExtensions: [],
  };
  return checked(
    codec,
    { type: 'CreateDestinationRequest', header: PROBE_HEADER, destinationDetails: details } as const,
    'destination',
  ).destinationDetails;
}
