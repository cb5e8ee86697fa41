/**
 * Answers written in pieces. A bulk status answer (GetAllDetails, GetAllTaskDetails, ListAllDetails: TS 103
 * 221-1 clauses 6.4.5-6.4.8) about 1,000,000 tasks is hundreds of MB: it is encoded a slice of tasks at a
 * time from the stored `<x1:taskDetails>` fragments, and the event loop gets a turn between slices, so that
 * memory stays bounded and other peers' requests keep their latency. Pure: the slices come from a source.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { destinationResponseDetails, neStatusDetails, taskStatus } from './encode-details.js';
import { encodeResponseMessage, header, newWriter, RESPONSE_CLOSE, responseOpen } from './encode.js';
import { X1Error } from './errors.js';
import type {
  DestinationResponseDetails,
  ListOfDids,
  MessageHeader,
  NeStatusDetails,
  TaskStatus,
  X1Response,
} from './model.js';
import type { XmlWriter } from './xml/writer.js';

/** A piece of an answer: text, or text already encoded as UTF-8. */
export type Piece = string | Uint8Array;

/** A task for a bulk answer: its stored `<x1:taskDetails>` fragment and its current status. */
export interface PreEncodedTask {
  readonly taskDetailsXml: string;
  readonly taskStatus: TaskStatus;
}

/**
 * A response message written in pieces. `release` frees what it reads from (a store snapshot); it is called
 * once the chunks are read or abandoned, and must also be called when they are never read.
 */
export interface StreamedResponseMessage {
  readonly chunks: AsyncIterable<Piece>;
  release(): void;
}

/** Any message of an answer. */
export type ResponseMessageOut = X1Response | StreamedResponseMessage;

/** Where a bulk task answer reads from: slices until an empty one, then released. */
export interface BulkTaskSource {
  nextSlice(): readonly PreEncodedTask[];
  release(): void;
}

/** Where a ListAllDetails answer reads from. */
export interface XidListSource {
  nextXids(): readonly string[];
  readonly dids: ListOfDids;
  release(): void;
}

/** Characters of the status values a task usually has (enumeration, timestamps, counts): nothing to escape. */
const PLAIN_VALUE = /^[A-Za-z0-9:.+-]+$/;

/**
 * The `<x1:taskStatus>` of the common case (no faults, no extensions), as {@link taskStatus} writes it, in
 * one template: a GetAllDetails of 100,000 tasks writes 100,000 of them. Undefined for anything else.
 */
function plainTaskStatus(s: TaskStatus): string | undefined {
  if (s.listOfFaults.length > 0 || s.taskStatusExtensions.length > 0) return undefined;
  const intercept = s.timeOfLastIntercept;
  const modified = s.timeOfLastModification;
  if (
    !PLAIN_VALUE.test(s.provisioningStatus) ||
    (intercept !== undefined && !PLAIN_VALUE.test(intercept)) ||
    (modified !== undefined && !PLAIN_VALUE.test(modified))
  )
    return undefined;
  return (
    `<x1:taskStatus><x1:provisioningStatus>${s.provisioningStatus}</x1:provisioningStatus><x1:listOfFaults/>` +
    (intercept === undefined ? '' : `<x1:timeOfLastIntercept>${intercept}</x1:timeOfLastIntercept>`) +
    (s.amountOfX2Data === undefined ? '' : `<x1:amountOfX2Data>${s.amountOfX2Data}</x1:amountOfX2Data>`) +
    (s.amountOfX3Data === undefined ? '' : `<x1:amountOfX3Data>${s.amountOfX3Data}</x1:amountOfX3Data>`) +
    (modified === undefined ? '' : `<x1:timeOfLastModification>${modified}</x1:timeOfLastModification>`) +
    (s.numberOfModifications === undefined
      ? ''
      : `<x1:numberOfModifications>${s.numberOfModifications}</x1:numberOfModifications>`) +
    '</x1:taskStatus>'
  );
}

/** Hands the text of a slice's `<x1:taskResponseDetails>` elements to `emit`, in order, piece by piece. */
function taskSliceParts(tasks: readonly PreEncodedTask[], emit: (s: string) => void): void {
  for (const t of tasks) {
    emit('<x1:taskResponseDetails>');
    emit(t.taskDetailsXml);
    const plain = plainTaskStatus(t.taskStatus);
    if (plain !== undefined) emit(plain);
    else {
      const w = newWriter();
      taskStatus(w, t.taskStatus);
      emit(w.toString());
    }
    emit('</x1:taskResponseDetails>');
  }
}

/** `<x1:taskResponseDetails>` elements of a slice of tasks. */
export function encodeTaskSlice(tasks: readonly PreEncodedTask[]): string {
  let out = '';
  taskSliceParts(tasks, (s) => (out += s));
  return out;
}

/**
 * The same as UTF-8 bytes, each part written straight into one buffer. Building the string first and
 * converting it costs twice as much: the string is a rope of ~1,000 parts that must be flattened (2.6 of
 * 4.5 s of CPU for 1,000,000 tasks).
 */
