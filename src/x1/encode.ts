/**
 * The X1 encoder: model → canonical XML that validates against the ETSI schema. Elements in schema order;
 * timestamps as given (the model holds 6-digit microsecond timestamps); UUIDs lower-cased; IPv6 fully
 * expanded; E.164 without `+`. The X1 namespace uses the prefix `x1`, TS 103 280 `e280`, HashedID `hid`.
 */
import { encodeDetails, taskDetails } from './encode-details.js';
import { X1Error } from './errors.js';
import {
  ETSI280_NAMESPACE,
  HASHED_ID_NAMESPACE,
  X1_NAMESPACE,
  XSI_NAMESPACE,
  type MessageHeader,
  type TaskDetails,
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

/** A writer that knows the root's namespace prefixes. */
export function newWriter(): XmlWriter {
  return new XmlWriter(ROOT_PREFIXES);
}

function rootOpen(w: XmlWriter, name: string): void {
  w.raw(`<?xml version="1.0" encoding="UTF-8"?>\n<x1:${name}${ROOT_DECLS}>`);
}

/** The message header elements. */
export function header(w: XmlWriter, h: MessageHeader): void {
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

/** The start of an `X1Response` container, up to its first message. */
export function responseOpen(): string {
  const w = newWriter();
  rootOpen(w, 'X1Response');
  return w.toString();
}

export const RESPONSE_CLOSE = '</x1:X1Response>';

/** One `x1ResponseMessage` element. */
export function encodeResponseMessage(m: X1Response): string {
  const w = newWriter();
  message(w, 'x1ResponseMessage', m);
  return w.toString();
}

/** Encodes an `X1Response` container. */
export function encodeResponse(messages: readonly X1Response[]): string {
  if (messages.length === 0) throw new X1Error('GenericFailure', 'an X1Response holds at least one message');
  const w = newWriter();
  rootOpen(w, 'X1Response');
  for (const m of messages) message(w, 'x1ResponseMessage', m);
  w.raw(RESPONSE_CLOSE);
  return w.toString();
}

/** The canonical `<x1:taskDetails>` element of a task, for stores that keep it ready to send. */
export function encodeTaskDetailsFragment(t: TaskDetails): string {
  const w = newWriter();
  taskDetails(w, t);
  return w.toString();
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
