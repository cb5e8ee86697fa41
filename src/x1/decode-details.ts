/**
 * Decoders for the structured parts of X1 messages: target identifiers (clause 6.2.1.2), task and
 * destination details (6.2.1.2, 6.3.1.2), statuses (6.4.2.2, 6.4.3.2, 6.4.4) and lists of faults.
 */
import {
  booleanOf,
  enumOf,
  extensionOf,
  fail,
  hexOf,
  integerOf,
  Seq,
  shortStringOf,
  stringOf,
  stringValueOf,
  timestampOf,
  tokenOf,
  toTree,
  uuidOf,
} from './decode-common.js';
import {
  CALL_PARTY_ROLES,
  DELIVERY_TYPES,
  DESTINATION_DELIVERY_STATUSES,
  ETSI280_NAMESPACE,
  HASHED_ID_NAMESPACE,
  MEDIATION_DELIVERY_TYPES,
  NE_STATUSES,
  NON_LOCAL_IDENTIFIERS,
  PROVISIONING_STATUSES,
  SERVICE_TYPES,
  type DeliveryAddress,
  type DestinationDetails,
  type DestinationResponseDetails,
  type DestinationStatus,
  type ErrorInformation,
  type IpAddress,
  type ListOfDids,
  type LocationTypeOptions,
  type MediationDetails,
  type NeStatusDetails,
  type ServiceScopingOptions,
  type ServiceType,
  type TargetIdentifier,
  type TaskDetails,
  type TaskResponseDetails,
  type TaskStatus,
  type XmlTree,
} from './model.js';
import { PATTERNS } from './simple-types.js';
import type { XElem } from './xml/reader.js';

const E280 = ETSI280_NAMESPACE;

/** Simple-typed target kinds → their check (pattern, plus ShortString length where the type has it). */
const STRING_TARGETS: Record<string, (el: XElem) => string> = {
  e164Number: (el) => tokenOf(el, PATTERNS.InternationalE164, 'E.164 number'),
  imsi: (el) => tokenOf(el, PATTERNS.IMSI, 'IMSI'),
  imei: (el) => tokenOf(el, PATTERNS.IMEI, 'IMEI'),
  macAddress: (el) => tokenOf(el, PATTERNS.MACAddress, 'MAC address'),
  ipv4Address: (el) => tokenOf(el, PATTERNS.IPv4Address, 'IPv4 address'),
  ipv6Address: (el) => tokenOf(el, PATTERNS.IPv6Address, 'IPv6 address (fully expanded, lower case)'),
  ipv6Cidr: (el) => tokenOf(el, PATTERNS.IPv6CIDR, 'IPv6 CIDR'),
  emailAddress: (el) => stringValueOf(el, PATTERNS.EmailAddress, 'email address', 255),
  internationalizedEmailAddress: (el) => stringPattern(el, PATTERNS.InternationalizedEmailAddress, 255),
  // Pattern-restricted anyURI types: the pattern is the whole lexical rule (src/x1/schema-adapt.ts).
  sipUri: (el) => tokenOf(el, PATTERNS.SIPURI, 'SIP URI'),
  telUri: (el) => tokenOf(el, PATTERNS.TELURI, 'TEL URI'),
  h323Uri: (el) => stringPattern(el, PATTERNS.H323URI, 255),
  impu: (el) => stringPattern(el, PATTERNS.IMPU, 255),
  impi: (el) => stringOf(el),
  nai: (el) => stringOf(el),
  radiusAttribute: hexOf,
  supiimsi: (el) => tokenOf(el, PATTERNS.IMSI, 'SUPI IMSI'),
  supinai: (el) => stringOf(el),
  suci: hexOf,
  peiImei: (el) => tokenOf(el, PATTERNS.IMEI, 'PEI IMEI'),
  peiImeiCheckDigit: (el) => tokenOf(el, PATTERNS.IMEICheckDigit, 'PEI IMEI with check digit'),
  peiImeisv: (el) => tokenOf(el, PATTERNS.IMEISV, 'PEI IMEISV'),
  gpsiMsisdn: (el) => tokenOf(el, PATTERNS.GPSIMSISDN, 'GPSI MSISDN'),
  gpsiNai: (el) => stringOf(el),
  eui64: (el) => tokenOf(el, PATTERNS.EUI64, 'EUI-64'),
  serviceAccessIdentifier: (el) => stringOf(el),
  vrf: shortStringOf,
};

