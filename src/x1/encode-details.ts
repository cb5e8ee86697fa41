/**
 * Encoders for message bodies and their structured parts, element by element in schema order
 * (TS 103 221-1 clauses 6.2–6.7).
 */
import {
  type DeliveryAddress,
  type DestinationDetails,
  type DestinationResponseDetails,
  type ErrorInformation,
  type Extension,
  type ListOfDids,
  type MediationDetails,
  type NeStatusDetails,
  type ServiceScopingOptions,
  type TargetIdentifier,
  type TaskDetails,
  type TaskResponseDetails,
  type TaskStatus,
  type X1Request,
  type X1Response,
} from './model.js';
import { canonicalE164, expandIpv6 } from './simple-types.js';
import type { XmlWriter } from './xml/writer.js';

const lc = (s: string) => s.toLowerCase();
const ipv6 = (s: string) => expandIpv6(s) ?? s;

function optLeaf(w: XmlWriter, name: string, v: string | number | boolean | undefined): void {
  if (v !== undefined) w.leaf(name, String(v));
}

function extensions(w: XmlWriter, name: string, list: readonly Extension[]): void {
  for (const e of list) {
    w.open(name);
    w.leaf('x1:Owner', e.owner);
    for (const t of e.content) w.tree(t);
    w.close(name);
  }
}

function uuidList(w: XmlWriter, wrapper: string, item: string, list: readonly string[] | undefined): void {
  if (list === undefined) return;
  if (list.length === 0) return w.empty(wrapper);
  w.open(wrapper);
  for (const id of list) w.leaf(item, lc(id));
  w.close(wrapper);
}

function listOfDids(w: XmlWriter, wrapper: string, l: ListOfDids): void {
  if (l.dIds.length === 0 && l.dSIds.length === 0) return w.empty(wrapper);
  w.open(wrapper);
  for (const d of l.dIds) w.leaf('x1:dId', lc(d));
  for (const d of l.dSIds) w.leaf('x1:dSId', lc(d));
  w.close(wrapper);
}

function ports(w: XmlWriter, wrapper: string, item: string, list: readonly number[]): void {
  w.open(wrapper);
  for (const p of list) w.leaf(item, String(p));
  w.close(wrapper);
}

function targetIdentifier(w: XmlWriter, t: TargetIdentifier): void {
  const el = `x1:${t.kind}`;
  switch (t.kind) {
    case 'ipv4Cidr':
      w.open(el);
      w.leaf(
        `e280:${t.value.family}`,
        t.value.family === 'IPv6CIDR' ? canonicalCidr6(t.value.value) : t.value.value,
      );
      return w.close(el);
    case 'tcpPortRange':
    case 'udpPortRange':
      w.open(el);
      w.leaf('e280:start', String(t.value.start));
      w.leaf('e280:end', String(t.value.end));
      return w.close(el);
    case 'tcpPortList':
      return ports(w, el, 'x1:tcpPort', t.value);
    case 'udpPortList':
      return ports(w, el, 'x1:udpPort', t.value);
    case 'hashedIdentifier':
      w.open(el);
      w.leaf('hid:hashContextID', lc(t.value.hashContextID));
      w.leaf('hid:targetIdentityType', t.value.targetIdentityType);
      w.leaf('hid:hashDigest', lc(t.value.hashDigest));
      return w.close(el);
    case 'targetIdentifierExtension':
      return extensions(w, el, [t.value]);
    case 'e164Number':
    case 'gpsiMsisdn':
      return w.leaf(el, canonicalE164(t.value));
    case 'ipv6Address':
      return w.leaf(el, ipv6(t.value));
    case 'ipv6Cidr':
      return w.leaf(el, canonicalCidr6(t.value));
    case 'macAddress':
    case 'eui64':
    case 'radiusAttribute':
    case 'suci':
      return w.leaf(el, lc(t.value));
    default:
      return w.leaf(el, String(t.value));
  }
}

function canonicalCidr6(v: string): string {
  const slash = v.lastIndexOf('/');
  return slash === -1 ? v : `${ipv6(v.slice(0, slash))}${v.slice(slash)}`;
}

