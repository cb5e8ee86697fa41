/**
 * The strict X1 decoder: bytes → {@link XElem} tree (the strict reader) → model. Containers decode message by
 * message, so that a container with one bad message still has its good ones answered (clause 6.1: each
 * message gets its own response). Container-level faults throw {@link X1Error} and are answered with
 * `X1TopLevelErrorResponse`.
 */
import {
  enumOf,
  fail,
  integerOf,
  leaf,
  Seq,
  stringOf,
  timestampOf,
  tokenOf,
  toTree,
  uuidOf,
  extensionOf,
  xsiTypeOf,
  clip,
} from './decode-common.js';
import {
  destinationDetailsOf,
  destinationResponseDetailsOf,
  errorInformationOf,
  listOf,
  listOfDidsOf,
  neStatusDetailsOf,
  opaqueList,
  taskDetailsOf,
  taskResponseDetailsOf,
} from './decode-details.js';
import { X1Error } from './errors.js';
import {
  GENERIC_OBJECT_REQUEST_TYPES,
  GENERIC_OBJECT_RESPONSE_TYPES,
  NE_ISSUE_TYPES,
  OK_RESPONSE_TYPES,
  OK_VALUES,
  REQUEST_MESSAGE_TYPES,
  requestMessageTypeOf,
  TASK_REPORT_TYPES,
  X1_NAMESPACE,
  type MessageHeader,
  type RequestMessageType,
  type TopLevelErrorResponse,
  type X1Request,
  type X1Response,
} from './model.js';
import { collapse, PATTERNS } from './simple-types.js';
import { DEFAULT_READER_LIMITS, readXml, XmlReadError, type ReaderLimits, type XElem } from './xml/reader.js';

/** One message of a container: decoded, or failed with what could be salvaged for the error response. */
export type MessageResult<M> =
  | { readonly ok: true; readonly index: number; readonly line: number; readonly message: M }
  | {
      readonly ok: false;
      readonly index: number;
      readonly line: number;
      readonly error: X1Error;
      /** Header fields that could be read (for addressing the error response). */
      readonly header: Partial<MessageHeader>;
      readonly xsiType: string | undefined;
      readonly requestMessageType: RequestMessageType | undefined;
    };

export type DecodedDocument =
  | { readonly root: 'X1Request'; readonly results: readonly MessageResult<X1Request>[] }
  | { readonly root: 'X1Response'; readonly results: readonly MessageResult<X1Response>[] }
  | { readonly root: 'X1TopLevelErrorResponse'; readonly error: TopLevelErrorResponse };

export interface DecodeOptions {
  readonly limits?: Partial<ReaderLimits>;
}

/** Reads and decodes an X1 document. Throws {@link X1Error} (container-level) only. */
export function decodeX1(input: Uint8Array | string, opts: DecodeOptions = {}): DecodedDocument {
  return decodeTree(readX1Xml(input, opts));
}

/** The strict reader with X1 limits; maps reader failures to `SchemaInvalid`. */
export function readX1Xml(input: Uint8Array | string, opts: DecodeOptions = {}): XElem {
  try {
    return readXml(input, opts.limits ? { ...DEFAULT_READER_LIMITS, ...opts.limits } : DEFAULT_READER_LIMITS);
  } catch (err) {
    if (err instanceof XmlReadError) throw new X1Error('SchemaInvalid', `XML not acceptable: ${err.message}`);
    throw err;
  }
}

export function decodeTree(root: XElem): DecodedDocument {
  if (root.ns !== X1_NAMESPACE) {
    throw new X1Error(
      'SchemaInvalid',
      `root element {${clip(root.ns)}}${root.name} is not in the X1 namespace`,
    );
  }
  switch (root.name) {
    case 'X1Request':
      return { root: 'X1Request', results: container(root, 'x1RequestMessage', requestBody) };
    case 'X1Response':
      return { root: 'X1Response', results: container(root, 'x1ResponseMessage', responseBody) };
    case 'X1TopLevelErrorResponse':
      return { root: 'X1TopLevelErrorResponse', error: topLevelError(root) };
    default:
      throw new X1Error('SchemaInvalid', `unknown root element <${clip(root.name)}>`);
  }
}