/** `xs:anyURI` lexical rule the validators apply: a `%` must start a two-digit hex escape. */
function anyUri(el: XElem, v: string): string {
  if (/%(?![0-9A-Fa-f]{2})/.test(v))
    fail('SchemaInvalid', `invalid URI "${v}": "%" must start a %XX escape`, el);
  return v;
}

/** String types whose pattern applies to the unnormalised value (xs:string bases keep white space). */
function stringPattern(el: XElem, re: RegExp, max: number): string {
  const v = stringOf(el, max);
  if (!re.test(v)) fail('SchemaInvalid', `invalid ${el.name}`, el);
  return v;
}

export function targetIdentifierOf(el: XElem): TargetIdentifier {
  const seq = new Seq(el);
  const choice = el.children[0];
  if (choice === undefined || el.children.length > 1) {
    fail('SchemaInvalid', 'a targetIdentifier holds exactly one identifier', el);
  }
  seq.rest();
  const kind = choice.name;
  if (choice.ns !== el.ns) fail('SchemaInvalid', `unexpected element <${kind}>`, choice);
  const str = Object.hasOwn(STRING_TARGETS, kind) ? STRING_TARGETS[kind] : undefined;
  if (str) return { kind, value: str(choice) } as TargetIdentifier;
  switch (kind) {
    case 'tcpPort':
      return { kind, value: integerOf(choice, 2, 65535) };
    case 'udpPort':
      return { kind, value: integerOf(choice, 0, 65535) };
    case 'gtpuTunnelId':
    case 'gtpcTunnelId':
      return { kind, value: integerOf(choice, 0, 4294967296) };
    case 'ipv4Cidr':
      return { kind, value: ipCidrOf(choice) };
    case 'tcpPortRange':
    case 'udpPortRange': {
      const s = new Seq(choice, E280);
      const min = kind === 'tcpPortRange' ? 2 : 0;
      const start = integerOf(s.required('start'), min, 65535);
      const end = integerOf(s.required('end'), min, 65535);
      s.end();
      return { kind, value: { start, end } };
    }
    case 'tcpPortList':
    case 'udpPortList': {
      const s = new Seq(choice);
      const item = kind === 'tcpPortList' ? 'tcpPort' : 'udpPort';
      const ports = s.many(item).map((p) => integerOf(p, item === 'tcpPort' ? 2 : 0, 65535));
      if (ports.length === 0) fail('SchemaInvalid', `<${kind}> needs at least one port`, choice);
      s.end();
      return { kind, value: ports };
    }
    case 'callPartyRole':
      return { kind, value: enumOf(choice, CALL_PARTY_ROLES) };
    case 'nonLocalIdentifier':
      return { kind, value: enumOf(choice, NON_LOCAL_IDENTIFIERS) };
    case 'hashedIdentifier': {
      const s = new Seq(choice, HASHED_ID_NAMESPACE);
      const hashContextID = uuidOf(s.required('hashContextID'));
      const targetIdentityType = shortStringOf(s.required('targetIdentityType'));
      const hashDigest = hexOf(s.required('hashDigest'));
      s.end();
      return { kind, value: { hashContextID, targetIdentityType, hashDigest } };
    }
    case 'targetIdentifierExtension':
      return { kind, value: extensionOf(choice) };
    default:
      return fail('SchemaInvalid', `unknown target identifier <${kind}>`, choice);
  }
}

function ipCidrOf(el: XElem): TargetIdentifier & { kind: 'ipv4Cidr' } extends { value: infer V } ? V : never {
  const v4 = el.children[0];
  if (el.children.length !== 1 || v4 === undefined || v4.ns !== E280)
    fail('SchemaInvalid', 'invalid IPCIDR', el);
  if (v4.name === 'IPv4CIDR')
    return { family: 'IPv4CIDR', value: tokenOf(v4, PATTERNS.IPv4CIDR, 'IPv4 CIDR') };
  if (v4.name === 'IPv6CIDR')
    return { family: 'IPv6CIDR', value: tokenOf(v4, PATTERNS.IPv6CIDR, 'IPv6 CIDR') };
  return fail('SchemaInvalid', `unexpected <${v4.name}> in IPCIDR`, v4);
}