function serviceTypes(w: XmlWriter, wrapper: string, list: readonly string[]): void {
  w.open(wrapper);
  for (const s of list) w.leaf('x1:serviceType', s);
  w.close(wrapper);
}

function serviceScoping(w: XmlWriter, o: ServiceScopingOptions): void {
  w.open('x1:serviceScopingOptions');
  if (o.serviceType) serviceTypes(w, 'x1:serviceType', o.serviceType);
  if (o.locationType) {
    w.open('x1:locationType');
    if (o.locationType.kind === 'doNotReport') w.empty('x1:doNotReport');
    else {
      w.open('x1:listOfLocationTypes');
      for (const lt of o.locationType.locationTypes) {
        w.open('x1:locationType');
        optLeaf(w, 'x1:beginningAndEnd', lt.beginningAndEnd);
        optLeaf(w, 'x1:uponChange', lt.uponChange);
        optLeaf(w, 'x1:LALS', lt.LALS);
        w.close('x1:locationType');
      }
      w.close('x1:listOfLocationTypes');
    }
    w.close('x1:locationType');
  }
  optLeaf(w, 'x1:suspendOnOutboundInternationalRoaming', o.suspendOnOutboundInternationalRoaming);
  optLeaf(w, 'x1:reportPostDialledDigits', o.reportPostDialledDigits);
  w.close('x1:serviceScopingOptions');
}

function mediationDetails(w: XmlWriter, m: MediationDetails): void {
  w.open('x1:mediationDetails');
  w.leaf('x1:LIID', m.LIID);
  w.leaf('x1:deliveryType', m.deliveryType);
  optLeaf(w, 'x1:StartTime', m.StartTime);
  optLeaf(w, 'x1:EndTime', m.EndTime);
  if (m.listOfDIDs) listOfDids(w, 'x1:listOfDIDs', m.listOfDIDs);
  extensions(w, 'x1:mediationDetailsExtensions', m.mediationDetailsExtensions);
  if (m.serviceScopingOptions) {
    w.open('x1:serviceScopingOptions');
    for (const o of m.serviceScopingOptions) serviceScoping(w, o);
    w.close('x1:serviceScopingOptions');
  }
  uuidList(
    w,
    'x1:listOfTrafficPolicyReferences',
    'x1:trafficPolicyReference',
    m.listOfTrafficPolicyReferences,
  );
  uuidList(w, 'x1:listOfIRIPolicyReferences', 'x1:iRIPolicyReference', m.listOfIRIPolicyReferences);
  w.close('x1:mediationDetails');
}

export function taskDetails(w: XmlWriter, t: TaskDetails): void {
  w.open('x1:taskDetails');
  w.leaf('x1:xId', lc(t.xId));
  w.open('x1:targetIdentifiers');
  for (const ti of t.targetIdentifiers) {
    w.open('x1:targetIdentifier');
    targetIdentifier(w, ti);
    w.close('x1:targetIdentifier');
  }
  w.close('x1:targetIdentifiers');
  w.leaf('x1:deliveryType', t.deliveryType);
  listOfDids(w, 'x1:listOfDIDs', t.listOfDIDs);
  if (t.listOfMediationDetails) {
    w.open('x1:listOfMediationDetails');
    for (const m of t.listOfMediationDetails) mediationDetails(w, m);
    w.close('x1:listOfMediationDetails');
  }
  optLeaf(w, 'x1:correlationID', t.correlationID);
  optLeaf(w, 'x1:implicitDeactivationAllowed', t.implicitDeactivationAllowed);
  if (t.productID !== undefined) w.leaf('x1:productID', lc(t.productID));
  if (t.listOfServiceTypes) serviceTypes(w, 'x1:listOfServiceTypes', t.listOfServiceTypes);
  extensions(w, 'x1:taskDetailsExtensions', t.taskDetailsExtensions);
  uuidList(
    w,
    'x1:listOfTrafficPolicyReferences',
    'x1:trafficPolicyReference',
    t.listOfTrafficPolicyReferences,
  );
  uuidList(w, 'x1:listOfIRIPolicyReferences', 'x1:iRIPolicyReference', t.listOfIRIPolicyReferences);
  w.close('x1:taskDetails');
}

