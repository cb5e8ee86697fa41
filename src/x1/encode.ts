/**
 * The X1 encoder: model → canonical XML that validates against the ETSI schema. Elements in schema order;
 * timestamps as given (the model holds 6-digit microsecond timestamps); UUIDs lower-cased; IPv6 fully
 * expanded; E.164 without `+`. The X1 namespace uses the prefix `x1`, TS 103 280 `e280`, HashedID `hid`.
 */
import {
  destinationResponseDetails,
  encodeDetails,
  neStatusDetails,
  taskDetails,
  taskStatus,
} from './encode-details.js';
import { X1Error } from './errors.js';
import {
  ETSI280_NAMESPACE,
  HASHED_ID_NAMESPACE,
  X1_NAMESPACE,
  XSI_NAMESPACE,
  type DestinationResponseDetails,
  type MessageHeader,
  type NeStatusDetails,
  type TaskDetails,
  type TaskStatus,
  type TopLevelErrorResponse,
  type X1Document,
  type X1Request,
  type X1Response,
} from './model.js';
import { XmlWriter } from './xml/writer.js';

const ROOT_NS = {
  x1: X1_NAMESPACE,
  e280: ETSI280_NAMESPACE,
  hid: HASHED_ID_NAMESPACE,
  xsi: XSI_NAMESPACE,
} as const;

const ROOT_PREFIXES: ReadonlyMap<string, string> = new Map(Object.entries(ROOT_NS).map(([p, ns]) => [ns, p]));
const ROOT_DECLS = Object.entries(ROOT_NS)
  .map(([p, ns]) => ` xmlns:${p}="${ns}"`)
  .join('');

function newWriter(): XmlWriter {
  return new XmlWriter(ROOT_PREFIXES);
}

function rootOpen(w: XmlWriter, name: string): void {
  w.raw(`<?xml version="1.0" encoding="UTF-8"?>\n<x1:${name}${ROOT_DECLS}>`);
}

function header(w: XmlWriter, h: MessageHeader): void {
  w.leaf('x1:admfIdentifier', h.admfIdentifier);
  w.leaf('x1:neIdentifier', h.neIdentifier);
  w.leaf('x1:messageTimestamp', h.messageTimestamp);
  w.leaf('x1:version', h.version);
  w.leaf('x1:x1TransactionId', h.x1TransactionId.toLowerCase());
}

function message(w: XmlWriter, element: string, m: X1Request | X1Response): void {
  w.raw(`<x1:${element} xsi:type="x1:${m.type}">`);
  header(w, m.header);
  encodeDetails(w, m);
  w.raw(`</x1:${element}>`);
}

/** Encodes an `X1Request` container. */
export function encodeRequest(messages: readonly X1Request[]): string {
  if (messages.length === 0) throw new X1Error('GenericFailure', 'an X1Request holds at least one message');
  const w = newWriter();
  rootOpen(w, 'X1Request');
  for (const m of messages) message(w, 'x1RequestMessage', m);
  w.raw('</x1:X1Request>');
  return w.toString();
}

/** A response message already encoded (a whole `x1ResponseMessage` element), e.g. a bulk status answer. */
export interface EncodedResponseMessage {
  readonly encoded: string;
}

/** Encodes an `X1Response` container; pre-encoded messages are copied in as they are. */
export function encodeResponse(messages: readonly (X1Response | EncodedResponseMessage)[]): string {
  if (messages.length === 0) throw new X1Error('GenericFailure', 'an X1Response holds at least one message');
  const w = newWriter();
  rootOpen(w, 'X1Response');
  for (const m of messages) {
    if ('encoded' in m) w.raw(m.encoded);
    else message(w, 'x1ResponseMessage', m);
  }
  w.raw('</x1:X1Response>');
  return w.toString();
}

/** The canonical `<x1:taskDetails>` element of a task, for stores that keep it ready to send. */
export function encodeTaskDetailsFragment(t: TaskDetails): string {
  const w = newWriter();
  taskDetails(w, t);
  return w.toString();
}

/** A task for a bulk answer: its stored `<x1:taskDetails>` fragment and its current status. */
export interface PreEncodedTask {
  readonly taskDetailsXml: string;
  readonly taskStatus: TaskStatus;
}