export function listOfDidsOf(el: XElem): ListOfDids {
  const s = new Seq(el);
  const dIds = s.many('dId').map(uuidOf);
  const dSIds = s.many('dSId').map(uuidOf);
  s.end();
  return { dIds, dSIds };
}

function uuidList(el: XElem, item: string): string[] {
  const s = new Seq(el);
  const out = s.many(item).map(uuidOf);
  s.end();
  return out;
}

function serviceTypesOf(el: XElem): ServiceType[] {
  const s = new Seq(el);
  const out = s.many('serviceType').map((x) => enumOf(x, SERVICE_TYPES));
  if (out.length === 0) fail('SchemaInvalid', 'at least one serviceType', el);
  s.end();
  return out;
}

function locationTypeOptionsOf(el: XElem): LocationTypeOptions {
  const c = el.children[0];
  if (el.children.length !== 1 || c === undefined) fail('SchemaInvalid', 'locationType holds one choice', el);
  new Seq(el).rest();
  if (c.name === 'doNotReport') {
    if (stringOf(c) !== '') fail('SchemaInvalid', 'doNotReport is fixed to the empty string', c);
    return { kind: 'doNotReport' };
  }
  if (c.name !== 'listOfLocationTypes') fail('SchemaInvalid', `unexpected <${c.name}>`, c);
  const s = new Seq(c);
  const locationTypes = s.many('locationType').map((lt) => {
    const ls = new Seq(lt);
    const b = ls.optional('beginningAndEnd');
    const u = ls.optional('uponChange');
    const l = ls.optional('LALS');
    ls.end();
    return {
      ...(b && { beginningAndEnd: booleanOf(b) }),
      ...(u && { uponChange: booleanOf(u) }),
      ...(l && { LALS: booleanOf(l) }),
    };
  });
  s.end();
  return { kind: 'listOfLocationTypes', locationTypes };
}

function serviceScopingOf(el: XElem): ServiceScopingOptions {
  const s = new Seq(el);
  const st = s.optional('serviceType');
  const lt = s.optional('locationType');
  const sr = s.optional('suspendOnOutboundInternationalRoaming');
  const pd = s.optional('reportPostDialledDigits');
  s.end();
  return {
    ...(st && { serviceType: serviceTypesOf(st) }),
    ...(lt && { locationType: locationTypeOptionsOf(lt) }),
    ...(sr && { suspendOnOutboundInternationalRoaming: booleanOf(sr) }),
    ...(pd && { reportPostDialledDigits: booleanOf(pd) }),
  };
}

function mediationDetailsOf(el: XElem): MediationDetails {
  const s = new Seq(el);
  const LIID = stringValueOf(s.required('LIID'), PATTERNS.LIID, 'LIID');
  const deliveryType = enumOf(s.required('deliveryType'), MEDIATION_DELIVERY_TYPES);
  const start = s.optional('StartTime');
  const end = s.optional('EndTime');
  const dids = s.optional('listOfDIDs');
  const mediationDetailsExtensions = s.many('mediationDetailsExtensions').map(extensionOf);
  const sso = s.optional('serviceScopingOptions');
  const tp = s.optional('listOfTrafficPolicyReferences');
  const iri = s.optional('listOfIRIPolicyReferences');
  s.end();
  let serviceScopingOptions: ServiceScopingOptions[] | undefined;
  if (sso) {
    const ss = new Seq(sso);
    serviceScopingOptions = ss.many('serviceScopingOptions').map(serviceScopingOf);
    ss.end();
  }
  return {
    LIID,
    deliveryType,
    ...(start && { StartTime: timestampOf(start) }),
    ...(end && { EndTime: timestampOf(end) }),
    ...(dids && { listOfDIDs: listOfDidsOf(dids) }),
    mediationDetailsExtensions,
    ...(serviceScopingOptions && { serviceScopingOptions }),
    ...(tp && { listOfTrafficPolicyReferences: uuidList(tp, 'trafficPolicyReference') }),
    ...(iri && { listOfIRIPolicyReferences: uuidList(iri, 'iRIPolicyReference') }),
  };
}