function topLevelError(root: XElem): TopLevelErrorResponse {
  try {
    const s = new Seq(root);
    const admfIdentifier = tokenOf(s.required('admfIdentifier'));
    const neIdentifier = tokenOf(s.required('neIdentifier'));
    const messageTimestamp = timestampOf(s.required('messageTimestamp'));
    const version = versionOf(s.required('version'));
    s.end();
    return { admfIdentifier, neIdentifier, messageTimestamp, version };
  } catch (err) {
    if (err instanceof X1Error) throw new X1Error(err.kind, `X1TopLevelErrorResponse: ${err.message}`);
    throw err;
  }
}

type BodyDecoder<M> = (type: string, header: MessageHeader, body: Seq) => M;

function container<M>(root: XElem, item: string, body: BodyDecoder<M>): MessageResult<M>[] {
  if (root.text.length !== 0 && !/^[\t\n\r ]*$/.test(root.text))
    throw new X1Error('SchemaInvalid', `text not allowed in <${root.name}>`);
  if (root.children.length === 0) throw new X1Error('SchemaInvalid', `<${root.name}> holds no ${item}`);
  const bad = root.children.find((c) => c.name !== item || c.ns !== X1_NAMESPACE);
  if (bad)
    throw new X1Error('SchemaInvalid', `unexpected <${clip(bad.name)}> in <${root.name}> (line ${bad.line})`);
  return root.children.map((el, index) => decodeMessage(el, index, body));
}

function decodeMessage<M>(el: XElem, index: number, body: BodyDecoder<M>): MessageResult<M> {
  let xsiType: string | undefined;
  try {
    const t = xsiTypeOf(el);
    if (t === undefined) fail('SchemaInvalid', 'message without xsi:type', el);
    xsiType = t.local;
    if (t.ns !== X1_NAMESPACE)
      fail('UnsupportedMessage', `message type {${clip(t.ns)}}${clip(t.local)} is not an X1 type`, el);
    const s = new Seq(el);
    const header = headerOf(s);
    const message = body(t.local, header, s);
    s.end();
    return { ok: true, index, line: el.line, message };
  } catch (err) {
    if (!(err instanceof X1Error)) throw err;
    const error = new X1Error(
      err.kind,
      `message ${index + 1}${xsiType ? ` (${clip(xsiType)})` : ''}: ${err.message}`,
      {
        messageIndex: index,
        ...(xsiType !== undefined && { messageType: xsiType }),
        ...(err.path !== undefined && { path: err.path }),
      },
    );
    return {
      ok: false,
      index,
      line: el.line,
      error,
      header: salvageHeader(el),
      xsiType,
      requestMessageType: xsiType === undefined ? undefined : requestMessageTypeOf(xsiType),
    };
  }
}

function versionOf(el: XElem): string {
  const v = leaf(el); // Version restricts xs:string: no white-space folding
  if (!PATTERNS.Version.test(v))
    fail('UnsupportedVersion', `unsupported version "${clip(v)}" (lix speaks v1.x.y)`, el);
  return v;
}

function headerOf(s: Seq): MessageHeader {
  const admfIdentifier = tokenOf(s.required('admfIdentifier'));
  const neIdentifier = tokenOf(s.required('neIdentifier'));
  const messageTimestamp = timestampOf(s.required('messageTimestamp'));
  const version = versionOf(s.required('version'));
  const x1TransactionId = uuidOf(s.required('x1TransactionId'));
  return { admfIdentifier, neIdentifier, messageTimestamp, version, x1TransactionId };
}