function deliveryAddress(w: XmlWriter, a: DeliveryAddress): void {
  w.open('x1:deliveryAddress');
  switch (a.kind) {
    case 'ipAddressAndPort':
      w.open('x1:ipAddressAndPort');
      w.open('e280:address');
      w.leaf(
        `e280:${a.address.family}`,
        a.address.family === 'IPv6Address' ? ipv6(a.address.value) : a.address.value,
      );
      w.close('e280:address');
      w.open('e280:port');
      w.leaf(`e280:${a.port.protocol}`, String(a.port.port));
      w.close('e280:port');
      w.close('x1:ipAddressAndPort');
      break;
    case 'e164Number':
      w.leaf('x1:e164Number', canonicalE164(a.value));
      break;
    default:
      w.leaf(`x1:${a.kind}`, a.value);
  }
  w.close('x1:deliveryAddress');
}

export function destinationDetails(w: XmlWriter, d: DestinationDetails): void {
  w.open('x1:destinationDetails');
  w.leaf('x1:dId', lc(d.dId));
  optLeaf(w, 'x1:friendlyName', d.friendlyName);
  w.leaf('x1:deliveryType', d.deliveryType);
  deliveryAddress(w, d.deliveryAddress);
  extensions(w, 'x1:destinationDetailsExtensions', d.destinationDetailsExtensions);
  w.close('x1:destinationDetails');
}

function errorInformation(w: XmlWriter, name: string, e: ErrorInformation): void {
  w.open(name);
  w.leaf('x1:errorCode', String(e.errorCode));
  w.leaf('x1:errorDescription', e.errorDescription);
  w.close(name);
}

function faults(w: XmlWriter, list: readonly ErrorInformation[]): void {
  if (list.length === 0) return w.empty('x1:listOfFaults');
  w.open('x1:listOfFaults');
  for (const f of list) errorInformation(w, 'x1:unresolvedFault', f);
  w.close('x1:listOfFaults');
}

export function taskResponseDetails(w: XmlWriter, t: TaskResponseDetails): void {
  w.open('x1:taskResponseDetails');
  taskDetails(w, t.taskDetails);
  taskStatus(w, t.taskStatus);
  w.close('x1:taskResponseDetails');
}

/** `TaskStatus` (clause 6.4.2.2). */
export function taskStatus(w: XmlWriter, s: TaskStatus): void {
  w.open('x1:taskStatus');
  w.leaf('x1:provisioningStatus', s.provisioningStatus);
  faults(w, s.listOfFaults);
  optLeaf(w, 'x1:timeOfLastIntercept', s.timeOfLastIntercept);
  optLeaf(w, 'x1:amountOfX2Data', s.amountOfX2Data);
  optLeaf(w, 'x1:amountOfX3Data', s.amountOfX3Data);
  optLeaf(w, 'x1:timeOfLastModification', s.timeOfLastModification);
  optLeaf(w, 'x1:numberOfModifications', s.numberOfModifications);
  extensions(w, 'x1:taskStatusExtensions', s.taskStatusExtensions);
  w.close('x1:taskStatus');
}

export function destinationResponseDetails(w: XmlWriter, d: DestinationResponseDetails): void {
  w.open('x1:destinationResponseDetails');
  destinationDetails(w, d.destinationDetails);
  w.open('x1:destinationStatus');
  w.leaf('x1:destinationDeliveryStatus', d.destinationStatus.destinationDeliveryStatus);
  faults(w, d.destinationStatus.listOfFaults);
  w.close('x1:destinationStatus');
  w.close('x1:destinationResponseDetails');
}

export function neStatusDetails(w: XmlWriter, n: NeStatusDetails): void {
  w.open('x1:neStatusDetails');
  w.leaf('x1:neStatus', n.neStatus);
  faults(w, n.listOfFaults);
  w.close('x1:neStatusDetails');
}

function list<T>(w: XmlWriter, wrapper: string, items: readonly T[], fn: (w: XmlWriter, t: T) => void): void {
  if (items.length === 0) return w.empty(wrapper);
  w.open(wrapper);
  for (const i of items) fn(w, i);
  w.close(wrapper);
}