/** `TaskDetails` (clause 6.2.1.2). A missing xId is `XidMissing`. */
export function taskDetailsOf(el: XElem): TaskDetails {
  const s = new Seq(el);
  const xId = uuidOf(s.required('xId', undefined, 'XidMissing'));
  const tis = new Seq(s.required('targetIdentifiers'));
  const targetIdentifiers = tis.many('targetIdentifier').map(targetIdentifierOf);
  if (targetIdentifiers.length === 0) fail('SchemaInvalid', 'at least one targetIdentifier', tis.el);
  tis.end();
  const deliveryType = enumOf(s.required('deliveryType'), DELIVERY_TYPES);
  const listOfDIDs = listOfDidsOf(s.required('listOfDIDs'));
  const lmd = s.optional('listOfMediationDetails');
  const corr = s.optional('correlationID');
  const ida = s.optional('implicitDeactivationAllowed');
  const pid = s.optional('productID');
  const lst = s.optional('listOfServiceTypes');
  const taskDetailsExtensions = s.many('taskDetailsExtensions').map(extensionOf);
  const tp = s.optional('listOfTrafficPolicyReferences');
  const iri = s.optional('listOfIRIPolicyReferences');
  s.end();
  let listOfMediationDetails: MediationDetails[] | undefined;
  if (lmd) {
    const ms = new Seq(lmd);
    listOfMediationDetails = ms.many('mediationDetails').map(mediationDetailsOf);
    ms.end();
  }
  return {
    xId,
    targetIdentifiers,
    deliveryType,
    listOfDIDs,
    ...(listOfMediationDetails && { listOfMediationDetails }),
    ...(corr && { correlationID: integerOf(corr, 0) }),
    ...(ida && { implicitDeactivationAllowed: booleanOf(ida) }),
    ...(pid && { productID: uuidOf(pid) }),
    ...(lst && { listOfServiceTypes: serviceTypesOf(lst) }),
    taskDetailsExtensions,
    ...(tp && { listOfTrafficPolicyReferences: uuidList(tp, 'trafficPolicyReference') }),
    ...(iri && { listOfIRIPolicyReferences: uuidList(iri, 'iRIPolicyReference') }),
  };
}

function ipAddressOf(el: XElem): IpAddress {
  const c = el.children[0];
  if (el.children.length !== 1 || c === undefined || c.ns !== E280)
    fail('SchemaInvalid', 'invalid IPAddress', el);
  if (c.name === 'IPv4Address')
    return { family: 'IPv4Address', value: tokenOf(c, PATTERNS.IPv4Address, 'IPv4 address') };
  if (c.name === 'IPv6Address')
    return { family: 'IPv6Address', value: tokenOf(c, PATTERNS.IPv6Address, 'IPv6 address') };
  return fail('SchemaInvalid', `unexpected <${c.name}> in IPAddress`, c);
}

export function deliveryAddressOf(el: XElem): DeliveryAddress {
  const c = el.children[0];
  if (el.children.length !== 1 || c === undefined || c.ns !== el.ns) {
    fail('SchemaInvalid', 'a deliveryAddress holds exactly one choice', el);
  }
  switch (c.name) {
    case 'ipAddressAndPort': {
      const s = new Seq(c, E280);
      const address = ipAddressOf(s.required('address'));
      const portEl = s.required('port');
      s.end();
      const p = portEl.children[0];
      if (portEl.children.length !== 1 || p === undefined || p.ns !== E280)
        fail('SchemaInvalid', 'invalid Port', portEl);
      if (p.name !== 'TCPPort' && p.name !== 'UDPPort')
        fail('SchemaInvalid', `unexpected <${p.name}> in Port`, p);
      return {
        kind: 'ipAddressAndPort',
        address,
        port: { protocol: p.name, port: integerOf(p, p.name === 'TCPPort' ? 2 : 0, 65535) },
      };
    }
    case 'e164Number':
      return { kind: 'e164Number', value: tokenOf(c, PATTERNS.InternationalE164, 'E.164 number') };
    case 'uri': {
      // xs:anyURI is lenient (XSD 1.0); whether the NE can use the URI is decided by the NE (DeliveryAddressUnusable).
      return { kind: 'uri', value: anyUri(c, tokenOf(c)) };
    }
    case 'emailAddress':
      return { kind: 'emailAddress', value: stringValueOf(c, PATTERNS.EmailAddress, 'email address', 255) };
    default:
      return fail('SchemaInvalid', `unexpected <${c.name}> in deliveryAddress`, c);
  }
}