/** Best-effort header of a failed message, so its error response can still be addressed and matched. */
function salvageHeader(el: XElem): Partial<MessageHeader> {
  const out: Record<string, string> = {};
  for (const name of ['admfIdentifier', 'neIdentifier', 'messageTimestamp', 'version', 'x1TransactionId']) {
    const c = el.children.find((x) => x.name === name && x.ns === X1_NAMESPACE && x.children.length === 0);
    if (c) {
      const v = collapse(c.text);
      if (v.length > 0 && v.length <= 255) out[name] = v;
    }
  }
  if (out.x1TransactionId !== undefined && !PATTERNS.UUID.test(out.x1TransactionId))
    delete out.x1TransactionId;
  return out as Partial<MessageHeader>;
}

function requestBody(type: string, header: MessageHeader, s: Seq): X1Request {
  const xid = () => uuidOf(s.required('xId', undefined, 'XidMissing'));
  switch (type) {
    case 'ActivateTaskRequest':
    case 'ModifyTaskRequest':
      return { type, header, taskDetails: taskDetailsOf(s.required('taskDetails')) };
    case 'DeactivateTaskRequest':
    case 'GetTaskDetailsRequest':
      return { type, header, xId: xid() };
    case 'CreateDestinationRequest':
    case 'ModifyDestinationRequest':
      return { type, header, destinationDetails: destinationDetailsOf(s.required('destinationDetails')) };
    case 'RemoveDestinationRequest':
    case 'GetDestinationDetailsRequest':
      return { type, header, dId: uuidOf(s.required('dId')) };
    case 'DeactivateAllTasksRequest':
    case 'RemoveAllDestinationsRequest':
    case 'GetNEStatusRequest':
    case 'GetAllDetailsRequest':
    case 'GetAllTaskDetailsRequest':
    case 'GetAllDestinationDetailsRequest':
    case 'ListAllDetailsRequest':
    case 'PingRequest':
    case 'KeepaliveRequest':
      return { type, header };
    case 'ReportTaskIssueRequest': {
      const xId = xid();
      const taskReportType = enumOf(s.required('taskReportType'), TASK_REPORT_TYPES);
      const code = s.optional('taskIssueErrorCode');
      const details = s.optional('taskIssueDetails');
      const taskIssueExtensions = s.many('taskIssueExtensions').map(extensionOf);
      return {
        type,
        header,
        xId,
        taskReportType,
        ...(code && { taskIssueErrorCode: integerOf(code) }),
        ...(details && { taskIssueDetails: stringOf(details) }),
        taskIssueExtensions,
      };
    }
    case 'ReportDestinationIssueRequest': {
      const dId = uuidOf(s.required('dId'));
      const destinationReportType = enumOf(s.required('destinationReportType'), TASK_REPORT_TYPES);
      const code = s.optional('destinationIssueErrorCode');
      const details = s.optional('destinationIssueDetails');
      return {
        type,
        header,
        dId,
        destinationReportType,
        ...(code && { destinationIssueErrorCode: integerOf(code) }),
        ...(details && { destinationIssueDetails: stringOf(details) }),
      };
    }
    case 'ReportNEIssueRequest': {
      const typeOfNeIssueMessage = enumOf(s.required('typeOfNeIssueMessage'), NE_ISSUE_TYPES);
      const description = stringOf(s.required('description'));
      const code = s.optional('issueCode');
      const nEIssueExtensions = s.many('nEIssueExtensions').map(extensionOf);
      return {
        type,
        header,
        typeOfNeIssueMessage,
        description,
        ...(code && { issueCode: integerOf(code) }),
        nEIssueExtensions,
      };
    }
    default:
      if ((GENERIC_OBJECT_REQUEST_TYPES as readonly string[]).includes(type)) {
        return {
          type: type as (typeof GENERIC_OBJECT_REQUEST_TYPES)[number],
          header,
          body: s.rest().map(toTree),
        };
      }
      return fail('UnsupportedMessage', `unsupported request type ${clip(type)}`);
  }
}