export function encodeTaskSliceBytes(tasks: readonly PreEncodedTask[]): Uint8Array {
  let buf = Buffer.allocUnsafe(SLICE_BUFFER_BYTES);
  let n = 0;
  taskSliceParts(tasks, (s) => {
    // At most 3 bytes per UTF-16 unit.
    if (n + s.length * 3 > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, n + s.length * 3));
      buf.copy(bigger, 0, 0, n);
      buf = bigger;
    }
    n += buf.write(s, n, 'utf8');
  });
  return buf.subarray(0, n);
}

/** The buffer a slice starts with: 256 tasks of ~600 bytes fit. */
const SLICE_BUFFER_BYTES = 256 * 1024;

function messageOpen(type: string, h: MessageHeader, more?: (w: XmlWriter) => void): string {
  const w = newWriter();
  w.raw(`<x1:x1ResponseMessage xsi:type="x1:${type}">`);
  header(w, h);
  more?.(w);
  return w.toString();
}

/** Yields the source's pieces, one per event-loop turn, and releases it however the reading ends. */
function streamed(pieces: () => Generator<Piece>, release: () => void): StreamedResponseMessage {
  let released = false;
  const once = () => {
    if (released) return;
    released = true;
    release();
  };
  return {
    chunks: (async function* () {
      try {
        for (const piece of pieces()) {
          yield piece;
          // Other peers get the event loop after every slice (~0.3 ms of work for 256 tasks).
          await nextTurn();
        }
      } finally {
        once();
      }
    })(),
    release: once,
  };
}

/**
 * GetAllDetailsResponse (with `rest`) or GetAllTaskDetailsResponse from stored task fragments: 1,000,000
 * tasks need no parsing and re-encoding of their details, and are never in memory at once.
 */
export function bulkTaskResponse(
  type: 'GetAllDetailsResponse' | 'GetAllTaskDetailsResponse',
  h: MessageHeader,
  source: BulkTaskSource,
  rest: { neStatusDetails: NeStatusDetails; destinations: readonly DestinationResponseDetails[] } | undefined,
): StreamedResponseMessage {
  return streamed(
    function* () {
      yield (
        messageOpen(type, h, (w) => rest && neStatusDetails(w, rest.neStatusDetails)) +
        '<x1:listOfTaskResponseDetails>'
      );
      for (let slice = source.nextSlice(); slice.length > 0; slice = source.nextSlice())
        yield encodeTaskSliceBytes(slice);
      const w = newWriter();
      w.raw('</x1:listOfTaskResponseDetails>');
      if (rest) {
        w.raw('<x1:listOfDestinationResponseDetails>');
        for (const d of rest.destinations) destinationResponseDetails(w, d);
        w.raw('</x1:listOfDestinationResponseDetails>');
      }
      w.raw('</x1:x1ResponseMessage>');
      yield w.toString();
    },
    () => source.release(),
  );
}

/** ListAllDetailsResponse (clause 6.4.8): every XID and DID, the XIDs read in slices. */
export function listAllDetailsResponse(h: MessageHeader, source: XidListSource): StreamedResponseMessage {
  return streamed(
    function* () {
      yield messageOpen('ListAllDetailsResponse', h) + '<x1:ListOfXIDs>';
      for (let xids = source.nextXids(); xids.length > 0; xids = source.nextXids()) {
        const w = newWriter();
        for (const x of xids) w.leaf('x1:xId', x.toLowerCase());
        yield w.toString();
      }
      const w = newWriter();
      w.raw('</x1:ListOfXIDs>');
      const { dIds, dSIds } = source.dids;
      if (dIds.length === 0 && dSIds.length === 0) w.empty('x1:ListOfDIDs');
      else {
        w.open('x1:ListOfDIDs');
        for (const d of dIds) w.leaf('x1:dId', d.toLowerCase());
        for (const d of dSIds) w.leaf('x1:dSId', d.toLowerCase());
        w.close('x1:ListOfDIDs');
      }
      w.raw('</x1:x1ResponseMessage>');
      yield w.toString();
    },
    () => source.release(),
  );
}

function isStreamed(m: ResponseMessageOut): m is StreamedResponseMessage {
  return 'chunks' in m;
}

/** True when some message of the answer is written in pieces. */
export function hasStreamed(messages: readonly ResponseMessageOut[]): boolean {
  return messages.some(isStreamed);
}

/**
 * An `X1Response` container in pieces: plain messages as they are, streamed ones slice by slice. Every
 * streamed message is released when the reading ends, even one it never reached (the reader stopped).
 */
export async function* encodeResponseChunks(messages: readonly ResponseMessageOut[]): AsyncGenerator<Piece> {
  try {
    if (messages.length === 0)
      throw new X1Error('GenericFailure', 'an X1Response holds at least one message');
    let pending = responseOpen();
    for (const m of messages) {
      if (!isStreamed(m)) {
        pending += encodeResponseMessage(m);
        continue;
      }
      yield pending;
      pending = '';
      for await (const chunk of m.chunks) yield chunk;
    }
    yield pending + RESPONSE_CLOSE;
  } finally {
    for (const m of messages) if (isStreamed(m)) m.release();
  }
}

/** The whole answer as one string (tests and small answers; bulk answers go out in pieces). */
export async function collectChunks(chunks: AsyncIterable<Piece>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += typeof c === 'string' ? c : UTF8.decode(c);
  return out;
}

const UTF8 = new TextDecoder();