/** `DestinationDetails` (clause 6.3.1.2). */
export function destinationDetailsOf(el: XElem): DestinationDetails {
  const s = new Seq(el);
  const dId = uuidOf(s.required('dId'));
  const fn = s.optional('friendlyName');
  const deliveryType = enumOf(s.required('deliveryType'), DELIVERY_TYPES);
  const deliveryAddress = deliveryAddressOf(s.required('deliveryAddress'));
  const destinationDetailsExtensions = s.many('destinationDetailsExtensions').map(extensionOf);
  s.end();
  return {
    dId,
    ...(fn && { friendlyName: stringOf(fn) }),
    deliveryType,
    deliveryAddress,
    destinationDetailsExtensions,
  };
}

export function errorInformationOf(el: XElem): ErrorInformation {
  const s = new Seq(el);
  const errorCode = integerOf(s.required('errorCode'));
  const errorDescription = stringOf(s.required('errorDescription'));
  s.end();
  return { errorCode, errorDescription };
}

export function listOfFaultsOf(el: XElem): ErrorInformation[] {
  const s = new Seq(el);
  const out = s.many('unresolvedFault').map(errorInformationOf);
  s.end();
  return out;
}

function taskStatusOf(el: XElem): TaskStatus {
  const s = new Seq(el);
  const provisioningStatus = enumOf(s.required('provisioningStatus'), PROVISIONING_STATUSES);
  const listOfFaults = listOfFaultsOf(s.required('listOfFaults'));
  const tli = s.optional('timeOfLastIntercept');
  const x2 = s.optional('amountOfX2Data');
  const x3 = s.optional('amountOfX3Data');
  const tlm = s.optional('timeOfLastModification');
  const nom = s.optional('numberOfModifications');
  const taskStatusExtensions = s.many('taskStatusExtensions').map(extensionOf);
  s.end();
  return {
    provisioningStatus,
    listOfFaults,
    ...(tli && { timeOfLastIntercept: timestampOf(tli) }),
    ...(x2 && { amountOfX2Data: integerOf(x2) }),
    ...(x3 && { amountOfX3Data: integerOf(x3) }),
    ...(tlm && { timeOfLastModification: timestampOf(tlm) }),
    ...(nom && { numberOfModifications: integerOf(nom) }),
    taskStatusExtensions,
  };
}

export function taskResponseDetailsOf(el: XElem): TaskResponseDetails {
  const s = new Seq(el);
  const taskDetails = taskDetailsOf(s.required('taskDetails'));
  const taskStatus = taskStatusOf(s.required('taskStatus'));
  s.end();
  return { taskDetails, taskStatus };
}

function destinationStatusOf(el: XElem): DestinationStatus {
  const s = new Seq(el);
  const destinationDeliveryStatus = enumOf(
    s.required('destinationDeliveryStatus'),
    DESTINATION_DELIVERY_STATUSES,
  );
  const listOfFaults = listOfFaultsOf(s.required('listOfFaults'));
  s.end();
  return { destinationDeliveryStatus, listOfFaults };
}

export function destinationResponseDetailsOf(el: XElem): DestinationResponseDetails {
  const s = new Seq(el);
  const destinationDetails = destinationDetailsOf(s.required('destinationDetails'));
  const destinationStatus = destinationStatusOf(s.required('destinationStatus'));
  s.end();
  return { destinationDetails, destinationStatus };
}

export function neStatusDetailsOf(el: XElem): NeStatusDetails {
  const s = new Seq(el);
  const neStatus = enumOf(s.required('neStatus'), NE_STATUSES);
  const listOfFaults = listOfFaultsOf(s.required('listOfFaults'));
  s.end();
  return { neStatus, listOfFaults };
}

/** Children of a list wrapper, each decoded by `fn`. */
export function listOf<T>(el: XElem, item: string, fn: (e: XElem) => T): T[] {
  const s = new Seq(el);
  const out = s.many(item).map(fn);
  s.end();
  return out;
}

export function opaqueList(el: XElem, item: string): XmlTree[] {
  const s = new Seq(el);
  const out = s.many(item).map(toTree);
  s.end();
  return out;
}