/**
 * GetAllDetailsResponse / GetAllTaskDetailsResponse (clauses 6.4.5, 6.4.7) built from stored task fragments:
 * 100,000 tasks need no parsing and re-encoding of their details. The result goes into {@link encodeResponse}.
 */
export function encodeBulkTaskResponse(
  type: 'GetAllDetailsResponse' | 'GetAllTaskDetailsResponse',
  h: MessageHeader,
  tasks: Iterable<PreEncodedTask>,
  rest: { neStatusDetails: NeStatusDetails; destinations: readonly DestinationResponseDetails[] } | undefined,
): EncodedResponseMessage {
  const w = newWriter();
  w.raw(`<x1:x1ResponseMessage xsi:type="x1:${type}">`);
  header(w, h);
  if (rest) neStatusDetails(w, rest.neStatusDetails);
  w.raw('<x1:listOfTaskResponseDetails>');
  for (const t of tasks) {
    const plain = plainTaskStatus(t.taskStatus);
    if (plain !== undefined)
      w.raw(`<x1:taskResponseDetails>${t.taskDetailsXml}${plain}</x1:taskResponseDetails>`);
    else {
      w.raw(`<x1:taskResponseDetails>${t.taskDetailsXml}`);
      taskStatus(w, t.taskStatus);
      w.raw('</x1:taskResponseDetails>');
    }
  }
  w.raw('</x1:listOfTaskResponseDetails>');
  if (rest) {
    w.raw('<x1:listOfDestinationResponseDetails>');
    for (const d of rest.destinations) destinationResponseDetails(w, d);
    w.raw('</x1:listOfDestinationResponseDetails>');
  }
  w.raw('</x1:x1ResponseMessage>');
  return { encoded: w.toString() };
}

/** Characters of the status values a task usually has (enumeration, timestamps, counts): nothing to escape. */
const PLAIN_VALUE = /^[A-Za-z0-9:.+-]+$/;

/**
 * The `<x1:taskStatus>` of the common case (no faults, no extensions), as {@link taskStatus} writes it, in
 * one template: a GetAllDetails of 100,000 tasks writes 100,000 of them. Undefined for anything else.
 */
function plainTaskStatus(s: PreEncodedTask['taskStatus']): string | undefined {
  if (s.listOfFaults.length > 0 || s.taskStatusExtensions.length > 0) return undefined;
  const opt = (name: string, v: string | number | undefined) =>
    v === undefined ? '' : `<x1:${name}>${v}</x1:${name}>`;
  const parts = [s.provisioningStatus, s.timeOfLastIntercept, s.timeOfLastModification];
  if (!parts.every((v) => v === undefined || PLAIN_VALUE.test(v))) return undefined;
  return (
    `<x1:taskStatus><x1:provisioningStatus>${s.provisioningStatus}</x1:provisioningStatus><x1:listOfFaults/>` +
    opt('timeOfLastIntercept', s.timeOfLastIntercept) +
    opt('amountOfX2Data', s.amountOfX2Data) +
    opt('amountOfX3Data', s.amountOfX3Data) +
    opt('timeOfLastModification', s.timeOfLastModification) +
    opt('numberOfModifications', s.numberOfModifications) +
    '</x1:taskStatus>'
  );
}

/** Encodes an `X1TopLevelErrorResponse`. */
export function encodeTopLevelError(e: TopLevelErrorResponse): string {
  const w = newWriter();
  rootOpen(w, 'X1TopLevelErrorResponse');
  w.leaf('x1:admfIdentifier', e.admfIdentifier);
  w.leaf('x1:neIdentifier', e.neIdentifier);
  w.leaf('x1:messageTimestamp', e.messageTimestamp);
  w.leaf('x1:version', e.version);
  w.raw('</x1:X1TopLevelErrorResponse>');
  return w.toString();
}

export function encodeDocument(doc: X1Document): string {
  switch (doc.root) {
    case 'X1Request':
      return encodeRequest(doc.messages);
    case 'X1Response':
      return encodeResponse(doc.messages);
    case 'X1TopLevelErrorResponse':
      return encodeTopLevelError(doc.error);
  }
}