function responseBody(type: string, header: MessageHeader, s: Seq): X1Response {
  if ((OK_RESPONSE_TYPES as readonly string[]).includes(type)) {
    const values = type === 'ReportNEIssueResponse' ? (['AcknowledgedAndCompleted'] as const) : OK_VALUES;
    return { type: type as (typeof OK_RESPONSE_TYPES)[number], header, oK: enumOf(s.required('oK'), values) };
  }
  switch (type) {
    case 'GetTaskDetailsResponse':
      return { type, header, taskResponseDetails: taskResponseDetailsOf(s.required('taskResponseDetails')) };
    case 'GetDestinationDetailsResponse':
      return {
        type,
        header,
        destinationResponseDetails: destinationResponseDetailsOf(s.required('destinationResponseDetails')),
      };
    case 'GetNEStatusResponse':
      return { type, header, neStatusDetails: neStatusDetailsOf(s.required('neStatusDetails')) };
    case 'GetAllDetailsResponse': {
      const neStatusDetails = neStatusDetailsOf(s.required('neStatusDetails'));
      const tasks = listOf(
        s.required('listOfTaskResponseDetails'),
        'taskResponseDetails',
        taskResponseDetailsOf,
      );
      const dests = listOf(
        s.required('listOfDestinationResponseDetails'),
        'destinationResponseDetails',
        destinationResponseDetailsOf,
      );
      const gen = s.optional('listOfGenericObjectResponseDetails');
      return {
        type,
        header,
        neStatusDetails,
        listOfTaskResponseDetails: tasks,
        listOfDestinationResponseDetails: dests,
        ...(gen && { listOfGenericObjectResponseDetails: opaqueList(gen, 'genericObjectResponseDetails') }),
      };
    }
    case 'GetAllTaskDetailsResponse': {
      const l = s.optional('listOfTaskResponseDetails');
      return {
        type,
        header,
        ...(l && { listOfTaskResponseDetails: listOf(l, 'taskResponseDetails', taskResponseDetailsOf) }),
      };
    }
    case 'GetAllDestinationDetailsResponse': {
      const l = s.optional('listOfDestinationResponseDetails');
      return {
        type,
        header,
        ...(l && {
          listOfDestinationResponseDetails: listOf(
            l,
            'destinationResponseDetails',
            destinationResponseDetailsOf,
          ),
        }),
      };
    }
    case 'ListAllDetailsResponse': {
      const ListOfXIDs = listOf(s.required('ListOfXIDs'), 'xId', uuidOf);
      const ListOfDIDs = listOfDidsOf(s.required('ListOfDIDs'));
      const gen = s.optional('ListOfGenericObjectIDs');
      return {
        type,
        header,
        ListOfXIDs,
        ListOfDIDs,
        ...(gen && { ListOfGenericObjectIDs: listOf(gen, 'objectId', uuidOf) }),
      };
    }
    case 'ErrorResponse': {
      const requestMessageType = enumOf(s.required('requestMessageType'), REQUEST_MESSAGE_TYPES);
      const errorInformation = errorInformationOf(s.required('errorInformation'));
      const ext = s.optional('extensionInformation');
      let extensionInformation;
      if (ext) {
        const es = new Seq(ext);
        const extensionSpecification = enumOf(es.required('extensionSpecification'), ['TS133128'] as const);
        const extendedRequestMessageType = stringOf(es.required('extendedRequestMessageType'));
        es.end();
        extensionInformation = { extensionSpecification, extendedRequestMessageType };
      }
      return {
        type,
        header,
        requestMessageType,
        errorInformation,
        ...(extensionInformation && { extensionInformation }),
      };
    }
    default:
      if ((GENERIC_OBJECT_RESPONSE_TYPES as readonly string[]).includes(type)) {
        return {
          type: type as (typeof GENERIC_OBJECT_RESPONSE_TYPES)[number],
          header,
          body: s.rest().map(toTree),
        };
      }
      return fail('UnsupportedMessage', `unsupported response type ${clip(type)}`);
  }
}