/** Writes the body elements (after the header) of any request or response. */
export function encodeDetails(w: XmlWriter, m: X1Request | X1Response): void {
  if ('body' in m) {
    for (const t of m.body) w.tree(t);
    return;
  }
  switch (m.type) {
    case 'ActivateTaskRequest':
    case 'ModifyTaskRequest':
      return taskDetails(w, m.taskDetails);
    case 'DeactivateTaskRequest':
    case 'GetTaskDetailsRequest':
      return w.leaf('x1:xId', lc(m.xId));
    case 'CreateDestinationRequest':
    case 'ModifyDestinationRequest':
      return destinationDetails(w, m.destinationDetails);
    case 'RemoveDestinationRequest':
    case 'GetDestinationDetailsRequest':
      return w.leaf('x1:dId', lc(m.dId));
    case 'ReportTaskIssueRequest':
      w.leaf('x1:xId', lc(m.xId));
      w.leaf('x1:taskReportType', m.taskReportType);
      optLeaf(w, 'x1:taskIssueErrorCode', m.taskIssueErrorCode);
      optLeaf(w, 'x1:taskIssueDetails', m.taskIssueDetails);
      return extensions(w, 'x1:taskIssueExtensions', m.taskIssueExtensions);
    case 'ReportDestinationIssueRequest':
      w.leaf('x1:dId', lc(m.dId));
      w.leaf('x1:destinationReportType', m.destinationReportType);
      optLeaf(w, 'x1:destinationIssueErrorCode', m.destinationIssueErrorCode);
      return optLeaf(w, 'x1:destinationIssueDetails', m.destinationIssueDetails);
    case 'ReportNEIssueRequest':
      w.leaf('x1:typeOfNeIssueMessage', m.typeOfNeIssueMessage);
      w.leaf('x1:description', m.description);
      optLeaf(w, 'x1:issueCode', m.issueCode);
      return extensions(w, 'x1:nEIssueExtensions', m.nEIssueExtensions);
    case 'GetTaskDetailsResponse':
      return taskResponseDetails(w, m.taskResponseDetails);
    case 'GetDestinationDetailsResponse':
      return destinationResponseDetails(w, m.destinationResponseDetails);
    case 'GetNEStatusResponse':
      return neStatusDetails(w, m.neStatusDetails);
    case 'GetAllDetailsResponse':
      neStatusDetails(w, m.neStatusDetails);
      list(w, 'x1:listOfTaskResponseDetails', m.listOfTaskResponseDetails, taskResponseDetails);
      list(
        w,
        'x1:listOfDestinationResponseDetails',
        m.listOfDestinationResponseDetails,
        destinationResponseDetails,
      );
      if (m.listOfGenericObjectResponseDetails) {
        list(w, 'x1:listOfGenericObjectResponseDetails', m.listOfGenericObjectResponseDetails, (ww, t) =>
          ww.tree(t),
        );
      }
      return;
    case 'GetAllTaskDetailsResponse':
      if (m.listOfTaskResponseDetails)
        list(w, 'x1:listOfTaskResponseDetails', m.listOfTaskResponseDetails, taskResponseDetails);
      return;
    case 'GetAllDestinationDetailsResponse':
      if (m.listOfDestinationResponseDetails) {
        list(
          w,
          'x1:listOfDestinationResponseDetails',
          m.listOfDestinationResponseDetails,
          destinationResponseDetails,
        );
      }
      return;
    case 'ListAllDetailsResponse':
      uuidList(w, 'x1:ListOfXIDs', 'x1:xId', m.ListOfXIDs);
      listOfDids(w, 'x1:ListOfDIDs', m.ListOfDIDs);
      return uuidList(w, 'x1:ListOfGenericObjectIDs', 'x1:objectId', m.ListOfGenericObjectIDs);
    case 'ErrorResponse':
      w.leaf('x1:requestMessageType', m.requestMessageType);
      errorInformation(w, 'x1:errorInformation', m.errorInformation);
      if (m.extensionInformation) {
        w.open('x1:extensionInformation');
        w.leaf('x1:extensionSpecification', m.extensionInformation.extensionSpecification);
        w.leaf('x1:extendedRequestMessageType', m.extensionInformation.extendedRequestMessageType);
        w.close('x1:extensionInformation');
      }
      return;
    default:
      if ('oK' in m) return w.leaf('x1:oK', m.oK);
      return; // requests without a body
  }
}
