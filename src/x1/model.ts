/**
 * The X1 message model: ETSI TS 103 221-1 (schema v1.23.1) as plain readonly objects.
 *
 * Every request and response message is a member of a discriminated union keyed by `type`, which is the
 * `xsi:type` local name the message carries on the wire (e.g. `ActivateTaskRequest`). Field names follow the
 * schema's element names so that the clause references carry over. Optional elements are optional properties;
 * repeated elements are arrays (possibly empty); optional list wrappers (whose presence the schema
 * distinguishes from their absence) are optional arrays.
 */

/** Lower-case canonical UUID (TS 103 280 `UUID`). */
export type Uuid = string;
/** `QualifiedMicrosecondDateTime`: `YYYY-MM-DDThh:mm:ss.ffffff` then `Z` or `±hh:mm`. */
export type Timestamp = string;

export const X1_NAMESPACE = 'http://uri.etsi.org/03221/X1/2017/10';
export const ETSI280_NAMESPACE = 'http://uri.etsi.org/03280/common/2017/07';
export const HASHED_ID_NAMESPACE = 'http://uri.etsi.org/03221/X1/2017/10/HashedID';
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
/** Version sent by default (DESIGN.md: configurable). */
export const DEFAULT_X1_VERSION = 'v1.23.1';

// ---------------------------------------------------------------------------------------------------------
// Opaque XML kept as it came: extensions (`xs:any namespace="##other"`) and generic objects.

export interface XmlAttr {
  readonly ns: string;
  readonly name: string;
  /** The attribute value; for a QName-valued attribute (`xsi:type`) the local name, prefix-free. */
  readonly value: string;
  /** Set when the attribute is `xsi:type`: the resolved QName, re-prefixed on output. */
  readonly qname?: { readonly ns: string; readonly local: string };
}

/** An element subtree with resolved namespaces; text children are strings. */
export interface XmlTree {
  readonly ns: string;
  readonly name: string;
  readonly attrs: readonly XmlAttr[];
  readonly children: readonly (XmlTree | string)[];
}

/** `Extension` (TaskDetailsExtensions, TaskStatusExtensions, ...): an owner and foreign elements. */
export interface Extension {
  readonly owner: string;
  readonly content: readonly XmlTree[];
}

// ---------------------------------------------------------------------------------------------------------
// Enumerations (one `as const` table each).

export const DELIVERY_TYPES = ['X2Only', 'X3Only', 'X2andX3'] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

export const MEDIATION_DELIVERY_TYPES = ['HI2Only', 'HI3Only', 'HI2andHI3'] as const;
export type MediationDeliveryType = (typeof MEDIATION_DELIVERY_TYPES)[number];

export const SERVICE_TYPES = ['voice', 'data', 'messaging', 'pushToTalk', 'LALS', 'RCS'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const OK_VALUES = ['AcknowledgedAndCompleted', 'Acknowledged'] as const;
export type OkValue = (typeof OK_VALUES)[number];

export const PROVISIONING_STATUSES = ['awaitingProvisioning', 'failed', 'complete'] as const;
export type ProvisioningStatus = (typeof PROVISIONING_STATUSES)[number];

export const DESTINATION_DELIVERY_STATUSES = ['activeAndWorking', 'deliveryFault'] as const;
export type DestinationDeliveryStatus = (typeof DESTINATION_DELIVERY_STATUSES)[number];

export const NE_STATUSES = ['OK', 'Faults'] as const;
export type NeStatus = (typeof NE_STATUSES)[number];

export const TASK_REPORT_TYPES = [
  'AllClear',
  'Warning',
  'NonTerminatingFault',
  'TerminatingFault',
  'ImplicitDeactivation',
  'FullyActionedAndSuccessful',
  'FullyActionedAndUnsuccessful',
] as const;
export type TaskReportType = (typeof TASK_REPORT_TYPES)[number];

export const NE_ISSUE_TYPES = ['Warning', 'FaultCleared', 'FaultReport', 'Alert'] as const;
export type NeIssueType = (typeof NE_ISSUE_TYPES)[number];

export const CALL_PARTY_ROLES = ['Originating', 'Terminating', 'Forwarded-To'] as const;
export type CallPartyRole = (typeof CALL_PARTY_ROLES)[number];

export const NON_LOCAL_IDENTIFIERS = ['Local', 'NonLocal'] as const;
export type NonLocalIdentifier = (typeof NON_LOCAL_IDENTIFIERS)[number];

/** `RequestMessageType` (clause 6.7), used in ErrorResponse. */
export const REQUEST_MESSAGE_TYPES = [
  'ActivateTask',
  'ModifyTask',
  'DeactivateTask',
  'DeactivateAllTasks',
  'GetTaskDetails',
  'CreateDestination',
  'ModifyDestination',
  'RemoveDestination',
  'RemoveAllDestinations',
  'GetDestinationDetails',
  'GetNEStatus',
  'GetAllDetails',
  'GetAllTaskDetails',
  'GetAllDestinationDetails',
  'GetAllGenericObjectDetails',
  'ListAllDetails',
  'ReportTaskIssue',
  'ReportDestinationIssue',
  'ReportNEIssue',
  'Ping',
  'Keepalive',
  'CreateObject',
  'ModifyObject',
  'GetObject',
  'DeleteObject',
  'ListObjectsOfType',
  'DeleteAllObjects',
  'ExtendedRequestMessageType',
] as const;
export type RequestMessageType = (typeof REQUEST_MESSAGE_TYPES)[number];

/** Generic-object requests: decoded as far as header and type, then answered "unsupported" (DESIGN.md). */
export const GENERIC_OBJECT_REQUEST_TYPES = [
  'GetAllGenericObjectDetailsRequest',
  'CreateObjectRequest',
  'ModifyObjectRequest',
  'GetObjectRequest',
  'DeleteObjectRequest',
  'ListObjectsOfTypeRequest',
  'DeleteAllObjectsRequest',
] as const;
export type GenericObjectRequestType = (typeof GENERIC_OBJECT_REQUEST_TYPES)[number];

export const GENERIC_OBJECT_RESPONSE_TYPES = [
  'GetAllGenericObjectDetailsResponse',
  'CreateObjectResponse',
  'ModifyObjectResponse',
  'GetObjectResponse',
  'DeleteObjectResponse',
  'ListObjectsOfTypeResponse',
  'DeleteAllObjectsResponse',
] as const;
export type GenericObjectResponseType = (typeof GENERIC_OBJECT_RESPONSE_TYPES)[number];

// ---------------------------------------------------------------------------------------------------------
// Addresses and target identifiers (clause 6.2.1.2; TS 103 280).

export type IpAddress =
  | { readonly family: 'IPv4Address'; readonly value: string }
  | { readonly family: 'IPv6Address'; readonly value: string };

export type IpCidr =
  | { readonly family: 'IPv4CIDR'; readonly value: string }
  | { readonly family: 'IPv6CIDR'; readonly value: string };

export interface PortRange {
  readonly start: number;
  readonly end: number;
}

export interface HashedIdentifier {
  readonly hashContextID: Uuid;
  readonly targetIdentityType: string;
  /** Lower-case hex. */
  readonly hashDigest: string;
}

/** Target identifier kinds whose value is a plain string in the schema. */
export const STRING_TARGET_KINDS = [
  'e164Number',
  'imsi',
  'imei',
  'macAddress',
  'ipv4Address',
  'ipv6Address',
  'ipv6Cidr',
  'emailAddress',
  'internationalizedEmailAddress',
  'sipUri',
  'telUri',
  'h323Uri',
  'impu',
  'impi',
  'nai',
  'radiusAttribute',
  'supiimsi',
  'supinai',
  'suci',
  'peiImei',
  'peiImeiCheckDigit',
  'peiImeisv',
  'gpsiMsisdn',
  'gpsiNai',
  'eui64',
  'serviceAccessIdentifier',
  'vrf',
] as const;
export type StringTargetKind = (typeof STRING_TARGET_KINDS)[number];

export const NUMBER_TARGET_KINDS = ['tcpPort', 'udpPort', 'gtpuTunnelId', 'gtpcTunnelId'] as const;
export type NumberTargetKind = (typeof NUMBER_TARGET_KINDS)[number];

/** One `TargetIdentifier` choice. `kind` is the schema element name. */
export type TargetIdentifier =
  | { readonly kind: StringTargetKind; readonly value: string }
  | { readonly kind: NumberTargetKind; readonly value: number }
  | { readonly kind: 'ipv4Cidr'; readonly value: IpCidr }
  | { readonly kind: 'tcpPortRange' | 'udpPortRange'; readonly value: PortRange }
  | { readonly kind: 'tcpPortList' | 'udpPortList'; readonly value: readonly number[] }
  | { readonly kind: 'callPartyRole'; readonly value: CallPartyRole }
  | { readonly kind: 'nonLocalIdentifier'; readonly value: NonLocalIdentifier }
  | { readonly kind: 'hashedIdentifier'; readonly value: HashedIdentifier }
  | { readonly kind: 'targetIdentifierExtension'; readonly value: Extension };

export type TargetKind = TargetIdentifier['kind'];

/** Every target identifier kind, in schema order. */
export const TARGET_KINDS: readonly TargetKind[] = [
  'e164Number',
  'imsi',
  'imei',
  'macAddress',
  'ipv4Address',
  'ipv6Address',
  'ipv4Cidr',
  'ipv6Cidr',
  'tcpPort',
  'tcpPortRange',
  'tcpPortList',
  'udpPort',
  'udpPortRange',
  'udpPortList',
  'emailAddress',
  'internationalizedEmailAddress',
  'sipUri',
  'telUri',
  'h323Uri',
  'impu',
  'impi',
  'nai',
  'radiusAttribute',
  'gtpuTunnelId',
  'gtpcTunnelId',
  'callPartyRole',
  'nonLocalIdentifier',
  'supiimsi',
  'supinai',
  'suci',
  'peiImei',
  'peiImeiCheckDigit',
  'peiImeisv',
  'gpsiMsisdn',
  'gpsiNai',
  'eui64',
  'serviceAccessIdentifier',
  'hashedIdentifier',
  'targetIdentifierExtension',
  'vrf',
];

/** `DeliveryAddress` choice (clause 6.3.1.2). */
export type DeliveryAddress =
  | {
      readonly kind: 'ipAddressAndPort';
      readonly address: IpAddress;
      readonly port: { readonly protocol: 'TCPPort' | 'UDPPort'; readonly port: number };
    }
  | { readonly kind: 'e164Number'; readonly value: string }
  | { readonly kind: 'uri'; readonly value: string }
  | { readonly kind: 'emailAddress'; readonly value: string };

// ---------------------------------------------------------------------------------------------------------
// Task and destination details.

export interface ListOfDids {
  readonly dIds: readonly Uuid[];
  /** Destination-set identifiers (generic objects). */
  readonly dSIds: readonly Uuid[];
}

export interface LocationType {
  readonly beginningAndEnd?: boolean;
  readonly uponChange?: boolean;
  readonly LALS?: boolean;
}

export type LocationTypeOptions =
  | { readonly kind: 'doNotReport' }
  | { readonly kind: 'listOfLocationTypes'; readonly locationTypes: readonly LocationType[] };

export interface ServiceScopingOptions {
  readonly serviceType?: readonly ServiceType[];
  readonly locationType?: LocationTypeOptions;
  readonly suspendOnOutboundInternationalRoaming?: boolean;
  readonly reportPostDialledDigits?: boolean;
}

export interface MediationDetails {
  readonly LIID: string;
  readonly deliveryType: MediationDeliveryType;
  readonly StartTime?: Timestamp;
  readonly EndTime?: Timestamp;
  readonly listOfDIDs?: ListOfDids;
  readonly mediationDetailsExtensions: readonly Extension[];
  readonly serviceScopingOptions?: readonly ServiceScopingOptions[];
  readonly listOfTrafficPolicyReferences?: readonly Uuid[];
  readonly listOfIRIPolicyReferences?: readonly Uuid[];
}

/** `TaskDetails` (clause 6.2.1.2). */
export interface TaskDetails {
  readonly xId: Uuid;
  readonly targetIdentifiers: readonly TargetIdentifier[];
  readonly deliveryType: DeliveryType;
  readonly listOfDIDs: ListOfDids;
  readonly listOfMediationDetails?: readonly MediationDetails[];
  readonly correlationID?: number;
  readonly implicitDeactivationAllowed?: boolean;
  readonly productID?: Uuid;
  readonly listOfServiceTypes?: readonly ServiceType[];
  readonly taskDetailsExtensions: readonly Extension[];
  readonly listOfTrafficPolicyReferences?: readonly Uuid[];
  readonly listOfIRIPolicyReferences?: readonly Uuid[];
}

/** `DestinationDetails` (clause 6.3.1.2). */
export interface DestinationDetails {
  readonly dId: Uuid;
  readonly friendlyName?: string;
  readonly deliveryType: DeliveryType;
  readonly deliveryAddress: DeliveryAddress;
  readonly destinationDetailsExtensions: readonly Extension[];
}

/** `ErrorInformation`: also the element type of every list of faults. */
export interface ErrorInformation {
  readonly errorCode: number;
  readonly errorDescription: string;
}

/** `TaskStatus` (clause 6.4.2.2). */
export interface TaskStatus {
  readonly provisioningStatus: ProvisioningStatus;
  readonly listOfFaults: readonly ErrorInformation[];
  readonly timeOfLastIntercept?: Timestamp;
  readonly amountOfX2Data?: number;
  readonly amountOfX3Data?: number;
  readonly timeOfLastModification?: Timestamp;
  readonly numberOfModifications?: number;
  readonly taskStatusExtensions: readonly Extension[];
}

export interface TaskResponseDetails {
  readonly taskDetails: TaskDetails;
  readonly taskStatus: TaskStatus;
}

/** `DestinationStatus` (clause 6.4.3.2). */
export interface DestinationStatus {
  readonly destinationDeliveryStatus: DestinationDeliveryStatus;
  readonly listOfFaults: readonly ErrorInformation[];
}

export interface DestinationResponseDetails {
  readonly destinationDetails: DestinationDetails;
  readonly destinationStatus: DestinationStatus;
}

export interface NeStatusDetails {
  readonly neStatus: NeStatus;
  readonly listOfFaults: readonly ErrorInformation[];
}

export interface ExtensionInformation {
  readonly extensionSpecification: 'TS133128';
  readonly extendedRequestMessageType: string;
}

// ---------------------------------------------------------------------------------------------------------
// Messages (clause 6).

/** The five header elements every request and response carries (clause 6.1). */
export interface MessageHeader {
  readonly admfIdentifier: string;
  readonly neIdentifier: string;
  readonly messageTimestamp: Timestamp;
  readonly version: string;
  readonly x1TransactionId: Uuid;
}

type Msg<T extends string, B = object> = { readonly type: T; readonly header: MessageHeader } & Readonly<B>;

export type ActivateTaskRequest = Msg<'ActivateTaskRequest', { taskDetails: TaskDetails }>;
export type ModifyTaskRequest = Msg<'ModifyTaskRequest', { taskDetails: TaskDetails }>;
export type DeactivateTaskRequest = Msg<'DeactivateTaskRequest', { xId: Uuid }>;
export type DeactivateAllTasksRequest = Msg<'DeactivateAllTasksRequest'>;
export type CreateDestinationRequest = Msg<
  'CreateDestinationRequest',
  { destinationDetails: DestinationDetails }
>;
export type ModifyDestinationRequest = Msg<
  'ModifyDestinationRequest',
  { destinationDetails: DestinationDetails }
>;
export type RemoveDestinationRequest = Msg<'RemoveDestinationRequest', { dId: Uuid }>;
export type RemoveAllDestinationsRequest = Msg<'RemoveAllDestinationsRequest'>;
export type GetTaskDetailsRequest = Msg<'GetTaskDetailsRequest', { xId: Uuid }>;
export type GetDestinationDetailsRequest = Msg<'GetDestinationDetailsRequest', { dId: Uuid }>;
export type GetNEStatusRequest = Msg<'GetNEStatusRequest'>;
export type GetAllDetailsRequest = Msg<'GetAllDetailsRequest'>;
export type GetAllTaskDetailsRequest = Msg<'GetAllTaskDetailsRequest'>;
export type GetAllDestinationDetailsRequest = Msg<'GetAllDestinationDetailsRequest'>;
export type ListAllDetailsRequest = Msg<'ListAllDetailsRequest'>;
export type ReportTaskIssueRequest = Msg<
  'ReportTaskIssueRequest',
  {
    xId: Uuid;
    taskReportType: TaskReportType;
    taskIssueErrorCode?: number;
    taskIssueDetails?: string;
    taskIssueExtensions: readonly Extension[];
  }
>;
export type ReportDestinationIssueRequest = Msg<
  'ReportDestinationIssueRequest',
  {
    dId: Uuid;
    destinationReportType: TaskReportType;
    destinationIssueErrorCode?: number;
    destinationIssueDetails?: string;
  }
>;
export type ReportNEIssueRequest = Msg<
  'ReportNEIssueRequest',
  {
    typeOfNeIssueMessage: NeIssueType;
    description: string;
    issueCode?: number;
    nEIssueExtensions: readonly Extension[];
  }
>;
export type PingRequest = Msg<'PingRequest'>;
export type KeepaliveRequest = Msg<'KeepaliveRequest'>;
/** A generic-object request: header and type only, the body kept opaque; lix answers it "unsupported". */
export type GenericObjectRequest = Msg<GenericObjectRequestType, { body: readonly XmlTree[] }>;

export type X1Request =
  | ActivateTaskRequest
  | ModifyTaskRequest
  | DeactivateTaskRequest
  | DeactivateAllTasksRequest
  | CreateDestinationRequest
  | ModifyDestinationRequest
  | RemoveDestinationRequest
  | RemoveAllDestinationsRequest
  | GetTaskDetailsRequest
  | GetDestinationDetailsRequest
  | GetNEStatusRequest
  | GetAllDetailsRequest
  | GetAllTaskDetailsRequest
  | GetAllDestinationDetailsRequest
  | ListAllDetailsRequest
  | ReportTaskIssueRequest
  | ReportDestinationIssueRequest
  | ReportNEIssueRequest
  | PingRequest
  | KeepaliveRequest
  | GenericObjectRequest;

export type X1RequestType = X1Request['type'];

/** Response types whose only body is `oK`. */
export const OK_RESPONSE_TYPES = [
  'ActivateTaskResponse',
  'ModifyTaskResponse',
  'DeactivateTaskResponse',
  'DeactivateAllTasksResponse',
  'CreateDestinationResponse',
  'ModifyDestinationResponse',
  'RemoveDestinationResponse',
  'RemoveAllDestinationsResponse',
  'ReportTaskIssueResponse',
  'ReportDestinationIssueResponse',
  'ReportNEIssueResponse',
  'PingResponse',
  'KeepaliveResponse',
] as const;
export type OkResponseType = (typeof OK_RESPONSE_TYPES)[number];

export type OkResponse = Msg<OkResponseType, { oK: OkValue }>;
export type GetTaskDetailsResponse = Msg<
  'GetTaskDetailsResponse',
  { taskResponseDetails: TaskResponseDetails }
>;
export type GetDestinationDetailsResponse = Msg<
  'GetDestinationDetailsResponse',
  { destinationResponseDetails: DestinationResponseDetails }
>;
export type GetNEStatusResponse = Msg<'GetNEStatusResponse', { neStatusDetails: NeStatusDetails }>;
export type GetAllDetailsResponse = Msg<
  'GetAllDetailsResponse',
  {
    neStatusDetails: NeStatusDetails;
    listOfTaskResponseDetails: readonly TaskResponseDetails[];
    listOfDestinationResponseDetails: readonly DestinationResponseDetails[];
    /** Generic objects, kept opaque (`genericObjectResponseDetails` elements). */
    listOfGenericObjectResponseDetails?: readonly XmlTree[];
  }
>;
export type GetAllTaskDetailsResponse = Msg<
  'GetAllTaskDetailsResponse',
  { listOfTaskResponseDetails?: readonly TaskResponseDetails[] }
>;
export type GetAllDestinationDetailsResponse = Msg<
  'GetAllDestinationDetailsResponse',
  { listOfDestinationResponseDetails?: readonly DestinationResponseDetails[] }
>;
export type ListAllDetailsResponse = Msg<
  'ListAllDetailsResponse',
  { ListOfXIDs: readonly Uuid[]; ListOfDIDs: ListOfDids; ListOfGenericObjectIDs?: readonly Uuid[] }
>;
export type ErrorResponse = Msg<
  'ErrorResponse',
  {
    requestMessageType: RequestMessageType;
    errorInformation: ErrorInformation;
    extensionInformation?: ExtensionInformation;
  }
>;
/** A generic-object response, body kept opaque. */
export type GenericObjectResponse = Msg<GenericObjectResponseType, { body: readonly XmlTree[] }>;

export type X1Response =
  | OkResponse
  | GetTaskDetailsResponse
  | GetDestinationDetailsResponse
  | GetNEStatusResponse
  | GetAllDetailsResponse
  | GetAllTaskDetailsResponse
  | GetAllDestinationDetailsResponse
  | ListAllDetailsResponse
  | ErrorResponse
  | GenericObjectResponse;

export type X1ResponseType = X1Response['type'];

/** `X1TopLevelErrorResponse`: the answer to a container that could not be read at all. */
export interface TopLevelErrorResponse {
  readonly admfIdentifier: string;
  readonly neIdentifier: string;
  readonly messageTimestamp: Timestamp;
  readonly version: string;
}

/** A whole X1 document, by root element. */
export type X1Document =
  | { readonly root: 'X1Request'; readonly messages: readonly X1Request[] }
  | { readonly root: 'X1Response'; readonly messages: readonly X1Response[] }
  | { readonly root: 'X1TopLevelErrorResponse'; readonly error: TopLevelErrorResponse };

/** The `RequestMessageType` value for a request's xsi:type (`ActivateTaskRequest` → `ActivateTask`). */
export function requestMessageTypeOf(xsiType: string): RequestMessageType | undefined {
  if (!xsiType.endsWith('Request')) return undefined;
  const base = xsiType.slice(0, -'Request'.length);
  return (REQUEST_MESSAGE_TYPES as readonly string[]).includes(base)
    ? (base as RequestMessageType)
    : undefined;
}

/** Request types that change the data plane; the ADMF follows them with GetTaskDetails after TIME2. */
export const LIFECYCLE_REQUEST_TYPES = [
  'ActivateTaskRequest',
  'ModifyTaskRequest',
  'DeactivateTaskRequest',
  'DeactivateAllTasksRequest',
] as const;
